/**
 * A native evaluator for the simplest expressions: field paths (through arrays, with filters such as
 * `behaviors[ioc_type='hash_sha256']`), literals, arithmetic, comparisons, `and`/`or`, and the
 * functions `$count` and `$distinct`, e.g. `trigger.event.Severity >= 4 and trigger.metadata.eventType
 * = 'X'` or `$distinct(resources.behaviors[ioc_type='hash_sha256'].ioc_value)`.
 * jsonata evaluates such an expression in ~0.1 ms through its generic async machinery, and a `select:`
 * over 1,000 summaries in ~30 ms; a stream trigger tests its `if:` on thousands of events a second, a
 * foreach renders its `with:` once per item, and that cost alone capped intake and step speed.
 *
 * It never decides anything jsonata would decide differently: whenever a value leaves the plain
 * cases it knows (an array inside an array, an inherited key, a type jsonata would refuse with an error,
 * a filter that would select by index, a sequence longer than jsonata's cap), it answers UNSURE and the
 * caller evaluates with jsonata. Paths follow jsonata's sequence rules exactly: a path maps over arrays
 * and flattens one level, a result of one value is that value, of none is nothing, and a JSON array
 * reached by the last step alone stays an array. test/playbook/native-condition.test.ts compares both
 * on seeded random expressions and data.
 */
import type { AstNode } from './jsonata-engine.ts';

/** "Ask jsonata": the value left the cases this evaluator answers exactly as jsonata does. */
export const UNSURE: unique symbol = Symbol('unsure');

type Value = unknown;
type Native = (input: unknown) => Value | typeof UNSURE;

/** What bounds a native evaluation, as jsonata's own guardrails bound it. */
export interface NativeBounds {
  /** Longest sequence jsonata builds before it fails (D2015); a longer one is left to jsonata. */
  maxSequence: number;
  /** jsonata's deepest evaluation stack; an expression nested anywhere near it is left to jsonata. */
  maxDepth: number;
}

const NO_BOUNDS: NativeBounds = { maxSequence: Number.POSITIVE_INFINITY, maxDepth: Number.POSITIVE_INFINITY };

/** A jsonata sequence: an array it builds itself, flattened into paths and unwrapped when of one value. */
type Sequence = unknown[] & { sequence?: boolean };

function sequenceOf(): Sequence {
  const out: Sequence = [];
  out.sequence = true;
  return out;
}

function isSequence(value: unknown): value is Sequence {
  return Array.isArray(value) && (value as Sequence).sequence === true;
}

/** What jsonata's evaluate() gives back for a sequence: nothing for none, the value for one. */
function unwrap(value: unknown): unknown {
  if (!isSequence(value)) return value;
  if (value.length === 0) return undefined;
  return value.length === 1 ? value[0] : value;
}

const NUMERIC = new Set(['+', '-', '*', '/', '%']);
const ORDERING = new Set(['<', '<=', '>', '>=']);

/** Only these keys may appear on a node: anything else (predicates, stages, groups) is jsonata's. */
function onlyKeys(node: AstNode, allowed: readonly string[]): boolean {
  for (const key of Object.keys(node)) if (!allowed.includes(key)) return false;
  return true;
}

/**
 * A native function for `ast`, or null when the expression uses anything outside the subset (or nests
 * so deeply that jsonata's stack bound could decide).
 */
export function nativeEvaluator(ast: AstNode, bounds: NativeBounds = NO_BOUNDS): Native | null {
  // jsonata spends a few stack levels per node (evaluate, path, step, filter): stay far below its bound.
  if (nestingDepth(ast, 0) * 4 >= bounds.maxDepth) return null;
  return nativeNode(ast, bounds);
}

function nativeNode(ast: AstNode, bounds: NativeBounds): Native | null {
  switch (ast.type) {
    case 'number':
    case 'string':
    case 'value': {
      if (!onlyKeys(ast, ['type', 'value', 'position'])) return null;
      const value = ast.value;
      if (typeof value === 'number' && !Number.isFinite(value)) return null;
      return () => value;
    }
    case 'path':
      return nativePath(ast, bounds);
    case 'binary':
      return nativeBinary(ast, bounds);
    case 'function':
      return nativeFunction(ast, bounds);
    case 'block': {
      // `( x )`: one expression in parentheses is that expression.
      const inner = ast.expressions;
      if (!onlyKeys(ast, ['type', 'expressions', 'position']) || !Array.isArray(inner) || inner.length !== 1)
        return null;
      return nativeNode(inner[0] as AstNode, bounds);
    }
    default:
      return null;
  }
}

/** One step of a path: a field name, and the filters (`[...]`) applied to what it reads. */
interface PathStep {
  name: string;
  filters: Native[];
}

