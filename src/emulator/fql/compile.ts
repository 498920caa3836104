/**
 * Turns a parsed FQL filter into a predicate, once per request, so scanning 100,000 entities is a
 * loop of closure calls with every value already normalised (lower-cased, parsed as number or date,
 * wildcard compiled to a matcher).
 *
 * Semantics (the emulator's reading of falcon-api.md §8; see docs/emulator.md):
 * - A property that holds an array (directly or through a nested path such as `behaviors.sha256`)
 *   matches when ANY element matches; `:!`, `:!~` and `:!*` match when NO element does.
 * - String equality ignores case; a `*` inside an equality value acts as a wildcard.
 * - `:>` `:>=` `:<` `:<=` compare numbers as numbers, dates (absolute or `now-7d`) as instants,
 *   anything else as strings.
 * - `:~` is a text match: case, spaces and punctuation are ignored and a substring matches.
 * - `null` matches a missing, null or empty value.
 */
import { parseFqlDate, parseIsoDate } from './dates.ts';
import { type FqlOperator, FqlSyntaxError } from './lexer.ts';
import type { FqlNode, FqlScalar, FqlValue } from './parser.ts';

export type FqlPredicate<T> = (entity: T) => boolean;

/** Maps a filter property to the path of keys in the stored entity, or undefined when unknown. */
export type FieldResolver = (field: string) => readonly string[] | undefined;

export interface CompileFqlOptions {
  resolveField: FieldResolver;
  /** "now" for relative dates, in epoch ms. */
  nowMs: number;
}

interface PreparedScalar {
  text: string;
  lower: string;
  isNull: boolean;
  num: number | undefined;
  bool: boolean | undefined;
  date: number | undefined;
  glob: Glob | undefined;
  norm: string;
}

/** Compiles an AST into a predicate; throws FqlSyntaxError for an unknown property. */
export function compileFql<T>(node: FqlNode, options: CompileFqlOptions): FqlPredicate<T> {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const parts = node.items.map((item) => compileFql<T>(item, options));
      return (entity) => parts.every((part) => part(entity));
    }
    case 'or': {
      const parts = node.items.map((item) => compileFql<T>(item, options));
      return (entity) => parts.some((part) => part(entity));
    }
    case 'not': {
      const inner = compileFql<T>(node.item, options);
      return (entity) => !inner(entity);
    }
    case 'compare':
      return compileCompare<T>(node.field, node.op, node.value, node.pos, options);
  }
}

function compileCompare<T>(
  field: string,
  op: FqlOperator,
  value: FqlValue,
  pos: number,
  options: CompileFqlOptions,
): FqlPredicate<T> {
  const path = options.resolveField(field);
  if (!path) throw new FqlSyntaxError(`unknown property "${field}"`, pos);
  const scalars = (value.kind === 'list' ? value.items : [value]).map((s) => prepare(s, op, options.nowMs));
  const negated = op === 'ne' || op === 'notmatch' || op === 'notwild';
  const test = leafTest(op, scalars);
  return (entity) => {
    const found = anyLeaf(entity, path, 0, test);
    return negated ? !found : found;
  };
}

type LeafTest = (value: unknown) => boolean;

function leafTest(op: FqlOperator, scalars: readonly PreparedScalar[]): LeafTest {
  switch (op) {
    case 'eq':
    case 'ne':
      return (v) => scalars.some((s) => equals(v, s));
    case 'match':
    case 'notmatch':
      return (v) => typeof v === 'string' && scalars.some((s) => normalize(v).includes(s.norm));
    case 'wild':
    case 'notwild':
      return (v) =>
        v !== undefined && v !== null && scalars.some((s) => (s.glob ?? toGlob(s.text)).test(String(v)));
    case 'gt':
      return (v) => scalars.some((s) => order(v, s, (c) => c > 0));
    case 'gte':
      return (v) => scalars.some((s) => order(v, s, (c) => c >= 0));
    case 'lt':
      return (v) => scalars.some((s) => order(v, s, (c) => c < 0));
    case 'lte':
      return (v) => scalars.some((s) => order(v, s, (c) => c <= 0));
  }
}

