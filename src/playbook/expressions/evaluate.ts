/**
 * Run-time evaluation of `${{ }}` templates, conditions and expressions against an ExpressionContext.
 * Only the playbook's own text is ever parsed as JSONata: values that come out of an evaluation (Falcon
 * answers, webhook bodies, inputs) are returned as data and never scanned for `${{` again.
 * Every failure is an ExpressionError naming the step and field.
 */
import type { ExpressionContext } from '../compiled.ts';
import { ExpressionError } from '../errors.ts';
import { type EvaluationBounds, evaluateJsonata, jsonataErrorCode, parseJsonata } from './jsonata-engine.ts';
import { type NativeBounds, nativeEvaluator, UNSURE } from './native-condition.ts';
import { scanTemplate, soleExpression } from './template.ts';

/**
 * Where an expression sits, for error messages: step id (if any) and field path (e.g. "with.ids"),
 * or a ready-made label such as `step "tag" with` (the engine's form).
 */
export type ExpressionWhere = { step?: string; field: string } | string;

function normalizeWhere(where: ExpressionWhere): { step?: string; field: string } {
  return typeof where === 'string' ? { field: where } : where;
}

function withField(where: ExpressionWhere, suffix: string): ExpressionWhere {
  const w = normalizeWhere(where);
  return { ...w, field: `${w.field}${suffix}` };
}

/** Bounds on one evaluation. */
export interface ExpressionLimits {
  /** Wall-clock budget for one expression. @default 5000 */
  timeoutMs?: number;
  /** Deepest evaluation stack. @default 400 */
  maxDepth?: number;
  /** Longest intermediate sequence. @default 200000 */
  maxSequence?: number;
  /** Largest result, measured as approximate JSON bytes. @default 8 MiB */
  maxResultBytes?: number;
}

const DEFAULTS: Required<ExpressionLimits> = {
  timeoutMs: 5000,
  maxDepth: 400,
  maxSequence: 200_000,
  maxResultBytes: 8 * 1024 * 1024,
};

function describeWhere(label: ExpressionWhere): string {
  const where = normalizeWhere(label);
  return where.step === undefined ? where.field : `step "${where.step}" field ${where.field}`;
}

function errorDetails(label: ExpressionWhere, expression: string): Record<string, string> {
  const where = normalizeWhere(label);
  const details: Record<string, string> = { field: where.field, expression: expression.slice(0, 200) };
  if (where.step !== undefined) details.step = where.step;
  return details;
}

/** Strips an optional `${{ }}` wrapper from condition/foreach text. */
export function unwrapExpression(text: string): string {
  const scan = scanTemplate(text);
  if (scan.ok) {
    const sole = soleExpression(scan.parts);
    if (sole !== undefined) return sole;
  }
  return text;
}

/**
 * Evaluates one JSONata expression (without the `${{ }}` wrapper) and returns plain JSON data. Plain
 * expressions (paths with filters, literals, comparisons, `$count`, `$distinct`: native-condition.ts)
 * are answered natively when the data allows, with the same result jsonata gives; the rest by jsonata.
 * @throws ExpressionError SOAR_EXPR_EVAL, SOAR_EXPR_TIMEOUT or SOAR_EXPR_RESULT_TOO_LARGE.
 */
export async function evaluateExpression(
  expression: string,
  ctx: ExpressionContext,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): Promise<unknown> {
  const bounds = { ...DEFAULTS, ...limits };
  const native = nativeFor(expression, bounds);
  if (native !== null) {
    const value = native(toInput(ctx));
    if (value !== UNSURE) return plainResult(value, expression, where, bounds);
  }
  return evaluateWithJsonata(expression, ctx, where, limits);
}

/**
 * evaluateExpression without the native evaluator: every expression through jsonata. The reference the
 * native answers are tested against, and the path for whatever the native evaluator is unsure of.
 */
