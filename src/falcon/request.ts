/**
 * Turns keyword parameters into one HTTP request the way the SDKs do (falconpy service classes):
 * - `parameters` (object) is the whole query string, keywords add to or override it;
 * - `body` is the whole JSON body, sent as given (an object is wrapped in a list for list-bodied
 *   aggregates); body-field keywords build the body otherwise;
 * - list parameters accept an array or a comma-separated string and go out as repeated keys
 *   (`ids=a&ids=b`) in the query, or as a JSON array in the body;
 * - on operations with `action_parameters`, a keyword named like an action (`update_status`,
 *   `add_tag`, ...) becomes `{name, value}` entries.
 * Pure: no I/O, so it is unit-tested directly.
 */
import {
  ALERT_ACTION_NAMES,
  INCIDENT_ACTION_NAMES,
  type HttpMethod,
  type OperationSpec,
  type ParamSpec,
} from './operations/index.ts';
import { FalconApiError } from './errors.ts';

/** A request ready for the transport. */
export interface BuiltRequest {
  method: HttpMethod;
  path: string;
  searchParams: URLSearchParams;
  /** Undefined for bodiless requests. */
  body: unknown;
}

const PASSTHROUGH = new Set(['body', 'parameters']);

/** Action keywords per operation family (falconpy keyword conveniences). */
function actionNames(op: OperationSpec): readonly string[] {
  if (!op.params.some((p) => p.name === 'action_parameters')) return [];
  return op.collection === 'alerts'
    ? ALERT_ACTION_NAMES
    : op.collection === 'incidents'
      ? INCIDENT_ACTION_NAMES
      : [];
}

function bad(op: OperationSpec, message: string): FalconApiError {
  return new FalconApiError(
    'SOAR_FALCON_BAD_PARAMS',
    `${op.collection}.${op.pep8} (${op.operationId}): ${message}`,
    {
      operationId: op.operationId,
      method: op.method,
      path: op.path,
    },
  );
}

/** An id list from an array or a comma-separated string, trimmed, empties dropped. */
export function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  return [value];
}

function queryValue(op: OperationSpec, spec: ParamSpec | undefined, name: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad(op, `parameter '${name}' must be a finite number`);
    return String(value);
  }
  if (typeof value === 'string') {
    if (spec?.type === 'integer' && !/^-?\d+$/.test(value.trim()))
      throw bad(op, `parameter '${name}' must be an integer, got '${value}'`);
    if (spec?.type === 'boolean' && !/^(true|false)$/i.test(value.trim()))
      throw bad(op, `parameter '${name}' must be true or false, got '${value}'`);
    return spec?.type === 'boolean' ? value.trim().toLowerCase() : value;
  }
  throw bad(
    op,
    `query parameter '${name}' must be a string, number or boolean, got ${value === null ? 'null' : typeof value}`,
  );
}

function checkBodyValue(op: OperationSpec, spec: ParamSpec, value: unknown): unknown {
  const isList = spec.type.endsWith('[]');
  const v = isList ? toList(value) : value;
  if (spec.type === 'integer' && !(Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)))) {
    throw bad(op, `parameter '${spec.name}' must be an integer`);
  }
  if (spec.type === 'integer' && typeof v === 'string') return Number(v);
  if (spec.type === 'boolean' && typeof v !== 'boolean') {
    if (v === 'true' || v === 'false') return v === 'true';
    throw bad(op, `parameter '${spec.name}' must be true or false`);
  }
  if (spec.type === 'object' && (typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw bad(op, `parameter '${spec.name}' must be an object`);
  }
  if (spec.type === 'string' && typeof v !== 'string') {
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw bad(op, `parameter '${spec.name}' must be a string`);
  }
  return v;
}

function checkMax(op: OperationSpec, spec: ParamSpec | undefined, name: string, count: number): void {
  const max = spec?.maxItems ?? (op.ids?.param === name ? op.ids.max : undefined);
  if (max !== undefined && count > max) {
    throw bad(
      op,
      `'${name}' has ${count} items, the API takes at most ${max} per request; use callBatched to split them`,
    );
  }
}

