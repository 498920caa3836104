/**
 * Sort expressions (falcon-api.md §2.8): `field.asc`, `field.desc`, `field|asc`, `field|desc`, or a
 * bare field (ascending). Both separators are accepted on every endpoint.
 */
import { FqlSyntaxError } from '../fql/index.ts';

export interface SortSpec {
  path: readonly string[];
  descending: boolean;
}

/** Parses a sort; throws FqlSyntaxError (answered with a 400) for an unknown property. */
export function parseSort(
  text: string,
  resolveField: (field: string) => readonly string[] | undefined,
): SortSpec {
  const match = /^(.+?)(?:[.|](asc|desc))?$/i.exec(text.trim());
  const field = match?.[1] ?? '';
  const path = resolveField(field);
  if (!path) throw new FqlSyntaxError(`cannot sort by unknown property "${field}"`, 0);
  return { path, descending: match?.[2]?.toLowerCase() === 'desc' };
}

type SortKey = string | number | undefined;

/** Sorts entities by one property (first element of an array property); missing values go last. */
export function sortEntities<T>(entities: T[], spec: SortSpec, idOf: (entity: T) => string): T[] {
  const keyed = entities.map((entity) => ({ entity, key: sortKey(entity, spec.path), id: idOf(entity) }));
  const direction = spec.descending ? -1 : 1;
  keyed.sort((a, b) => {
    const byKey = compareKeys(a.key, b.key);
    if (byKey !== 0) return byKey === 2 || byKey === -2 ? byKey : byKey * direction;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return keyed.map((k) => k.entity);
}

function sortKey(entity: unknown, path: readonly string[]): SortKey {
  let node = entity;
  for (const key of path) {
    if (Array.isArray(node)) node = node[0];
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (Array.isArray(node)) node = node[0];
  if (typeof node === 'number') return node;
  if (typeof node === 'boolean') return node ? 1 : 0;
  if (typeof node === 'string') return node.toLowerCase();
  return undefined;
}

// Returns +-1 for an ordinary comparison and +-2 when one side is missing, so the caller keeps
// missing values last whatever the direction.
function compareKeys(a: SortKey, b: SortKey): number {
  if (a === b) return 0;
  if (a === undefined) return 2;
  if (b === undefined) return -2;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  return String(a) < String(b) ? -1 : 1;
}
