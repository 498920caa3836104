/**
 * A native evaluator for the simplest expressions: field paths, literals, arithmetic, comparisons
 * and `and`/`or`, e.g. `trigger.event.Severity >= 4 and trigger.metadata.eventType = 'X'`.
 * jsonata evaluates such an expression in ~0.1 ms through its generic async machinery; a stream
 * trigger tests its `if:` on thousands of events a second, where that cost alone caps intake.
 *
 * It never decides anything jsonata would decide differently: whenever a value leaves the plain
 * cases it knows (an array, an inherited key, a type jsonata would refuse with an error, a result that
 * is not a number, boolean or nothing), it answers UNSURE and the caller evaluates with jsonata.
 * test/unit/native-condition.test.ts compares both on seeded random expressions and data.
 */
import type { AstNode } from './jsonata-engine.ts';

/** "Ask jsonata": the value left the cases this evaluator answers exactly as jsonata does. */
export const UNSURE: unique symbol = Symbol('unsure');

type Value = unknown;
type Native = (input: Record<string, unknown>) => Value | typeof UNSURE;

const NUMERIC = new Set(['+', '-', '*', '/', '%']);
const ORDERING = new Set(['<', '<=', '>', '>=']);

/** Only these keys may appear on a node: anything else (predicates, stages, groups) is jsonata's. */
function onlyKeys(node: AstNode, allowed: readonly string[]): boolean {
  for (const key of Object.keys(node)) if (!allowed.includes(key)) return false;
  return true;
}

/** A native function for `ast`, or null when the expression uses anything outside the subset. */
export function nativeEvaluator(ast: AstNode): Native | null {
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
      return nativePath(ast);
    case 'binary':
      return nativeBinary(ast);
    case 'block': {
      // `( x )`: one expression in parentheses is that expression.
      const inner = ast.expressions;
      if (!onlyKeys(ast, ['type', 'expressions', 'position']) || !Array.isArray(inner) || inner.length !== 1)
        return null;
      return nativeEvaluator(inner[0] as AstNode);
    }
    default:
      return null;
  }
}

function nativePath(ast: AstNode): Native | null {
  if (!onlyKeys(ast, ['type', 'steps'])) return null;
  const steps = ast.steps;
  if (!Array.isArray(steps) || steps.length === 0) return null;
  const names: string[] = [];
  for (const step of steps as AstNode[]) {
    if (step.type !== 'name' || typeof step.value !== 'string') return null;
    if (!onlyKeys(step, ['type', 'value', 'position'])) return null;
    names.push(step.value);
  }
  return (input) => {
    let value: unknown = input;
    for (const name of names) {
      if (value === undefined) return undefined;
      // jsonata maps a path over arrays and reads inherited keys: both are left to it.
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return UNSURE;
      if (!Object.hasOwn(value, name)) {
        if (name in value) return UNSURE;
        return undefined;
      }
      value = (value as Record<string, unknown>)[name];
    }
    if (Array.isArray(value) || typeof value === 'function') return UNSURE;
    if (typeof value === 'number' && !Number.isFinite(value)) return UNSURE;
    return value;
  };
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

function nativeBinary(ast: AstNode): Native | null {
  if (!onlyKeys(ast, ['type', 'value', 'position', 'lhs', 'rhs'])) return null;
  const op = ast.value;
  if (typeof op !== 'string') return null;
  const lhs = nativeEvaluator(ast.lhs as AstNode);
  const rhs = nativeEvaluator(ast.rhs as AstNode);
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
      const comparable = (v: unknown) => v === undefined || typeof v === 'string' || typeof v === 'number';
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