export async function evaluateWithJsonata(
  expression: string,
  ctx: ExpressionContext,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): Promise<unknown> {
  const bounds = { ...DEFAULTS, ...limits };
  const engineBounds: EvaluationBounds = {
    timeoutMs: bounds.timeoutMs,
    maxDepth: bounds.maxDepth,
    maxSequence: bounds.maxSequence,
  };
  let raw: unknown;
  try {
    raw = await evaluateJsonata(expression, toInput(ctx), engineBounds);
  } catch (error) {
    throw toExpressionError(error, expression, where, bounds);
  }
  return plainResult(raw, expression, where, bounds);
}

/** A result as plain JSON data, or SOAR_EXPR_RESULT_TOO_LARGE past the byte bound. */
function plainResult(
  raw: unknown,
  expression: string,
  where: ExpressionWhere,
  bounds: Required<ExpressionLimits>,
): unknown {
  const budget = { left: bounds.maxResultBytes };
  const data = toPlainData(raw, budget);
  if (budget.left < 0) {
    throw new ExpressionError(
      'SOAR_EXPR_RESULT_TOO_LARGE',
      `${describeWhere(where)}: the result of \${{ ${expression} }} is larger than ${bounds.maxResultBytes} bytes`,
      { details: errorDetails(where, expression) },
    );
  }
  return data;
}

// A foreach renders the same few expressions once per item and a select runs once per batch: each
// expression is parsed for the native evaluator once (null: outside its subset, or does not parse).
const MAX_NATIVE_CACHED = 2000;
const nativeCache = new Map<string, ReturnType<typeof nativeEvaluator>>();

function nativeFor(
  expression: string,
  bounds: Required<ExpressionLimits>,
): ReturnType<typeof nativeEvaluator> {
  const key = `${bounds.maxSequence}|${bounds.maxDepth}|${expression}`;
  const cached = nativeCache.get(key);
  if (cached !== undefined) return cached;
  const parsed = parseJsonata(expression);
  const native: NativeBounds = { maxSequence: bounds.maxSequence, maxDepth: bounds.maxDepth };
  const evaluator = parsed.ok ? nativeEvaluator(parsed.ast, native) : null;
  if (nativeCache.size >= MAX_NATIVE_CACHED) nativeCache.clear();
  nativeCache.set(key, evaluator);
  return evaluator;
}

function toExpressionError(
  error: unknown,
  expression: string,
  where: ExpressionWhere,
  bounds: Required<ExpressionLimits>,
): ExpressionError {
  const code = jsonataErrorCode(error);
  const details = errorDetails(where, expression);
  if (code === 'T-REGEX') {
    const text = (error as { message?: string }).message ?? 'unsafe regular expression';
    return new ExpressionError('SOAR_EXPR_SLOW_REGEX', `${describeWhere(where)}: ${text}`, { details });
  }
  if (code === 'D1012') {
    return new ExpressionError(
      'SOAR_EXPR_TIMEOUT',
      `${describeWhere(where)}: \${{ ${expression} }} ran longer than ${bounds.timeoutMs}ms`,
      { details },
    );
  }
  const message = (error as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' ? message : 'evaluation failed';
  return new ExpressionError(
    'SOAR_EXPR_EVAL',
    `${describeWhere(where)}: \${{ ${expression} }} failed: ${text}`,
    {
      details: code === undefined ? details : { ...details, jsonata: code },
    },
  );
}

function toInput(ctx: ExpressionContext): Record<string, unknown> {
  const input: Record<string, unknown> = {
    inputs: ctx.inputs,
    steps: ctx.steps,
    run: ctx.run,
    trigger: ctx.trigger,
    env: ctx.env,
  };
  if (ctx.item !== undefined) input.item = ctx.item;
  if (ctx.index !== undefined) input.index = ctx.index;
  if (ctx.resources !== undefined) input.resources = ctx.resources;
  return input;
}

/**
 * Copies a JSONata result into plain JSON data (sequences become arrays, functions are dropped) while
 * charging an approximate byte size to `budget`; stops copying once the budget is spent.
 */
function toPlainData(value: unknown, budget: { left: number }): unknown {
  if (budget.left < 0) return undefined;
  if (value === undefined || typeof value === 'function') return undefined;
  if (value === null || typeof value === 'boolean') {
    budget.left -= 5;
    return value;
  }
  if (typeof value === 'number') {
    budget.left -= 8;
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value === 'string') {
    budget.left -= value.length + 2;
    return value;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      budget.left -= 1;
      if (budget.left < 0) return out;
      const copy = toPlainData(item, budget);
      if (copy !== undefined) out.push(copy);
    }
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      budget.left -= key.length + 4;
      if (budget.left < 0) return out;
      const copy = toPlainData(item, budget);
      if (copy !== undefined) out[key] = copy;
    }
    return out;
  }
  return undefined;
}

