/**
 * FQL tokenizer (falcon-api.md §8). Splits a filter into tokens with their 0-based positions so every
 * syntax error can name where it happened. The colon and the operator after it form one token
 * (`:>=`, `:!~`, `:*`); a value is either a quoted string or a bare word.
 */
import { SoarError } from '../../shared/index.ts';

export type FqlOperator =
  | 'eq'
  | 'ne'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'match'
  | 'notmatch'
  | 'wild'
  | 'notwild';

export type FqlToken =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; text: string; pos: number }
  | { kind: 'op'; op: FqlOperator; pos: number }
  | { kind: 'punct'; text: '(' | ')' | '[' | ']' | ',' | '+' | '!'; pos: number }
  | { kind: 'space'; pos: number };

/** Raised for any malformed filter; the emulator answers it with a 400. */
export class FqlSyntaxError extends SoarError {
  readonly position: number;
  constructor(message: string, position: number) {
    super('SOAR_EMULATOR_FQL_SYNTAX', `invalid filter at position ${position}: ${message}`, {
      details: { position },
    });
    this.name = 'FqlSyntaxError';
    this.position = position;
  }
}

// Longest first, so ':>=' wins over ':>'. '=<' appears in one PSFalcon wiki example and means '<='.
const OPERATORS: readonly (readonly [string, FqlOperator])[] = [
  ['!~', 'notmatch'],
  ['!*', 'notwild'],
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['=<', 'lte'],
  ['!', 'ne'],
  ['>', 'gt'],
  ['<', 'lt'],
  ['~', 'match'],
];

const PUNCT = new Set(['(', ')', '[', ']', ',', '+']);
const WORD_STOP = new Set(['(', ')', '[', ']', ',', '+', ':', "'", '"', ' ', '\t', '\n', '\r']);

/** Tokenizes `source`; whitespace runs become one `space` token so the parser can report a raw '+'. */
export function tokenizeFql(source: string): FqlToken[] {
  const tokens: FqlToken[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      const start = i;
      while (i < source.length && /\s/.test(source[i] as string)) i++;
      tokens.push({ kind: 'space', pos: start });
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch as '(' | ')' | '[' | ']' | ',' | '+', pos: i });
      i++;
    } else if (ch === ':') {
      i = readOperator(source, i, tokens);
    } else if (ch === "'" || ch === '"') {
      i = readString(source, i, tokens);
    } else if (ch === '!') {
      tokens.push({ kind: 'punct', text: '!', pos: i });
      i++;
    } else {
      const start = i;
      while (i < source.length && !WORD_STOP.has(source[i] as string)) i++;
      tokens.push({ kind: 'word', text: source.slice(start, i), pos: start });
    }
  }
  return tokens;
}

function readOperator(source: string, colon: number, tokens: FqlToken[]): number {
  const rest = source.slice(colon + 1);
  for (const [text, op] of OPERATORS) {
    if (rest.startsWith(text)) {
      tokens.push({ kind: 'op', op, pos: colon });
      return colon + 1 + text.length;
    }
  }
  // ':*' is the wildcard operator only when a quoted value or list follows ("hostname:*'*web*'");
  // otherwise the '*' starts a bare wildcard value ("value:*example*") and stays in the word.
  if (rest.startsWith('*') && /^\*\s*['"[]/.test(rest)) {
    tokens.push({ kind: 'op', op: 'wild', pos: colon });
    return colon + 2;
  }
  tokens.push({ kind: 'op', op: 'eq', pos: colon });
  return colon + 1;
}

function readString(source: string, open: number, tokens: FqlToken[]): number {
  const quote = source[open] as string;
  let text = '';
  let i = open + 1;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === '\\' && i + 1 < source.length) {
      text += source[i + 1];
      i += 2;
    } else if (ch === quote) {
      tokens.push({ kind: 'string', text, pos: open });
      return i + 1;
    } else {
      text += ch;
      i++;
    }
  }
  throw new FqlSyntaxError(`unterminated string starting with ${quote}`, open);
}
