/**
 * The YAML parser's errors in plain words, placed where the mistake is rather than where the parser
 * gave up: an unclosed `[`, `{` or quote is reported at its opening, not at the line after it.
 */

export interface YamlExplanation {
  message: string;
  /** Character offset of the mistake. */
  offset: number;
}

/** Offset of the innermost `[`/`{` (or an open quote) still open at `end`; quotes and comments skipped. */
export function unclosedOpening(text: string, end: number, kind: 'bracket' | 'quote'): number | undefined {
  const stack: number[] = [];
  let quote: { char: string; at: number } | undefined;
  for (let i = 0; i < end && i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote.char === '"') i++;
      else if (c === quote.char) {
        if (quote.char === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
      continue;
    }
    const previous = i === 0 ? '\n' : text[i - 1]!;
    if (c === '#' && /\s/.test(previous)) {
      while (i < end && text[i] !== '\n') i++;
    } else if ((c === '"' || c === "'") && /[\s:[{,-]/.test(previous)) {
      quote = { char: c, at: i };
    } else if (c === '[' || c === '{') {
      stack.push(i);
    } else if ((c === ']' || c === '}') && stack.length > 0) {
      stack.pop();
    }
  }
  if (kind === 'quote') return quote?.at;
  return stack.at(-1);
}

/** Plain words for one parser error; undefined keeps the parser's own message and place. */
export function explainYamlError(
  code: string,
  parserMessage: string,
  text: string,
  offset: number,
): YamlExplanation | undefined {
  if (/^Flow (sequence|map) in block collection/.test(parserMessage)) {
    const list = parserMessage.startsWith('Flow sequence');
    const opening = unclosedOpening(text, offset, 'bracket');
    const [open, close] = list ? ['[', ']'] : ['{', '}'];
    return {
      message: `this "${open}" is never closed: end the ${list ? 'list' : 'mapping'} with "${close}" (a ${open} ${close} ${list ? 'list' : 'mapping'} spanning lines must indent its continuation lines)`,
      offset: opening ?? offset,
    };
  }
  if (code === 'MISSING_CHAR' && /closing .?quote/i.test(parserMessage)) {
    const opening = unclosedOpening(text, offset, 'quote');
    return { message: 'this quoted text is never closed: add the closing quote', offset: opening ?? offset };
  }
  if (code === 'BAD_INDENT' && /mapping items/.test(parserMessage)) {
    return {
      message:
        'this key is indented differently from the keys above it: keys of one mapping start in the same column',
      offset,
    };
  }
  if (code === 'BAD_INDENT' && /sequence items/.test(parserMessage)) {
    return {
      message:
        'this list item is indented differently from the items above it: every "- " of one list starts in the same column',
      offset,
    };
  }
  if (/block collections are not allowed within flow collections/i.test(parserMessage)) {
    return {
      message:
        'a "- " list or "key: value" line inside [ ] or { }: write the list either as [a, b] or as lines starting with "- ", not both',
      offset,
    };
  }
  if (code === 'BLOCK_AS_IMPLICIT_KEY') {
    return {
      message: 'a second ": " on one line: quote the value when it contains ": " (e.g. message: "a: b")',
      offset,
    };
  }
  if (code === 'MULTILINE_IMPLICIT_KEY') {
    return {
      message:
        'a key must be followed by ": " (colon and space) on its own line; check the line above for a missing colon or quote',
      offset,
    };
  }
  if (code === 'UNEXPECTED_TOKEN' && /scalar at node end/.test(parserMessage)) {
    return {
      message: "unexpected text after a quoted value: quote the whole value (double a ' inside '...')",
      offset,
    };
  }
  const reserved = /cannot start with reserved character (.)/.exec(parserMessage);
  if (code === 'BAD_SCALAR_START' && reserved) {
    return { message: `a plain value cannot start with "${reserved[1]}": put the value in quotes`, offset };
  }
  return undefined;
}
