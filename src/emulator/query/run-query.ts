/**
 * Filter + sort over an EntityStore, with a small cache of finished result lists keyed by the store
 * version, so paging through 100,000 detections filters and sorts once, not once per page.
 */
import { compileFql, parseFql } from '../fql/index.ts';
import type { Entity, EntityStore } from '../state/entity-store.ts';
import { parseSort, sortEntities } from './sort.ts';

export interface QueryRequest {
  filter?: string | undefined;
  sort?: string | undefined;
  /** Sort used when the request names none. */
  defaultSort?: string | undefined;
  /** Free-text search over every string value (Detects `q`). */
  q?: string | undefined;
  nowMs: number;
}

const CACHE_SIZE = 32;

interface CacheEntry {
  store: object;
  version: number;
  results: readonly Entity[];
}

/** Caches query results per (store, version, filter, sort, q); safe because writes bump the version. */
export class QueryEngine {
  private readonly cache = new Map<string, CacheEntry>();

  /** Matching entities in order; throws FqlSyntaxError for a bad filter or sort. */
  run<T extends Entity>(store: EntityStore<T>, request: QueryRequest, idOf: (e: T) => string): readonly T[] {
    const sortText = request.sort?.trim() || request.defaultSort;
    // Relative dates make the answer depend on "now": round it to the second so the cache still helps.
    const nowKey = request.filter?.includes('now') ? Math.floor(request.nowMs / 1000) : 0;
    const key = `${store.name}\u0000${request.filter ?? ''}\u0000${sortText ?? ''}\u0000${request.q ?? ''}\u0000${nowKey}`;
    const hit = this.cache.get(key);
    if (hit && hit.store === store && hit.version === store.version) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit.results as readonly T[];
    }
    const results = this.compute(store, request, sortText, idOf);
    this.cache.set(key, { store, version: store.version, results });
    if (this.cache.size > CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return results;
  }

  clear(): void {
    this.cache.clear();
  }

  private compute<T extends Entity>(
    store: EntityStore<T>,
    request: QueryRequest,
    sortText: string | undefined,
    idOf: (e: T) => string,
  ): T[] {
    const resolveField = (field: string) => store.resolveField(field);
    const filter = request.filter?.trim();
    const predicate = filter
      ? compileFql<T>(parseFql(filter), { resolveField, nowMs: request.nowMs })
      : undefined;
    const sort = sortText ? parseSort(sortText, resolveField) : undefined;
    const needle = request.q?.trim().toLowerCase();
    const matches: T[] = [];
    for (const entity of store.values()) {
      if (predicate && !predicate(entity)) continue;
      if (needle && !containsText(entity, needle, 0)) continue;
      matches.push(entity);
    }
    return sort ? sortEntities(matches, sort, idOf) : matches;
  }
}

function containsText(value: unknown, needle: string, depth: number): boolean {
  if (typeof value === 'string') return value.toLowerCase().includes(needle);
  if (depth > 5 || value === null || typeof value !== 'object') return false;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => containsText(child, needle, depth + 1));
}
