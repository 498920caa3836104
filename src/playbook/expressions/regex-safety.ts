/**
 * Catastrophic backtracking, caught before a regex ever runs. JSONata regexes can only be written in
 * the playbook (no expression turns text into a regex), so checking every literal covers them all:
 * at validation (a warning; `--strict` an error), when a service loads playbooks (refused), and when
 * the engine compiles an expression (refused: a worker never runs one, whatever plan reaches it).
 * A JS regex runs synchronously, so JSONata's time limit cannot stop one that backtracks.
 *
 * Two shapes are flagged, both under an unbounded repetition (`+`, `*`, `{n,}`):
 * - nested repetition (star height > 1): `(a+)+`, `(\w*)*`, `((ab)*c)+`;
 * - alternation whose branches can start with the same character: `(\w|\d)+$`, `(a|ab)*`, `(x|)+`
 *   (the engine tries every way to split the input between the branches).
 * Both over-approximate (`([a-z]+\.)+` is flagged though the dot keeps it linear): rewrite such a
 * regex without the repeated group; the hint says how.
 */

const UNBOUNDED = /^(\*|\+|\{\d+,\})/;

/** Why `source` may take exponential time, or null when it has neither risky shape. */
export function regexRisk(source: string): string | null {
  if (hasNestedRepetition(source)) return 'repeats a group that itself repeats without bound';
  if (hasOverlappingAlternation(source)) {
    return 'repeats an alternation whose branches can match the same text';
  }
  return null;
}

/** True when `source` repeats, without bound, a group that itself repeats without bound. */
export function hasNestedRepetition(source: string): boolean {
  const stack: boolean[] = [];
  let current = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\\') {
      i += 1;
      if (UNBOUNDED.test(source.slice(i + 1))) current = true;
    } else if (c === '[') {
      i = skipClass(source, i);
      if (UNBOUNDED.test(source.slice(i + 1))) current = true;
    } else if (c === '(') {
      stack.push(current);
      current = false;
    } else if (c === ')') {
      const inner: boolean = current;
      current = stack.pop() ?? false;
      const repeated = UNBOUNDED.test(source.slice(i + 1));
      if (inner && repeated) return true;
      current = current || inner || repeated;
    } else if (UNBOUNDED.test(source.slice(i + 1)) && c !== '|') {
      current = true;
    }
  }
  return false;
}

/**
 * True when a group repeated without bound has two branches whose first characters can be the same
 * (an empty branch counts as matching anything).
 */
export function hasOverlappingAlternation(source: string): boolean {
  const opens: number[] = [];
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\\') i += 1;
    else if (c === '[') i = skipClass(source, i);
    else if (c === '(') opens.push(i);
    else if (c === ')') {
      const open = opens.pop();
      if (open === undefined || !UNBOUNDED.test(source.slice(i + 1))) continue;
      const branches = topLevelBranches(source.slice(groupBodyStart(source, open), i));
      if (branches.length < 2) continue;
      const firsts = branches.map(firstChars);
      for (let a = 0; a < firsts.length; a += 1) {
        for (let b = a + 1; b < firsts.length; b += 1) {
          if (overlap(firsts[a] as CharSet, firsts[b] as CharSet)) return true;
        }
      }
    }
  }
  return false;
}

/** Index after `(`, `(?:`, `(?<name>`, `(?=`, `(?!`. */
function groupBodyStart(source: string, open: number): number {
  if (source[open + 1] !== '?') return open + 1;
  if (source[open + 2] === '<' && source[open + 3] !== '=' && source[open + 3] !== '!') {
    const close = source.indexOf('>', open);
    return close < 0 ? open + 1 : close + 1;
  }
  return open + 3;
}

/** The `|`-separated branches of a group body, at its own nesting level. */
function topLevelBranches(body: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (c === '\\') i += 1;
    else if (c === '[') i = skipClass(body, i);
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === '|' && depth === 0) {
      branches.push(body.slice(start, i));
      start = i + 1;
    }
  }
  branches.push(body.slice(start));
  return branches;
}

/** The ASCII characters a branch may start with, and whether it may start with anything else. */
interface CharSet {
  ascii: Set<number>;
  other: boolean;
}

