/** The values at a property path; arrays anywhere along the path fan out (`behaviors.tactic`). */
export function leafValues(
  node: unknown,
  path: readonly string[],
  depth = 0,
  out: unknown[] = [],
): unknown[] {
  if (Array.isArray(node)) {
    for (const item of node) leafValues(item, path, depth, out);
    return out;
  }
  if (depth === path.length) {
    if (node !== undefined && node !== null && node !== '') out.push(node);
    return out;
  }
  if (node === null || typeof node !== 'object') return out;
  return leafValues((node as Record<string, unknown>)[path[depth] as string], path, depth + 1, out);
}
