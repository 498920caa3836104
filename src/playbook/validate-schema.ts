/**
 * Schema validation: runs the playbook schema (playbook-validator.ts) with allErrors and turns ajv's
 * errors into findings a person can act on: unknown fields get "did you mean", anyOf/oneOf noise is
 * collapsed to the branch the author evidently meant, and patterns are explained in words.
 */
import { type Finding, finding, pointerToken } from './findings.ts';
import { type ErrorObject, playbookValidator } from './playbook-validator.ts';
import {
  CHOICE_PATTERN,
  DURATION_PATTERN,
  ENV_NAME_PATTERN,
  INPUT_NAME_PATTERN,
  STEP_ID_PATTERN,
  WEBHOOK_PATH_PATTERN,
} from './schema.ts';
import { didYouMean } from './suggest.ts';

const PATTERN_WORDS: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration like 500ms, 30s, 5m, 1h or 2d',
  [STEP_ID_PATTERN]: 'must start with a lower-case letter and hold only a-z, 0-9, _ and -',
  [ENV_NAME_PATTERN]: 'must be an environment variable name in upper case (A-Z, 0-9, _)',
  [INPUT_NAME_PATTERN]: 'must be a name of letters, digits and _ that does not start with a digit',
  [WEBHOOK_PATH_PATTERN]: 'must be a URL path of a-z, 0-9, _, - and /',
  [CHOICE_PATTERN]: 'must be a choice name: a lower-case letter, then a-z, 0-9 and _',
};

type SchemaNode = Record<string, unknown>;

/** Validates a parsed document against the playbook schema; returns findings (empty when valid). */
export function validateSchema(value: unknown): Finding[] {
  const validatePlaybook = playbookValidator();
  if (validatePlaybook(value)) return [];
  // An `if`/`then` failure is reported by the errors inside `then`; the "must match then" line adds nothing.
  const errors = collapseCombinators((validatePlaybook.errors ?? []).filter((e) => e.keyword !== 'if'));
  return errors.flatMap((e) => toFindings(e));
}

/** Errors with a synthetic keyword carry a finished message from the collapse step. */
interface Problem {
  error: ErrorObject;
  synthetic?: Finding[];
}

function collapseCombinators(errors: readonly ErrorObject[]): Problem[] {
  let list: Problem[] = errors.map((error) => ({ error }));
  const done = new Set<ErrorObject>();
  for (;;) {
    const combinator = list
      .filter((p) => !p.synthetic && isCombinator(p.error) && !done.has(p.error))
      .sort((a, b) => a.error.schemaPath.length - b.error.schemaPath.length)[0];
    if (!combinator) return list;
    done.add(combinator.error);
    const prefix = `${combinator.error.schemaPath}/`;
    const at = combinator.error.instancePath;
    // Items of one array share schema paths, so the instance path must match too.
    const inside = list.filter(
      (p) =>
        p.error.schemaPath.startsWith(prefix) &&
        (p.error.instancePath === at || p.error.instancePath.startsWith(`${at}/`)),
    );
    const chosen = chooseBranch(combinator.error, inside);
    list = list.filter((p) => p !== combinator && !inside.includes(p)).concat(chosen);
  }
}

function isCombinator(e: ErrorObject): boolean {
  return e.keyword === 'anyOf' || e.keyword === 'oneOf';
}

function branchIndex(prefix: string, p: Problem): number {
  return Number(p.error.schemaPath.slice(prefix.length).split('/')[0]);
}