/**
 * Renders a playbook value: strings with `${{ }}` are evaluated (a string that is exactly one
 * expression yields the raw value; mixed text interpolates), arrays and mappings are rendered member by
 * member, anything else is returned unchanged. Results are data and are never rendered again.
 * @throws ExpressionError as evaluateExpression does.
 */
export async function renderTemplate(
  value: unknown,
  ctx: ExpressionContext,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): Promise<unknown> {
  return compileTemplate(value, where, limits).render(ctx);
}

/** A playbook value compiled once and rendered against many contexts (a foreach renders one per item). */
export interface CompiledTemplate {
  /** As renderTemplate: the same value, or the same error. */
  render(ctx: ExpressionContext): Promise<unknown>;
}

/** A rendered value, or the promise of one when jsonata had to be asked. */
type Rendering = unknown;
/**
 * One rendering's context and the expression input built from it on first use. An object, not a
 * closure per rendering: a foreach renders once per item, and under tsx (keepNames) every closure
 * created also pays for naming it.
 */
interface RenderScope {
  ctx: ExpressionContext;
  input: Record<string, unknown> | null;
}
type RenderNode = (scope: RenderScope) => Rendering;

function inputOf(scope: RenderScope): Record<string, unknown> {
  scope.input ??= toInput(scope.ctx);
  return scope.input;
}

/**
 * Compiles a value for repeated rendering: each string is scanned once, each expression's native
 * evaluator found once, error locations worked out once. A member whose expressions the native
 * evaluator answers renders without a promise; members render one after another, in order, so the
 * first failing member is the one reported, as renderTemplate reports it.
 */
export function compileTemplate(
  value: unknown,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): CompiledTemplate {
  const node = compileNode(value, where, { ...DEFAULTS, ...limits });
  return {
    async render(ctx) {
      return await node({ ctx, input: null });
    },
  };
}

function compileNode(value: unknown, where: ExpressionWhere, bounds: Required<ExpressionLimits>): RenderNode {
  if (typeof value === 'string') return compileString(value, where, bounds);
  if (Array.isArray(value)) {
    const members = value.map((item, i) => compileNode(item, withField(where, `[${i}]`), bounds));
    return (scope) => renderMembers(members, scope, asList);
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const members = entries.map(([key, item]) => compileNode(item, withField(where, `.${key}`), bounds));
    const keys = entries.map(([key]) => key);
    const build = (values: unknown[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[keys[i] as string] = values[i];
      return out;
    };
    return (scope) => renderMembers(members, scope, build);
  }
  return () => value;
}

/** Renders members in order; goes asynchronous only from the first member that returns a promise. */
function asList(values: unknown[]): unknown[] {
  return values;
}

function renderMembers(
  members: readonly RenderNode[],
  scope: RenderScope,
  build: (values: unknown[]) => unknown,
): Rendering {
  const values = new Array<unknown>(members.length);
  for (let i = 0; i < members.length; i++) {
    const rendered = (members[i] as RenderNode)(scope);
    if (rendered instanceof Promise) return finishMembers(members, scope, build, values, i, rendered);
    values[i] = rendered;
  }
  return build(values);
}

async function finishMembers(
  members: readonly RenderNode[],
  scope: RenderScope,
  build: (values: unknown[]) => unknown,
  values: unknown[],
  from: number,
  pending: Promise<unknown>,
): Promise<unknown> {
  values[from] = await pending;
  for (let i = from + 1; i < members.length; i++) values[i] = await (members[i] as RenderNode)(scope);
  return build(values);
}

function compileString(text: string, where: ExpressionWhere, bounds: Required<ExpressionLimits>): RenderNode {
  const scan = scanTemplate(text);
  if (!scan.ok) {
    const message = `${describeWhere(where)}: ${scan.message}`;
    return () => {
      throw new ExpressionError('SOAR_EXPR_SYNTAX', message, { details: errorDetails(where, text) });
    };
  }
  const sole = soleExpression(scan.parts);
  if (sole !== undefined) return compileExpressionNode(sole, where, bounds);
  if (!scan.parts.some((part) => part.kind === 'expr')) return () => text;
  const parts: (string | RenderNode)[] = scan.parts.map((part) =>
    part.kind === 'text' ? part.text : compileExpressionNode(part.source, where, bounds),
  );
  const join = (values: unknown[]): string => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      out += typeof part === 'string' ? part : interpolate(values[i]);
    }
    return out;
  };
  const members = parts.map((part): RenderNode => (typeof part === 'string' ? () => part : part));
  return (scope) => renderMembers(members, scope, join);
}