function nativePath(ast: AstNode, bounds: NativeBounds): Native | null {
  if (!onlyKeys(ast, ['type', 'steps'])) return null;
  const steps = ast.steps;
  if (!Array.isArray(steps) || steps.length === 0) return null;
  const path: PathStep[] = [];
  for (const step of steps as AstNode[]) {
    if (step.type !== 'name' || typeof step.value !== 'string') return null;
    if (!onlyKeys(step, ['type', 'value', 'position', 'stages'])) return null;
    const filters: Native[] = [];
    if (step.stages !== undefined) {
      if (!Array.isArray(step.stages)) return null;
      for (const stage of step.stages as AstNode[]) {
        if (stage.type !== 'filter' || !onlyKeys(stage, ['type', 'expr', 'position'])) return null;
        const expr = stage.expr as AstNode;
        // `[0]` selects by index: jsonata's.
        if (expr.type === 'number') return null;
        const predicate = nativeNode(expr, bounds);
        if (predicate === null) return null;
        filters.push(predicate);
      }
    }
    path.push({ name: step.value, filters });
  }
  return (input) => evaluatePath(path, input, bounds.maxSequence);
}

/** jsonata's evaluatePath and evaluateStep for name steps, on plain data; UNSURE outside it. */
function evaluatePath(path: readonly PathStep[], input: unknown, maxSequence: number): unknown {
  // An array as the context is mapped over by jsonata: not needed for playbook contexts.
  if (Array.isArray(input)) return UNSURE;
  const direct = walkObjects(path, input);
  if (direct !== THROUGH_ARRAYS) return direct;
  let current: unknown[] = [input];
  let result: unknown[] = current;
  for (const [index, step] of path.entries()) {
    const last = index === path.length - 1;
    const perItem: unknown[] = [];
    for (const item of current) {
      const read = lookup(item, step.name);
      if (read === UNSURE) return UNSURE;
      let value = read;
      for (const filter of step.filters) {
        const kept = applyFilter(filter, value, maxSequence);
        if (kept === UNSURE) return UNSURE;
        value = kept;
      }
      if (value !== undefined) perItem.push(value);
    }
    if (perItem.length > maxSequence) return UNSURE;
    const only = perItem[0];
    if (last && perItem.length === 1 && Array.isArray(only) && !isSequence(only)) {
      // A JSON array read by the last step alone stays that array (one element or none included).
      result = only;
    } else {
      const flat = sequenceOf();
      for (const value of perItem) {
        if (!Array.isArray(value)) {
          flat.push(value);
          continue;
        }
        for (const element of value) {
          // An array inside an array: jsonata keeps it as one value here and maps over it later.
          if (Array.isArray(element)) return UNSURE;
          flat.push(element);
        }
      }
      if (flat.length > maxSequence) return UNSURE;
      result = flat;
    }
    if (result.length === 0) break;
    current = result;
  }
  return unwrap(result);
}

const THROUGH_ARRAYS: unique symbol = Symbol('through arrays');

/**
 * The common case (`item.id`, `run.id`) without building sequences: a path without filters that meets
 * no array reads one value, which is what the sequence rules give too. THROUGH_ARRAYS otherwise.
 */
function walkObjects(path: readonly PathStep[], input: unknown): unknown {
  let value = input;
  for (const step of path) {
    if (step.filters.length > 0) return THROUGH_ARRAYS;
    value = lookup(value, step.name);
    if (value === UNSURE) return UNSURE;
    if (Array.isArray(value)) return THROUGH_ARRAYS;
  }
  return value;
}

/** jsonata's lookup of one field in one value (not an array: those are flattened before). */
function lookup(value: unknown, name: string): unknown {
  if (Array.isArray(value)) return UNSURE;
  if (value === null || typeof value !== 'object') return undefined;
  if (!Object.hasOwn(value, name)) return name in value ? UNSURE : undefined;
  const found = (value as Record<string, unknown>)[name];
  if (typeof found === 'function') return UNSURE;
  if (typeof found === 'number' && !Number.isFinite(found)) return UNSURE;
  return found;
}

/** jsonata's evaluateFilter for a predicate that is not an index: the values it holds true for. */
function applyFilter(predicate: Native, value: unknown, maxSequence: number): Sequence | typeof UNSURE {
  const input = Array.isArray(value) ? value : [value];
  const kept = sequenceOf();
  for (const item of input) {
    if (Array.isArray(item)) return UNSURE;
    const verdict = predicate(item);
    // A number (or numbers) selects by position in jsonata; anything but a plain truth is left to it.
    if (verdict === UNSURE || typeof verdict === 'number' || Array.isArray(verdict)) return UNSURE;
    const holds = truth(verdict);
    if (holds === UNSURE) return UNSURE;
    if (holds) kept.push(item);
  }
  if (kept.length > maxSequence) return UNSURE;
  return kept;
}