const ANY: CharSet = { ascii: range(0, 127), other: true };

function range(from: number, to: number): Set<number> {
  const out = new Set<number>();
  for (let c = from; c <= to; c += 1) out.add(c);
  return out;
}

function complement(set: CharSet): CharSet {
  const ascii = new Set<number>();
  for (let c = 0; c <= 127; c += 1) if (!set.ascii.has(c)) ascii.add(c);
  return { ascii, other: true };
}

const DIGIT: CharSet = { ascii: range(48, 57), other: false };
const WORD: CharSet = {
  ascii: new Set([...range(48, 57), ...range(65, 90), ...range(97, 122), 95]),
  other: false,
};
const SPACE: CharSet = { ascii: new Set([9, 10, 11, 12, 13, 32]), other: true };

function literal(char: string): CharSet {
  const lower = char.toLowerCase().charCodeAt(0);
  const upper = char.toUpperCase().charCodeAt(0);
  // Both cases: the `i` flag may be on, and over-approximating is the safe side.
  const codes = [lower, upper].filter((c) => c <= 127);
  return { ascii: new Set(codes), other: codes.length < 2 && (lower > 127 || upper > 127) };
}

function escapeClass(letter: string): CharSet | null {
  switch (letter) {
    case 'd':
      return DIGIT;
    case 'D':
      return complement(DIGIT);
    case 'w':
      return WORD;
    case 'W':
      return complement(WORD);
    case 's':
      return SPACE;
    case 'S':
      return complement(SPACE);
    default:
      return null;
  }
}

/** What a branch's first character can be; ANY when it is not simple to tell. */
function firstChars(branch: string): CharSet {
  if (branch === '') return ANY;
  const c = branch[0] as string;
  let set: CharSet;
  let next: number;
  if (c === '\\') {
    const letter = branch[1] ?? '';
    const cls = escapeClass(letter);
    if (cls === null && /[A-Za-z0-9]/.test(letter)) return ANY; // \b, \u0041, back-references...
    set = cls ?? literal(letter);
    next = 2;
  } else if (c === '[') {
    const end = skipClass(branch, 0);
    set = bracketClass(branch.slice(1, end));
    next = end + 1;
  } else if (c === '.' || c === '(' || c === '^' || c === '$') {
    return ANY;
  } else {
    set = literal(c);
    next = 1;
  }
  // An optional first atom (?, *, {0,...}) lets the branch start with whatever follows.
  return /^(\?|\*|\{0[,}])/.test(branch.slice(next)) ? ANY : set;
}

function bracketClass(body: string): CharSet {
  const negated = body.startsWith('^');
  const ascii = new Set<number>();
  let other = false;
  const items = negated ? body.slice(1) : body;
  for (let i = 0; i < items.length; i += 1) {
    let char = items[i] as string;
    if (char === '\\') {
      const letter = items[i + 1] ?? '';
      i += 1;
      const cls = escapeClass(letter);
      if (cls !== null) {
        for (const code of cls.ascii) ascii.add(code);
        other ||= cls.other;
        continue;
      }
      if (/[A-Za-z0-9]/.test(letter)) return ANY;
      char = letter;
    }
    if (items[i + 1] === '-' && i + 2 < items.length) {
      const to = items[i + 2] as string;
      i += 2;
      const from = char.charCodeAt(0);
      const end = to.charCodeAt(0);
      for (let code = from; code <= Math.min(end, 127); code += 1) {
        for (const folded of literal(String.fromCharCode(code)).ascii) ascii.add(folded);
      }
      other ||= end > 127;
      continue;
    }
    const one = literal(char);
    for (const code of one.ascii) ascii.add(code);
    other ||= one.other;
  }
  const set = { ascii, other };
  return negated ? complement(set) : set;
}

function overlap(a: CharSet, b: CharSet): boolean {
  if (a.other && b.other) return true;
  for (const code of a.ascii) if (b.ascii.has(code)) return true;
  return false;
}

function skipClass(source: string, open: number): number {
  for (let i = open + 1; i < source.length; i += 1) {
    if (source[i] === '\\') i += 1;
    else if (source[i] === ']') return i;
  }
  return source.length;
}