/** One expression: natively when the native evaluator answers, else jsonata (a promise). */
function compileExpressionNode(
  source: string,
  where: ExpressionWhere,
  bounds: Required<ExpressionLimits>,
): RenderNode {
  const native = nativeFor(source, bounds);
  return (scope) => {
    if (native !== null) {
      const value = native(inputOf(scope));
      if (value !== UNSURE) return plainResult(value, source, where, bounds);
    }
    return evaluateWithJsonata(source, scope.ctx, where, bounds);
  };
}

function interpolate(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Evaluates an `if:` condition (with or without the `${{ }}` wrapper). true/false as is; nothing or
 * null is false; numbers, lists and mappings are true when non-zero or non-empty. A string is an
 * error, because "false" would otherwise silently count as true.
 * @throws ExpressionError SOAR_EXPR_EVAL for a string result, or as evaluateExpression does.
 */
export async function evaluateCondition(
  expression: string,
  ctx: ExpressionContext,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): Promise<boolean> {
  const source = unwrapExpression(expression);
  return conditionValue(await evaluateExpression(source, ctx, where, limits), source, where);
}

/**
 * What a condition's value means (the rules of evaluateCondition), or SOAR_EXPR_EVAL for a string.
 * Exported so tests can apply it to jsonata's own answer, the native evaluator's reference.
 */
export function conditionValue(value: unknown, source: string, where: ExpressionWhere): boolean {
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null) return false;
  if (typeof value === 'number') return value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  throw new ExpressionError(
    'SOAR_EXPR_EVAL',
    `${describeWhere(where)}: condition \${{ ${source} }} gave the string ${JSON.stringify(String(value).slice(0, 40))}; compare explicitly, e.g. \${{ x = 'yes' }}`,
    { details: errorDetails(where, source) },
  );
}

/** An `if:` compiled once, tested on many contexts (a stream trigger tests one per event). */
export interface CompiledCondition {
  /** As evaluateCondition; synchronous when the native evaluator answers, a promise otherwise. */
  test(ctx: ExpressionContext): boolean | Promise<boolean>;
}

/**
 * Compiles a condition for repeated use: the `${{ }}` wrapper is stripped and the expression parsed
 * once, and a plain expression (paths, literals, arithmetic, comparisons, and/or) is answered natively,
 * without jsonata's per-evaluation set-up. Whatever the native evaluator is unsure of goes through
 * evaluateCondition, so the answer and every error are the same as evaluateCondition's.
 */
export function compileCondition(
  expression: string,
  where: ExpressionWhere,
  limits: ExpressionLimits = {},
): CompiledCondition {
  const source = unwrapExpression(expression);
  const native = nativeFor(source, { ...DEFAULTS, ...limits });
  const slow = (ctx: ExpressionContext) => evaluateCondition(source, ctx, where, limits);
  if (native === null) return { test: slow };
  return {
    test(ctx) {
      const value = native(toInput(ctx));
      if (value === UNSURE) return slow(ctx);
      if (typeof value === 'boolean') return value;
      if (value === undefined || value === null) return false;
      if (typeof value === 'number') return value !== 0;
      // A string (an error for a condition) or an object: evaluateCondition says what it means.
      return slow(ctx);
    },
  };
}