/** Walks `path` from `node`; arrays anywhere on the way fan out. True when `test` holds for a leaf. */
function anyLeaf(node: unknown, path: readonly string[], depth: number, test: LeafTest): boolean {
  if (Array.isArray(node)) {
    if (node.length === 0)
      return depth === path.length ? test(undefined) : anyLeaf(undefined, path, depth, test);
    for (const item of node) if (anyLeaf(item, path, depth, test)) return true;
    return false;
  }
  if (depth === path.length) return test(node);
  if (node === null || typeof node !== 'object') return test(undefined);
  return anyLeaf((node as Record<string, unknown>)[path[depth] as string], path, depth + 1, test);
}

function prepare(scalar: FqlScalar, op: FqlOperator, nowMs: number): PreparedScalar {
  const text = scalarText(scalar);
  const wildcard = op === 'wild' || op === 'notwild' || ((op === 'eq' || op === 'ne') && text.includes('*'));
  return {
    text,
    lower: text.toLowerCase(),
    isNull: scalar.kind === 'null',
    num: scalar.kind === 'number' ? scalar.value : numeric(text),
    bool: scalar.kind === 'boolean' ? scalar.value : undefined,
    date: scalar.kind === 'string' ? parseFqlDate(text, nowMs) : undefined,
    glob: wildcard ? toGlob(text) : undefined,
    norm: normalize(text),
  };
}

function scalarText(scalar: FqlScalar): string {
  switch (scalar.kind) {
    case 'string':
    case 'number':
      return scalar.text;
    case 'boolean':
      return String(scalar.value);
    case 'null':
      return 'null';
  }
}

function equals(v: unknown, s: PreparedScalar): boolean {
  if (s.isNull) return v === undefined || v === null || v === '';
  if (v === undefined || v === null) return false;
  if (typeof v === 'number') return s.num !== undefined ? v === s.num : String(v) === s.text;
  if (typeof v === 'boolean') return s.bool !== undefined ? v === s.bool : String(v) === s.lower;
  if (typeof v !== 'string') return false;
  if (s.glob) return s.glob.test(v);
  return v.length === s.lower.length && v.toLowerCase() === s.lower;
}

function order(v: unknown, s: PreparedScalar, accept: (c: number) => boolean): boolean {
  if (typeof v === 'number') return s.num !== undefined && accept(v - s.num);
  if (typeof v !== 'string') return false;
  if (s.date !== undefined) {
    const ms = fieldDate(v);
    if (ms !== undefined) return accept(ms - s.date);
  }
  const n = numeric(v);
  if (n !== undefined && s.num !== undefined) return accept(n - s.num);
  return accept(v < s.text ? -1 : v > s.text ? 1 : 0);
}

function fieldDate(v: string): number | undefined {
  const fast = Date.parse(v);
  return Number.isNaN(fast) ? parseIsoDate(v) : fast;
}

function numeric(text: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

interface Glob {
  test(text: string): boolean;
}

// A case-insensitive '*' wildcard matcher without RegExp: the greedy two-pointer walk with one
// backtrack point is linear-ish, where a regex like /^.*a.*a.*a.*b$/ can backtrack exponentially on
// a hostile filter and stall the whole emulator.
function toGlob(text: string): Glob {
  const pattern = text.toLowerCase();
  return {
    test(value: string): boolean {
      const subject = value.toLowerCase();
      let p = 0;
      let s = 0;
      let star = -1;
      let mark = 0;
      while (s < subject.length) {
        if (p < pattern.length && pattern[p] !== '*' && pattern[p] === subject[s]) {
          p++;
          s++;
        } else if (p < pattern.length && pattern[p] === '*') {
          star = p++;
          mark = s;
        } else if (star >= 0) {
          p = star + 1;
          s = ++mark;
        } else {
          return false;
        }
      }
      while (p < pattern.length && pattern[p] === '*') p++;
      return p === pattern.length;
    },
  };
}
