/** Partial deep comparison for test expectations, with readable differences. */

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));

/**
 * Differences between what a test expects and what happened: every key of an expected mapping must
 * match (extra keys in the actual value are fine), lists match item by item, scalars exactly.
 */
export function differences(expected: unknown, actual: unknown, path: string): string[] {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected a mapping ${show(expected)}, got ${show(actual)}`];
    }
    return Object.entries(expected).flatMap(([key, value]) =>
      differences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`),
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
    if (actual.length !== expected.length) {
      return [
        `${path}: expected ${expected.length} item(s) ${show(expected)}, got ${actual.length}: ${show(actual)}`,
      ];
    }
    return expected.flatMap((value, i) => differences(value, actual[i], `${path}[${i}]`));
  }
  return Object.is(expected, actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}
