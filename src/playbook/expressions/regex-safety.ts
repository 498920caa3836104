/**
 * A compile-time warning about catastrophic backtracking. JSONata regexes can only be written in the
 * playbook (no expression turns text into a regex), so checking every literal at validation time
 * covers them all. The rule is the classic star-height test: a group that holds an unbounded
 * repetition (`+`, `*`, `{n,}`) should not itself be repeated without bound, as in `(a+)+` or `(\w*)*`.
 * It over-approximates (`([a-z]+\.)+` is flagged though the dot keeps it linear), hence a warning.
 */

const UNBOUNDED = /^(\*|\+|\{\d+,\})/;

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

function skipClass(source: string, open: number): number {
  for (let i = open + 1; i < source.length; i += 1) {
    if (source[i] === '\\') i += 1;
    else if (source[i] === ']') return i;
  }
  return source.length;
}