/** Picks the errors of the branch the author meant, or one summary finding when none fits. */
function chooseBranch(combinator: ErrorObject, inside: Problem[]): Problem[] {
  const prefix = `${combinator.schemaPath}/`;
  const branches = (combinator.schema as SchemaNode[]) ?? [];
  const at = combinator.instancePath;
  if (inside.length === 0) {
    return [
      synthetic(combinator, finding('SOAR_PLAYBOOK_SCHEMA', at, 'matches more than one form; keep one')),
    ];
  }
  const byBranch = new Map<number, Problem[]>();
  for (const p of inside) {
    const i = branchIndex(prefix, p);
    byBranch.set(i, [...(byBranch.get(i) ?? []), p]);
  }
  const wrongShape = (ps: Problem[]) =>
    ps.some(
      (p) => p.error.instancePath === at && (p.error.keyword === 'type' || p.error.keyword === 'const'),
    );
  const candidates = [...byBranch.entries()].filter(([, ps]) => !wrongShape(ps));
  if (candidates.length === 1) return candidates[0]![1];
  const complete = candidates.filter(
    ([, ps]) => !ps.some((p) => p.error.instancePath === at && p.error.keyword === 'required'),
  );
  if (complete.length >= 1) {
    return complete.sort((a, b) => a[1].length - b[1].length)[0]![1];
  }
  const data = combinator.data;
  if (candidates.length === 0 || !isPlainObject(data)) {
    const forms = [...new Set(branches.map(describeSchema))].join(' or ');
    return [
      synthetic(
        combinator,
        finding('SOAR_PLAYBOOK_SCHEMA', at, `must be ${forms} (got ${describeValue(data)})`),
      ),
    ];
  }
  // Every branch misses its key: report unknown keys against all branches, else list the keys.
  const known = new Set(branches.flatMap((b) => Object.keys((b.properties as SchemaNode | undefined) ?? {})));
  const unknown = Object.keys(data).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    return unknown.map((k) =>
      synthetic(
        combinator,
        finding(
          'SOAR_PLAYBOOK_UNKNOWN_FIELD',
          `${at}/${pointerToken(k)}`,
          `unknown field "${k}"${didYouMean(k, known)}`,
          'key',
        ),
      ),
    );
  }
  const keys = branches.flatMap((b) => (b.required as string[] | undefined) ?? []);
  return [
    synthetic(
      combinator,
      finding('SOAR_PLAYBOOK_SCHEMA', at, `must have exactly one of: ${keys.join(', ')}`),
    ),
  ];
}

function synthetic(error: ErrorObject, f: Finding): Problem {
  return { error, synthetic: [f] };
}

function toFindings(p: Problem): Finding[] {
  if (p.synthetic) return p.synthetic;
  const e = p.error;
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
      return [
        finding(
          'SOAR_PLAYBOOK_UNKNOWN_FIELD',
          `${at}/${pointerToken(key)}`,
          `unknown field "${key}"${didYouMean(key, known)}`,
          'key',
        ),
      ];
    }
    case 'required':
      return [
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          at,
          `missing required field "${String(params.missingProperty)}"`,
          'value',
        ),
      ];
    case 'propertyNames':
      return [];
    case 'pattern': {
      const words = PATTERN_WORDS[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      const key = propertyNameOf(e);
      if (key !== undefined)
        return [
          finding('SOAR_PLAYBOOK_SCHEMA', `${at}/${pointerToken(key)}`, `name "${key}" ${words}`, 'key'),
        ];
      return [finding('SOAR_PLAYBOOK_SCHEMA', at, `${words} (got ${describeValue(e.data)})`)];
    }
    case 'type':
      if (parent.pattern === DURATION_PATTERN) {
        return [
          finding(
            'SOAR_PLAYBOOK_SCHEMA',
            at,
            `${PATTERN_WORDS[DURATION_PATTERN]} (got ${describeValue(e.data)})`,
          ),
        ];
      }
      return [
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          at,
          `must be ${describeSchema(parent)} (got ${describeValue(e.data)})`,
        ),
      ];
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return [
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          at,
          `must be one of ${allowed.join(', ')} (got ${describeValue(e.data)})${hint}`,
        ),
      ];
    }
    case 'uniqueItems': {
      const later = Math.max(Number(params.i), Number(params.j));
      const item = Array.isArray(e.data) ? e.data[later] : undefined;
      return [finding('SOAR_PLAYBOOK_SCHEMA', `${at}/${later}`, `${describeValue(item)} is listed twice`)];
    }
    case 'minItems':
      return [finding('SOAR_PLAYBOOK_SCHEMA', at, `must have at least ${String(params.limit)} item(s)`)];
    case 'const':
      return [
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          at,
          `must be ${JSON.stringify(params.allowedValue)} (got ${describeValue(e.data)})`,
        ),
      ];
    default:
      return [
        finding('SOAR_PLAYBOOK_SCHEMA', at, `${e.message ?? 'is invalid'} (got ${describeValue(e.data)})`),
      ];
  }
}

/** For a propertyNames pattern failure ajv reports the name in params.propertyName of the parent error. */
function propertyNameOf(e: ErrorObject): string | undefined {
  const name = (e.params as Record<string, unknown>).propertyName;
  return typeof name === 'string' ? name : e.propertyName;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'empty',
};

/** A schema in words: "a string", "\"all\"", "a mapping". */
function describeSchema(schema: SchemaNode): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  const type = schema.type;
  if (Array.isArray(type)) return type.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
  if (typeof type === 'string') return TYPE_WORDS[type] ?? type;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as SchemaNode[]).map(describeSchema).join(' or ');
  return 'valid';
}

/** A value in words, short enough for a one-line message. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  return String(value);
}