/** `$count(x)` and `$distinct(x)` with one argument; other functions are jsonata's. */
function nativeFunction(ast: AstNode, bounds: NativeBounds): Native | null {
  // jsonata's parser leaves `name: undefined` on a plain call.
  if (
    !onlyKeys(ast, ['type', 'name', 'value', 'position', 'arguments', 'procedure']) ||
    ast.name !== undefined
  )
    return null;
  const procedure = ast.procedure as AstNode | undefined;
  const args = ast.arguments;
  if (procedure?.type !== 'variable' || !onlyKeys(procedure, ['type', 'value', 'position'])) return null;
  if (!Array.isArray(args) || args.length !== 1) return null;
  const argument = nativeNode(args[0] as AstNode, bounds);
  if (argument === null) return null;
  if (procedure.value === 'count') {
    return (input) => {
      const value = argument(input);
      if (value === UNSURE) return UNSURE;
      // Signature <a:n>: one value counts as a list of one; nothing counts 0.
      if (value === undefined) return 0;
      return Array.isArray(value) ? value.length : 1;
    };
  }
  if (procedure.value === 'distinct') {
    return (input) => {
      const value = argument(input);
      if (value === UNSURE) return UNSURE;
      return unwrap(distinctValues(value));
    };
  }
  return null;
}

/**
 * `$distinct` as jsonata-engine.ts registers it, for the values this evaluator produces (primitives,
 * plain objects of them): the first of each equal value, a sequence stays a sequence.
 */
function distinctValues(values: unknown): unknown {
  if (!Array.isArray(values) || values.length <= 1) return values;
  const kept: Sequence = isSequence(values) ? sequenceOf() : [];
  // Strings and other primitives apart, so '1' and 1 stay two values; a Set compares each kind as
  // jsonata's deep equality does (0 and -0 equal; NaN never gets here).
  const seenStrings = new Set<string>();
  const seenOthers = new Set<unknown>();
  for (const value of values) {
    // Objects compare deeply in jsonata (whatever their key order): left to it.
    if (value !== null && typeof value === 'object') return UNSURE;
    const seen = typeof value === 'string' ? seenStrings : seenOthers;
    if (seen.has(value)) continue;
    seen.add(value);
    kept.push(value);
  }
  return kept;
}

/** How deeply the nodes of an AST nest (arrays and objects of the tree both count). */
function nestingDepth(node: unknown, depth: number): number {
  if (node === null || typeof node !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(node)) {
    if (child !== null && typeof child === 'object')
      deepest = Math.max(deepest, nestingDepth(child, depth + 1));
  }
  return deepest;
}

function isPrimitive(value: unknown): boolean {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

/** jsonata's boolean of a value, for the values whose boolean is plain; UNSURE for the rest. */
function truth(value: unknown): boolean | typeof UNSURE {
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return value.length > 0;
  return UNSURE;
}

function nativeBinary(ast: AstNode, bounds: NativeBounds): Native | null {
  if (!onlyKeys(ast, ['type', 'value', 'position', 'lhs', 'rhs'])) return null;
  const op = ast.value;
  if (typeof op !== 'string') return null;
  const lhs = nativeNode(ast.lhs as AstNode, bounds);
  const rhs = nativeNode(ast.rhs as AstNode, bounds);
  if (lhs === null || rhs === null) return null;
  if (op === 'and' || op === 'or') {
    return (input) => {
      const left = lhs(input);
      if (left === UNSURE) return UNSURE;
      const l = truth(left);
      if (l === UNSURE) return UNSURE;
      // Short-circuit as jsonata does: the right side is not evaluated.
      if (op === 'and' ? !l : l) return l;
      const right = rhs(input);
      if (right === UNSURE) return UNSURE;
      return truth(right);
    };
  }
  if (op === '=' || op === '!=') {
    return (input) => {
      const left = lhs(input);
      if (left === UNSURE) return UNSURE;
      const right = rhs(input);
      if (right === UNSURE) return UNSURE;
      if (left === undefined || right === undefined) return false;
      if (!isPrimitive(left) || !isPrimitive(right)) return UNSURE;
      return op === '=' ? left === right : left !== right;
    };
  }
  if (NUMERIC.has(op)) {
    return (input) => {
      const left = lhs(input);
      if (left === UNSURE) return UNSURE;
      const right = rhs(input);
      if (right === UNSURE) return UNSURE;
      // Anything but a number (or nothing) is an error in jsonata: its message is jsonata's to give.
      if (
        (left !== undefined && typeof left !== 'number') ||
        (right !== undefined && typeof right !== 'number')
      )
        return UNSURE;
      if (left === undefined || right === undefined) return undefined;
      const result = arithmetic(op, left as number, right as number);
      return Number.isFinite(result) ? result : UNSURE;
    };
  }
  if (ORDERING.has(op)) {
    return (input) => {
      const left = lhs(input);
      if (left === UNSURE) return UNSURE;
      const right = rhs(input);
      if (right === UNSURE) return UNSURE;
      if (!comparable(left) || !comparable(right)) return UNSURE;
      if (left === undefined || right === undefined) return undefined;
      if (typeof left !== typeof right) return UNSURE;
      const a = left as number | string;
      const b = right as number | string;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    };
  }
  return null;
}

/** A value jsonata orders with < and >; other values are left to it (it refuses them with an error). */
function comparable(value: unknown): boolean {
  return value === undefined || typeof value === 'string' || typeof value === 'number';
}

function arithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a % b;
  }
}
