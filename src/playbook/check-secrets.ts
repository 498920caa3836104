// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Named secrets in steps. A secret may appear only in a secret slot of its action (a webhook URL, an
 * SMTP URL, http.request auth), as the whole value `${{ secrets.NAME }}`: never written out in the
 * playbook (the compiled plan travels in job data), never mixed into other text (it would land in
 * messages, outputs and records). Names are checked against the secrets defined where the playbook is
 * validated, when that list is given.
 */
import { secretNameOf } from '../shared/index.ts';
import { findCoreAction } from './core-actions.ts';
import { type Finding, finding, pointerToken } from './findings.ts';
import { didYouMean } from './suggest.ts';

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The secret slots of the action `uses` names (none for Falcon operations and core.*). */
export function secretSlotsOf(uses: unknown): readonly string[] {
  return typeof uses === 'string' ? (findCoreAction(uses.trim())?.secretSlots ?? []) : [];
}

/**
 * Checks the secret slots of one step's `with` (at pointer `at`) and returns the `with` without them,
 * for the ordinary template checks.
 */
export function checkSecretSlots(
  step: Doc,
  at: string,
  known: ReadonlySet<string> | null,
): { findings: Finding[]; rest: unknown } {
  const slots = secretSlotsOf(step.uses);
  if (slots.length === 0 || !isMap(step.with)) return { findings: [], rest: step.with };
  const rest = structuredClone(step.with) as Doc;
  const out: Finding[] = [];
  for (const slot of slots) {
    const path = slot.split('.');
    const parent = parentOf(rest, path);
    const last = path[path.length - 1] as string;
    if (parent === undefined || !Object.hasOwn(parent, last)) continue;
    const value = parent[last];
    delete parent[last];
    const pointer = `${at}/${path.map(pointerToken).join('/')}`;
    const name = secretNameOf(value);
    if (name === null) {
      const message = `${slot} must be a named secret, written \${{ secrets.NAME }} and nothing else (a secret written into the playbook would travel in job data)`;
      out.push(finding('SOAR_PLAYBOOK_BAD_PARAM_VALUE', pointer, message));
    } else if (known !== null && !known.has(name)) {
      const defined = known.size === 0 ? ' (no secret is defined here)' : didYouMean(name, [...known]);
      const message = `unknown secret "${name}"${defined}: define TALON_SECRET_${name}, TALON_SECRET_${name}_FILE or a file ${name} in TALON_SECRETS_DIR`;
      out.push(finding('SOAR_PLAYBOOK_UNKNOWN_SECRET', pointer, message));
    }
  }
  return { findings: out, rest };
}

/** The mapping that holds the last segment of `path`, if every segment before it is a mapping. */
function parentOf(root: Doc, path: readonly string[]): Doc | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (!isMap(node)) return undefined;
    node = node[key];
  }
  return isMap(node) ? node : undefined;
}

/**
 * Compiles the secret slots of a checked step's `with`: each `${{ secrets.NAME }}` becomes
 * `{ $secret: NAME }`, which rendering leaves alone and the worker resolves at call time.
 */
export function compileSecretSlots(uses: string, withValue: Doc): Doc {
  const slots = secretSlotsOf(uses);
  if (slots.length === 0) return withValue;
  const out = structuredClone(withValue);
  for (const slot of slots) {
    const path = slot.split('.');
    const parent = parentOf(out, path);
    const last = path[path.length - 1] as string;
    const name = parent === undefined ? null : secretNameOf(parent[last]);
    if (parent !== undefined && name !== null) parent[last] = { $secret: name };
  }
  return out;
}