/**
 * Builds the request for `op` from keyword parameters.
 * @throws FalconApiError SOAR_FALCON_BAD_PARAMS naming the parameter and the problem.
 */
export function buildRequest(op: OperationSpec, params: Readonly<Record<string, unknown>>): BuiltRequest {
  const byName = new Map(op.params.map((p) => [p.name, p]));
  const actions = actionNames(op);
  const query = new Map<string, unknown>();
  const bodyFields: Record<string, unknown> = {};
  const pathValues = new Map<string, string>();
  const actionParams: { name: string; value?: string }[] = [];

  const passQuery = params.parameters;
  if (passQuery !== undefined) {
    if (typeof passQuery !== 'object' || passQuery === null || Array.isArray(passQuery))
      throw bad(op, "'parameters' must be an object of query parameters");
    for (const [k, v] of Object.entries(passQuery)) if (v !== undefined && v !== null) query.set(k, v);
  }

  for (const [name, value] of Object.entries(params)) {
    if (PASSTHROUGH.has(name) || value === undefined) continue;
    const spec = byName.get(name);
    if (spec === undefined) {
      if (actions.includes(name)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          actionParams.push(
            name === 'unassign'
              ? { name }
              : { name, value: typeof item === 'string' ? item : JSON.stringify(item) },
          );
        }
        continue;
      }
      const known = op.params.map((p) => p.name).join(', ') || '(none)';
      throw bad(op, `unknown parameter '${name}'; known parameters: ${known}, plus body and parameters`);
    }
    if (value === null) continue;
    if (spec.in === 'query') query.set(name, value);
    else if (spec.in === 'path') pathValues.set(name, queryValue(op, spec, name, value));
    else bodyFields[name] = checkBodyValue(op, spec, value);
  }

  const searchParams = new URLSearchParams();
  for (const [name, value] of query) {
    const spec = byName.get(name);
    const list = spec?.type.endsWith('[]') || Array.isArray(value) ? toList(value) : [value];
    checkMax(op, spec, name, list.length);
    for (const item of list) searchParams.append(name, queryValue(op, spec, name, item));
  }

  if (actionParams.length > 0) {
    const given = Array.isArray(bodyFields.action_parameters)
      ? (bodyFields.action_parameters as unknown[])
      : [];
    bodyFields.action_parameters = [...given, ...actionParams];
  }

  const passBody = params.body;
  const hasBodyFields = Object.keys(bodyFields).length > 0;
  if (op.bodyShape === 'none') {
    if (passBody !== undefined) throw bad(op, `${op.method} ${op.path} takes no body`);
  } else if (passBody !== undefined && hasBodyFields) {
    throw bad(op, `pass either 'body' or body fields (${Object.keys(bodyFields).join(', ')}), not both`);
  }

  for (const spec of op.params) {
    if (!spec.required) continue;
    const present =
      spec.in === 'query'
        ? searchParams.has(spec.name)
        : spec.in === 'path'
          ? pathValues.has(spec.name)
          : passBody !== undefined || spec.name in bodyFields;
    if (!present) throw bad(op, `missing required parameter '${spec.name}'`);
    if (
      spec.in === 'body' &&
      spec.type.endsWith('[]') &&
      Array.isArray(bodyFields[spec.name]) &&
      (bodyFields[spec.name] as unknown[]).length === 0
    ) {
      throw bad(op, `parameter '${spec.name}' must not be empty`);
    }
  }
  for (const [name, value] of Object.entries(bodyFields)) {
    if (Array.isArray(value)) checkMax(op, byName.get(name), name, value.length);
  }

  let body: unknown;
  if (op.bodyShape === 'array') {
    if (passBody !== undefined) body = Array.isArray(passBody) ? passBody : [passBody];
    else body = hasBodyFields ? [bodyFields] : [];
  } else if (op.bodyShape === 'object') {
    body = passBody !== undefined ? passBody : bodyFields;
  }
  return { method: op.method, path: fillPath(op.path, pathValues), searchParams, body };
}

/** Replaces each `{name}` of a route path with its (URL-encoded) value. */
function fillPath(path: string, values: ReadonlyMap<string, string>): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) =>
    encodeURIComponent(values.get(name) ?? ''),
  );
}
