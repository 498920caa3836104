// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Finds the `${{ ... }}` parts of a string. The scan is brace- and quote-aware so JSONata object
 * constructors (`${{ {"a": {"b": 1}} }}`) and strings holding `}}` end at the right place.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `source` is the JSONata text; `start` the index of `${{` and `exprStart` of the text in the string. */
  | { kind: 'expr'; source: string; start: number; exprStart: number };

export type TemplateScan =
  | { ok: true; parts: TemplatePart[] }
  | { ok: false; message: string; index: number };

const OPEN = '${{';

/** Splits a string into literal text and expressions; never throws. */
export function scanTemplate(text: string): TemplateScan {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (;;) {
    const start = text.indexOf(OPEN, cursor);
    if (start < 0) break;
    if (start > cursor) parts.push({ kind: 'text', text: text.slice(cursor, start) });
    const exprStart = start + OPEN.length;
    const end = findClose(text, exprStart);
    if (end < 0) return { ok: false, message: 'unterminated "${{": add the closing "}}"', index: start };
    const source = text.slice(exprStart, end);
    if (source.trim() === '') return { ok: false, message: 'empty expression "${{ }}"', index: start };
    parts.push({ kind: 'expr', source, start, exprStart });
    cursor = end + 2;
  }
  if (cursor < text.length) parts.push({ kind: 'text', text: text.slice(cursor) });
  return { ok: true, parts };
}

/** True when the string holds `${{` anywhere. */
export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

/** When the whole string (ignoring surrounding spaces) is one expression, that expression's source. */
export function soleExpression(parts: readonly TemplatePart[]): string | undefined {
  const meaningful = parts.filter((p) => p.kind === 'expr' || p.text.trim() !== '');
  const only = meaningful[0];
  return meaningful.length === 1 && only?.kind === 'expr' ? only.source : undefined;
}

function findClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipQuoted(text, i);
      if (i < 0) return -1;
    } else if (c === '{') {
      depth += 1;
    } else if (c === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

function skipQuoted(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i += 1) {
    if (text[i] === '\\' && quote !== '`') i += 1;
    else if (text[i] === quote) return i;
  }
  return -1;
}
