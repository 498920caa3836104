/**
 * One view of a write's parameters, whatever form the playbook used (docs/playbooks.md, "Falcon
 * steps"): fields given as keywords, inside the `body` pass-through or the `parameters` query
 * pass-through, action keywords (`update_status: closed`) next to or instead of `action_parameters`,
 * and id lists as arrays or comma-separated text. The read-backs judge a write by this view; a re-sent
 * write keeps the playbook's own form with only its targets replaced, so the request means the same.
 * The rules mirror src/falcon/request.ts, which builds the request from the same parameters.
 */
import { ALERT_ACTION_NAMES, INCIDENT_ACTION_NAMES } from '../falcon/operations/index.ts';
import type { OperationSpec } from '../falcon/operations/types.ts';

/** One `{name, value}` entry of `action_parameters`; `value` as the text Falcon receives. */
export interface WriteAction {
  name: string;
  value: string;
}

export interface WriteParams {
  /** The params as the playbook gave them (what a write re-sent unchanged sends). */
  params: Record<string, unknown>;
  /** Every field by name: keywords win over `body` fields, which win over `parameters` entries. */
  fields: Readonly<Record<string, unknown>>;
  /** `action_parameters` entries followed by the action keywords, in the order Falcon receives them. */
  actions: readonly WriteAction[];
  /** The params as the playbook gave them, with the list in `param` replaced where it was found. */
  withTargets(param: string, targets: readonly unknown[]): Record<string, unknown>;
}

/** The action keywords an operation accepts (operations that take `action_parameters` only). */
function actionNames(spec: OperationSpec): readonly string[] {
  if (!spec.params.some((p) => p.name === 'action_parameters')) return [];
  if (spec.collection === 'alerts') return ALERT_ACTION_NAMES;
  if (spec.collection === 'incidents') return INCIDENT_ACTION_NAMES;
  return [];
}

/** The body pass-through as an object: a list-bodied operation's body is a list of one object. */
function bodyObject(body: unknown): Record<string, unknown> | null {
  const first = Array.isArray(body) && body.length === 1 ? body[0] : body;
  return isRecord(first) ? first : null;
}

/** How Falcon receives an action value: text as it is, anything else as JSON. */
function actionText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Reads `params` the way the Falcon client builds the request for `spec`. */
export function writeParams(spec: OperationSpec, params: Record<string, unknown>): WriteParams {
  const query = isRecord(params['parameters']) ? params['parameters'] : {};
  const body = bodyObject(params['body']);
  const named = Object.fromEntries(
    Object.entries(params).filter(([k, v]) => k !== 'body' && k !== 'parameters' && v !== undefined),
  );
  const fields: Record<string, unknown> = { ...query, ...(body ?? {}), ...named };
  const keywords = actionNames(spec);
  const actions: WriteAction[] = [];
  const given = fields['action_parameters'];
  for (const entry of Array.isArray(given) ? given : []) {
    if (isRecord(entry) && typeof entry['name'] === 'string')
      actions.push({ name: entry['name'], value: actionText(entry['value']) });
  }
  for (const [name, value] of Object.entries(named)) {
    if (!keywords.includes(name) || spec.params.some((p) => p.name === name)) continue;
    for (const item of Array.isArray(value) ? value : [value])
      actions.push({ name, value: actionText(item) });
  }
  return {
    params,
    fields,
    actions,
    withTargets(param, targets) {
      const list = [...targets];
      if (param in named || (body === null && !(param in query))) return { ...params, [param]: list };
      if (body !== null && param in body) {
        const replaced = { ...body, [param]: list };
        return { ...params, body: Array.isArray(params['body']) ? [replaced] : replaced };
      }
      return { ...params, parameters: { ...query, [param]: list } };
    },
  };
}

/** An id list from an array, one id, or comma-separated text (as the client accepts it). */
export function idList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return value === undefined || value === null ? [] : [String(value)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
