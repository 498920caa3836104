/**
 * FQL parser (falcon-api.md §8): tokens -> a small AST.
 *
 *   expr    := andExpr (',' andExpr)*          ',' is OR
 *   andExpr := term ('+' term)*                 '+' is AND (binds tighter than ',')
 *   term    := '!'? ( '(' expr ')' | atom )
 *   atom    := FIELD OP value                   OP is ':' plus an optional operator
 *   value   := quoted | bare word | '[' scalar (',' scalar)* ']'
 *
 * A filter of just `*` means "everything" (the Detects convention). More than 20 atoms is rejected,
 * as the real API documents a 20-property limit.
 */
import { type FqlOperator, FqlSyntaxError, type FqlToken, tokenizeFql } from './lexer.ts';

export type FqlScalar =
  | { kind: 'string'; text: string; quoted: boolean }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export type FqlValue = FqlScalar | { kind: 'list'; items: FqlScalar[] };

export type FqlNode =
  | { kind: 'all' }
  | { kind: 'and'; items: FqlNode[] }
  | { kind: 'or'; items: FqlNode[] }
  | { kind: 'not'; item: FqlNode }
  | { kind: 'compare'; field: string; op: FqlOperator; value: FqlValue; pos: number };

/** Most atoms one filter may hold (the documented 20-property limit). */
export const MAX_FQL_ATOMS = 20;

// Parentheses and '!' nest by recursion; a bound keeps a hostile filter from exhausting the stack.
const MAX_DEPTH = 32;

const FIELD_PATTERN = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

/** Parses a filter; throws FqlSyntaxError (with a position) for anything malformed. */
export function parseFql(source: string): FqlNode {
  if (source.trim() === '*') return { kind: 'all' };
  if (source.trim() === '') throw new FqlSyntaxError('the filter is empty', 0);
  const parser = new Parser(tokenizeFql(source), source.length);
  const node = parser.parseExpr();
  parser.expectEnd();
  if (parser.atoms > MAX_FQL_ATOMS) {
    throw new FqlSyntaxError(
      `the filter has ${parser.atoms} properties; at most ${MAX_FQL_ATOMS} are allowed`,
      0,
    );
  }
  return node;
}

class Parser {
  private readonly tokens: FqlToken[];
  private readonly end: number;
  private index = 0;
  private depth = 0;
  atoms = 0;

  constructor(tokens: FqlToken[], end: number) {
    this.tokens = tokens;
    this.end = end;
  }

  parseExpr(): FqlNode {
    const items = [this.parseAnd()];
    while (this.acceptPunct(',')) items.push(this.parseAnd());
    return items.length === 1 ? (items[0] as FqlNode) : { kind: 'or', items };
  }

  expectEnd(): void {
    const token = this.peek();
    if (token) throw this.unexpected(token, "expected '+', ',' or the end of the filter");
  }

  private parseAnd(): FqlNode {
    const items = [this.parseTerm()];
    while (this.acceptPunct('+')) items.push(this.parseTerm());
    this.rejectImplicitAnd();
    return items.length === 1 ? (items[0] as FqlNode) : { kind: 'and', items };
  }

  // Two terms separated only by whitespace are almost always an unencoded '+' (a raw '+' in a URL
  // decodes as a space, falcon-api.md §2.1), so say that instead of a generic "unexpected" message.
  private rejectImplicitAnd(): void {
    const before = this.tokens[this.index - 1];
    const next = this.peek();
    if (before?.kind === 'space' && next && (next.kind === 'word' || next.kind === 'punct')) {
      if (next.kind === 'word' || next.text === '(' || next.text === '!') {
        throw new FqlSyntaxError(
          "expected '+' or ',' between terms, found a space (a raw '+' in a URL decodes as a space: encode it as %2B)",
          before.pos,
        );
      }
    }
  }

