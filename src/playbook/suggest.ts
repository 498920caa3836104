/** "Did you mean" support: the closest candidate within a small edit distance. */

/** Levenshtein distance between two strings (case-sensitive), stopping early past `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `word` when it is within 2 edits (1 for words of 4 characters or fewer),
 * comparing case-insensitively, else a candidate that extends the word or that it extends; undefined
 * when nothing is close. Ties go to the earlier candidate.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const lower = word.toLowerCase();
  const limit = lower.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of list) {
    if (candidate === word) continue;
    const distance = editDistance(lower, candidate.toLowerCase(), limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined || lower.length < 3) return best;
  // The same word in another number or with an id suffix ("retries" for "retry", "host_ids" for "hosts").
  const wordStem = stem(lower);
  const sameStem = list.find((candidate) => candidate !== word && stem(candidate.toLowerCase()) === wordStem);
  if (sameStem !== undefined) return sameStem;
  // A truncated or extended name ("secret" for "secret_env") is further than 2 edits but obvious.
  for (const candidate of list) {
    const other = candidate.toLowerCase();
    if (other !== lower && (other.startsWith(lower) || lower.startsWith(other))) return candidate;
  }
  return undefined;
}

/** A word without an id suffix or plural ending: host_ids, hosts and host all give "host". */
function stem(word: string): string {
  return word
    .replace(/[_-]?ids?$/, '')
    .replace(/ies$/, 'y')
    .replace(/(?<=[^s])s$/, '');
}

/** ` (did you mean "x"?)` or an empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
