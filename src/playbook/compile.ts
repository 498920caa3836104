/**
 * Source text -> diagnostics + CompiledPlaybook. Runs every stage (size, YAML, schema, semantic
 * checks) and reports all problems of the file at once; a playbook is produced only when no error is
 * left (warnings are allowed unless `strict`).
 */
import { createHash } from 'node:crypto';
import { type Diagnostic, sortDiagnostics } from '../shared/index.ts';
import { checkSteps } from './check-steps.ts';
import { checkTenants } from './check-tenants.ts';
import { checkInputs, checkTriggers } from './check-triggers.ts';
import { type ExpressionScope, checkTemplates } from './check-expressions.ts';
import type { CompiledPlaybook } from './compiled.ts';
import { PlaybookError } from './errors.ts';
import { type Finding, finding, pointerToken, toDiagnostics } from './findings.ts';
import { parseYaml } from './parse-yaml.ts';
import type { PlaybookDocument } from './schema-types.ts';
import { toCompiledPlaybook } from './to-compiled.ts';
import { validateSchema } from './validate-schema.ts';

/** Largest playbook source accepted, in bytes. */
export const MAX_PLAYBOOK_BYTES = 1024 * 1024;

/** Options for compiling playbooks. */
export interface CompileOptions {
  /** Treat warnings (e.g. decommissioned operations) as errors. @default false */
  strict?: boolean;
  /**
   * The secret names defined where the playbook is validated (`talon validate`): a reference to any
   * other name is an error. Absent = names are not checked (the worker reports a missing one).
   */
  secretNames?: readonly string[];
  /**
   * The configured tenant names (TALON_TENANTS_FILE and `default`): a `tenant:` naming another is an
   * error. Absent = names are not checked (the worker refuses a run of an unknown tenant).
   */
  tenantNames?: readonly string[];
}

/** Every diagnostic of one file, and the compiled playbook when there is no error. */
export interface CompileResult {
  diagnostics: Diagnostic[];
  playbook: CompiledPlaybook | null;
}

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Compiles playbook source text; never throws for author errors. `file` is used in diagnostics. */
export function compilePlaybookSource(
  text: string,
  file: string,
  options: CompileOptions = {},
): CompileResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PLAYBOOK_BYTES) {
    const message = `file is ${bytes} bytes; a playbook may be at most ${MAX_PLAYBOOK_BYTES} bytes (1 MiB)`;
    return fail([
      { code: 'SOAR_PLAYBOOK_TOO_LARGE', severity: 'error', message, file, line: 1, column: 1, pointer: '' },
    ]);
  }
  const parsed = parseYaml(text);
  if (parsed.problems.length > 0) {
    const findings = parsed.problems.map(
      (p): Finding => ({ ...finding(p.code, p.pointer, p.message), offset: p.offset }),
    );
    return fail(sortDiagnostics(toDiagnostics(findings, file, parsed.map)));
  }
  const value = parsed.value;
  if (!isMap(value)) {
    const message =
      value === null || value === undefined
        ? 'the file is empty; a playbook is a mapping with at least name and steps'
        : `the document is ${Array.isArray(value) ? 'a list' : 'a single value'}; a playbook is a mapping with name, steps, ...`;
    return fail(toDiagnostics([finding('SOAR_PLAYBOOK_NOT_MAPPING', '', message)], file, parsed.map));
  }
  const readInputs = new Set<string>();
  const findings = [...validateSchema(value), ...checkDocument(value, options, readInputs)];
  // Unused inputs are worth a word only once the playbook is otherwise right: while an expression
  // misspells an input, the input it meant would also be reported as unused.
  if (!findings.some((f) => f.severity === 'error')) {
    findings.push(...unusedInputs(names(value.inputs), readInputs, options.strict ?? false));
  }
  const diagnostics = sortDiagnostics(toDiagnostics(findings, file, parsed.map));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics, playbook: null };
  const hash = createHash('sha256').update(text).digest('hex');
  const playbook = toCompiledPlaybook(value as unknown as PlaybookDocument, { file, hash, map: parsed.map });
  return { diagnostics, playbook };
}

/**
 * Compiles playbook source text into an immutable plan.
 * @throws PlaybookError (SOAR_PLAYBOOK_INVALID) holding every diagnostic when there is any error.
 */
export function compilePlaybook(text: string, file: string, options: CompileOptions = {}): CompiledPlaybook {
  const result = compilePlaybookSource(text, file, options);
  if (!result.playbook) throw new PlaybookError(result.diagnostics);
  return result.playbook;
}

function fail(diagnostics: Diagnostic[]): CompileResult {
  return { diagnostics, playbook: null };
}

function names(value: unknown): Set<string> {
  return new Set(isMap(value) ? Object.keys(value) : []);
}

/** The semantic checks; each reads only the parts that have the right shape. */
function checkDocument(doc: Doc, options: CompileOptions, readInputs: Set<string>): Finding[] {
  const env = new Set(
    Array.isArray(doc.env) ? doc.env.filter((e): e is string => typeof e === 'string') : [],
  );
  const inputs = names(doc.inputs);
  const steps = Array.isArray(doc.steps) ? doc.steps : [];
  const out: Finding[] = [];
  if (Array.isArray(doc.triggers)) out.push(...checkTriggers(doc.triggers));
  if (isMap(doc.inputs)) out.push(...checkInputs(doc.inputs));
  out.push(...checkTenants(doc, options.tenantNames === undefined ? null : new Set(options.tenantNames)));
  const strict = options.strict ?? false;
  const secrets = options.secretNames === undefined ? null : new Set(options.secretNames);
  out.push(...checkSteps(steps, { inputs, env, strict, readInputs }, { strict, secrets }));
  if (doc.outputs !== undefined) {
    const order = steps.map((s) => (isMap(s) && typeof s.id === 'string' ? s.id : ''));
    const scope: ExpressionScope = {
      stepOrder: order,
      current: order.length,
      inputs,
      env,
      item: false,
      strict,
      readInputs,
    };
    out.push(...checkTemplates(doc.outputs, '/outputs', scope));
  }
  return out;
}

/** Inputs no expression reads: a caller can pass them and nothing happens, which is usually a slip. */
function unusedInputs(declared: ReadonlySet<string>, read: ReadonlySet<string>, strict: boolean): Finding[] {
  if (read.has('*')) return [];
  return [...declared]
    .filter((name) => !read.has(name))
    .map((name) =>
      finding(
        'SOAR_PLAYBOOK_UNUSED_INPUT',
        `/inputs/${pointerToken(name)}`,
        `input "${name}" is never read`,
        'key',
        {
          severity: strict ? 'error' : 'warning',
        },
      ),
    );
}