  private parseTerm(): FqlNode {
    const start = this.peek();
    if (++this.depth > MAX_DEPTH) {
      throw new FqlSyntaxError(
        `parentheses and '!' nest deeper than ${MAX_DEPTH} levels`,
        start?.pos ?? this.end,
      );
    }
    try {
      if (this.acceptPunct('!')) return { kind: 'not', item: this.parseTerm() };
      if (this.acceptPunct('(')) {
        const inner = this.parseExpr();
        if (!this.acceptPunct(')')) throw this.unexpected(this.peek(), "expected ')'");
        return inner;
      }
      return this.parseAtom();
    } finally {
      this.depth--;
    }
  }

  private parseAtom(): FqlNode {
    const fieldToken = this.next();
    if (fieldToken?.kind !== 'word') throw this.unexpected(fieldToken, 'expected a property name');
    if (!FIELD_PATTERN.test(fieldToken.text)) {
      throw new FqlSyntaxError(`"${fieldToken.text}" is not a property name`, fieldToken.pos);
    }
    const opToken = this.nextRaw();
    if (opToken?.kind !== 'op') {
      throw this.unexpected(opToken, `expected ':' after property "${fieldToken.text}"`);
    }
    this.atoms++;
    const value = this.parseValue();
    return {
      kind: 'compare',
      field: fieldToken.text.toLowerCase(),
      op: opToken.op,
      value,
      pos: fieldToken.pos,
    };
  }

  private parseValue(): FqlValue {
    if (this.acceptPunct('[')) {
      const items: FqlScalar[] = [];
      if (this.acceptPunct(']'))
        throw this.unexpected(this.tokens[this.index - 1], 'a list needs at least one value');
      do items.push(this.parseScalar());
      while (this.acceptPunct(','));
      if (!this.acceptPunct(']')) throw this.unexpected(this.peek(), "expected ',' or ']' in the list");
      return { kind: 'list', items };
    }
    return this.parseScalar();
  }

  private parseScalar(): FqlScalar {
    const token = this.next();
    if (token?.kind === 'string') return { kind: 'string', text: token.text, quoted: true };
    if (token?.kind !== 'word') throw this.unexpected(token, 'expected a value');
    return classifyBare(token.text);
  }

  private acceptPunct(text: string): boolean {
    const token = this.peek();
    if (token?.kind === 'punct' && token.text === text) {
      this.index++;
      this.skipSpace();
      return true;
    }
    return false;
  }

  /** The next non-space token, consumed. */
  private next(): FqlToken | undefined {
    this.skipSpace();
    const token = this.tokens[this.index];
    if (token) this.index++;
    // Trailing whitespace is consumed but stays visible as the previous token: that is how
    // rejectImplicitAnd sees "a:'x' b:'y'".
    this.skipSpace();
    return token;
  }

  /** The next token without skipping leading space (an operator must touch its property). */
  private nextRaw(): FqlToken | undefined {
    const token = this.tokens[this.index];
    if (token) this.index++;
    // Trailing whitespace is consumed but stays visible as the previous token: that is how
    // rejectImplicitAnd sees "a:'x' b:'y'".
    this.skipSpace();
    return token;
  }

  private peek(): FqlToken | undefined {
    let i = this.index;
    while (this.tokens[i]?.kind === 'space') i++;
    return this.tokens[i];
  }

  private skipSpace(): void {
    while (this.tokens[this.index]?.kind === 'space') this.index++;
  }

  private unexpected(token: FqlToken | undefined, expected: string): FqlSyntaxError {
    if (!token) return new FqlSyntaxError(`${expected}, found the end of the filter`, this.end);
    return new FqlSyntaxError(`${expected}, found ${describe(token)}`, token.pos);
  }
}

function classifyBare(text: string): FqlScalar {
  if (/^-?\d+(\.\d+)?$/.test(text)) return { kind: 'number', value: Number(text), text };
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return { kind: 'boolean', value: lower === 'true' };
  if (lower === 'null') return { kind: 'null' };
  return { kind: 'string', text, quoted: false };
}

function describe(token: FqlToken): string {
  switch (token.kind) {
    case 'word':
      return `"${token.text}"`;
    case 'string':
      return `the string '${token.text}'`;
    case 'op':
      return `':' operator`;
    case 'punct':
      return `'${token.text}'`;
    case 'space':
      return 'a space';
  }
}
