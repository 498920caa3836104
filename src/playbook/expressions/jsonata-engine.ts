/**
 * The only importer of jsonata. Parses expression text into an AST (for compile-time checks) and
 * evaluates it under bounds: a time limit and a stack depth (jsonata's own guardrails), a sequence
 * length cap, and `$eval` shadowed so that no text is ever evaluated as code.
 */
import jsonata from 'jsonata';
import { regexRisk } from './regex-safety.ts';

/** A JSONata syntax tree node, as far as Talon reads it. */
export interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  [key: string]: unknown;
}

export type ParseResult =
  | { ok: true; ast: AstNode }
  | { ok: false; message: string; code: string /** 0-based index into the source. */; index: number };

export interface EvaluationBounds {
  timeoutMs: number;
  maxDepth: number;
  maxSequence: number;
}

interface JsonataFailure {
  code?: unknown;
  message?: unknown;
  position?: unknown;
  token?: unknown;
}

/** Parses without evaluating; never throws. */
export function parseJsonata(source: string): ParseResult {
  try {
    return { ok: true, ast: jsonata(source).ast() as unknown as AstNode };
  } catch (error) {
    const failure = (error ?? {}) as JsonataFailure;
    const position = typeof failure.position === 'number' ? failure.position : 0;
    const token = typeof failure.token === 'string' && failure.token !== '(end)' ? failure.token : '';
    return {
      ok: false,
      code: typeof failure.code === 'string' ? failure.code : 'S0000',
      message:
        typeof failure.message !== 'string'
          ? 'invalid expression'
          : /call stack/i.test(failure.message)
            ? 'the expression nests too deeply'
            : failure.message,
      index: Math.max(0, Math.min(source.length, position - token.length)),
    };
  }
}

function refuseEval(): never {
  throw { code: 'T-EVAL', message: '$eval is not available: expressions never evaluate text as code' };
}

/** Evaluates `source` against `input`; rejects with jsonata's error object on failure. */
export async function evaluateJsonata(
  source: string,
  input: unknown,
  bounds: EvaluationBounds,
): Promise<unknown> {
  return compiled(source, bounds).evaluate(input, { eval: refuseEval });
}

// Parsing dominates the cost of a small expression, and a foreach renders the same few expressions
// once per item. A compiled expression is safe to share: jsonata keeps each evaluation's state (depth,
// guardrail clock, bindings) in a frame of its own.
const MAX_CACHED_EXPRESSIONS = 2000;
const cache = new Map<string, ReturnType<typeof jsonata>>();

function compiled(source: string, bounds: EvaluationBounds): ReturnType<typeof jsonata> {
  const key = `${bounds.timeoutMs}|${bounds.maxDepth}|${bounds.maxSequence}|${source}`;
  let expression = cache.get(key);
  if (expression === undefined) {
    expression = jsonata(source, {
      timeout: bounds.timeoutMs,
      stack: bounds.maxDepth,
      sequence: bounds.maxSequence,
    });
    expression.registerFunction('distinct', distinctLinear, '<x:x>');
    // A regex runs synchronously: the timeout above cannot stop one that backtracks. Whatever plan
    // reached this worker, such a regex is refused before it ever runs.
    for (const regex of regexLiterals(expression.ast() as unknown as AstNode)) {
      const risk = regexRisk(regex);
      if (risk !== null) {
        throw {
          code: 'T-REGEX',
          message: `regular expression /${regex}/ ${risk}; refused (it may take exponential time)`,
        };
      }
    }
    if (cache.size >= MAX_CACHED_EXPRESSIONS) cache.clear();
    cache.set(key, expression);
  }
  return expression;
}

/**
 * `$distinct` in linear time. jsonata's own compares each value with every value kept so far, which
 * costs seconds on the thousands of hashes a triage step collects. Same answers: values equal as
 * jsonata's deep equality says (objects whatever their key order) keep their first occurrence, a
 * sequence stays a sequence, and input of one value or none comes back as it was given.
 */
function distinctLinear(values: unknown): unknown {
  if (!Array.isArray(values) || values.length <= 1) return values;
  const kept: unknown[] = [];
  // jsonata marks its sequences (arrays that flatten and unwrap a single value) with this flag.
  if ((values as { sequence?: boolean }).sequence === true) Object.assign(kept, { sequence: true });
  const seen = new Set<string>();
  for (const value of values) {
    const key = canonicalKey(value);
    if (key === null) kept.push(value);
    else if (!seen.has(key)) {
      seen.add(key);
      kept.push(value);
    }
  }
  return kept;
}

/** A text equal for deep-equal values; null for what has no such text (functions, NaN): always kept. */
function canonicalKey(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      return Number.isNaN(value) ? null : `n${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object': {
      if (value === null) return 'z';
      const parts: string[] = [];
      if (Array.isArray(value)) {
        for (const item of value) {
          const key = canonicalKey(item);
          if (key === null) return null;
          parts.push(JSON.stringify(key));
        }
        return `a[${parts.join(',')}]`;
      }
      for (const name of Object.keys(value).sort()) {
        const key = canonicalKey((value as Record<string, unknown>)[name]);
        if (key === null) return null;
        parts.push(`${JSON.stringify(name)}:${JSON.stringify(key)}`);
      }
      return `o{${parts.join(',')}}`;
    }
    default:
      return null;
  }
}

/** The source of every regex literal in an AST. */
function regexLiterals(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const child of node) regexLiterals(child, out);
  } else if (typeof node === 'object' && node !== null) {
    const value = (node as AstNode).value;
    if ((node as AstNode).type === 'regex' && value instanceof RegExp) out.push(value.source);
    for (const [key, child] of Object.entries(node)) if (key !== 'value') regexLiterals(child, out);
  }
  return out;
}

/** The jsonata error code of a failure, if it has one (D1012 = timeout, D1011 = too deep). */
export function jsonataErrorCode(error: unknown): string | undefined {
  const code = (error as JsonataFailure | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
