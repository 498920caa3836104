/**
 * Aggregate queries (`msa.AggregateQueryRequest` -> `msa.AggregationResult`, falcon-api.md §5.1,
 * §9.10): `terms`, `date_range`, `range`, `date_histogram`, `count` and `cardinality`, each with an
 * optional FQL `filter`, and `sub_aggregates` under terms buckets. `buckets` is always an array.
 */
import { FqlSyntaxError, compileFql, parseFql, parseFqlDate } from '../fql/index.ts';
import { badRequest } from '../http/reply-error.ts';
import type { Entity, EntityStore } from '../state/entity-store.ts';
import { leafValues } from './leaf-values.ts';

export interface AggregateBucket {
  label: string | number;
  count: number;
  value?: number;
  key_as_string?: string;
  from?: number;
  to?: number;
  string_from?: string;
  string_to?: string;
  sub_aggregates?: AggregateResult[];
}

export interface AggregateResult {
  name: string;
  buckets: AggregateBucket[];
  sum_other_doc_count: number;
}

const HISTOGRAM_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
  month: 2_592_000_000,
};

/** Runs every spec over `entities` (already narrowed by any query-string filter). */
export function runAggregates<T extends Entity>(
  store: EntityStore<T>,
  entities: readonly T[],
  specs: readonly Record<string, unknown>[],
  nowMs: number,
): AggregateResult[] {
  return specs.map((spec, index) => aggregate(store, entities, spec, nowMs, `body[${index}]`));
}

function aggregate<T extends Entity>(
  store: EntityStore<T>,
  all: readonly T[],
  spec: Record<string, unknown>,
  nowMs: number,
  where: string,
): AggregateResult {
  const type = typeof spec['type'] === 'string' && spec['type'] !== '' ? (spec['type'] as string) : 'terms';
  const name = typeof spec['name'] === 'string' && spec['name'] !== '' ? (spec['name'] as string) : type;
  const entities = narrow(store, all, spec['filter'], nowMs, where);
  if (type === 'count')
    return { name, buckets: [{ label: 'count', count: entities.length }], sum_other_doc_count: 0 };
  const path = fieldPath(store, spec['field'], where);
  switch (type) {
    case 'terms':
      return terms(store, entities, spec, path, name, nowMs, where);
    case 'cardinality': {
      const distinct = new Set(entities.flatMap((e) => leafValues(e, path).map(String))).size;
      return {
        name,
        buckets: [{ label: 'cardinality', count: distinct, value: distinct }],
        sum_other_doc_count: 0,
      };
    }
    case 'date_range':
      return { name, buckets: dateRanges(entities, spec, path, nowMs, where), sum_other_doc_count: 0 };
    case 'range':
      return { name, buckets: numericRanges(entities, spec, path, where), sum_other_doc_count: 0 };
    case 'date_histogram':
      return { name, buckets: histogram(entities, spec, path, where), sum_other_doc_count: 0 };
    default:
      throw badRequest(
        `${where}.type "${type}" is not supported (terms, date_range, range, date_histogram, count, cardinality)`,
      );
  }
}

function narrow<T extends Entity>(
  store: EntityStore<T>,
  entities: readonly T[],
  filter: unknown,
  nowMs: number,
  where: string,
): readonly T[] {
  if (typeof filter !== 'string' || filter.trim() === '') return entities;
  try {
    const predicate = compileFql<T>(parseFql(filter), { resolveField: (f) => store.resolveField(f), nowMs });
    return entities.filter(predicate);
  } catch (error) {
    if (error instanceof FqlSyntaxError) throw badRequest(`${where}.filter: ${error.message}`);
    throw error;
  }
}

function fieldPath<T extends Entity>(
  store: EntityStore<T>,
  field: unknown,
  where: string,
): readonly string[] {
  if (typeof field !== 'string' || field === '')
    throw badRequest(`${where}.field is required for this aggregate type`);
  const path = store.resolveField(field);
  if (!path) throw badRequest(`${where}.field: unknown property "${field}"`);
  return path;
}

function terms<T extends Entity>(
  store: EntityStore<T>,
  entities: readonly T[],
  spec: Record<string, unknown>,
  path: readonly string[],
  name: string,
  nowMs: number,
  where: string,
): AggregateResult {
  const groups = new Map<string, { label: string | number; members: T[] }>();
  for (const entity of entities) {
    for (const value of new Set(leafValues(entity, path))) {
      const key = String(value);
      const group = groups.get(key) ?? { label: typeof value === 'number' ? value : key, members: [] };
      group.members.push(entity);
      groups.set(key, group);
    }
  }
  const size = typeof spec['size'] === 'number' && spec['size'] > 0 ? spec['size'] : 10;
  const minCount = typeof spec['min_doc_count'] === 'number' ? spec['min_doc_count'] : 1;
  const sorted = [...groups.values()]
    .filter((g) => g.members.length >= minCount)
    .sort((a, b) => b.members.length - a.members.length || String(a.label).localeCompare(String(b.label)));
  const subs = Array.isArray(spec['sub_aggregates'])
    ? (spec['sub_aggregates'] as Record<string, unknown>[])
    : [];
  const buckets = sorted.slice(0, size).map((group) => {
    const bucket: AggregateBucket = { label: group.label, count: group.members.length };
    if (subs.length > 0)
      bucket.sub_aggregates = subs.map((sub, i) =>
        aggregate(store, group.members, sub, nowMs, `${where}.sub_aggregates[${i}]`),
      );
    return bucket;
  });
  const other = sorted.slice(size).reduce((sum, g) => sum + g.members.length, 0);
  return { name, buckets, sum_other_doc_count: other };
}

function dateRanges<T extends Entity>(
  entities: readonly T[],
  spec: Record<string, unknown>,
  path: readonly string[],
  nowMs: number,
  where: string,
): AggregateBucket[] {
  const ranges = spec['date_ranges'];
  if (!Array.isArray(ranges) || ranges.length === 0)
    throw badRequest(`${where}.date_ranges needs at least one {from, to}`);
  return ranges.map((range, i) => {
    const r = (range ?? {}) as Record<string, unknown>;
    const from =
      r['from'] === undefined || r['from'] === '' ? -Infinity : parseFqlDate(String(r['from']), nowMs);
    const to = r['to'] === undefined || r['to'] === '' ? Infinity : parseFqlDate(String(r['to']), nowMs);
    if (from === undefined || to === undefined)
      throw badRequest(`${where}.date_ranges[${i}] has a value that is not a date`);
    const count = entities.filter((e) =>
      leafValues(e, path).some((v) => inRange(Date.parse(String(v)), from, to)),
    ).length;
    return {
      label: `${r['from'] ?? '*'}-${r['to'] ?? '*'}`,
      count,
      string_from: String(r['from'] ?? ''),
      string_to: String(r['to'] ?? ''),
    };
  });
}

function numericRanges<T extends Entity>(
  entities: readonly T[],
  spec: Record<string, unknown>,
  path: readonly string[],
  where: string,
): AggregateBucket[] {
  const ranges = spec['ranges'];
  if (!Array.isArray(ranges) || ranges.length === 0)
    throw badRequest(`${where}.ranges needs at least one {From, To}`);
  return ranges.map((range) => {
    const r = (range ?? {}) as Record<string, unknown>;
    // The spec capitalises the keys (From/To); accept lower case too.
    const from = Number(r['From'] ?? r['from'] ?? -Infinity);
    const to = Number(r['To'] ?? r['to'] ?? Infinity);
    const count = entities.filter((e) =>
      leafValues(e, path).some((v) => inRange(Number(v), from, to)),
    ).length;
    return { label: `${from}-${to}`, count, from, to };
  });
}

function histogram<T extends Entity>(
  entities: readonly T[],
  spec: Record<string, unknown>,
  path: readonly string[],
  where: string,
): AggregateBucket[] {
  const interval = typeof spec['interval'] === 'string' ? spec['interval'] : 'day';
  const step = HISTOGRAM_MS[interval];
  if (!step) throw badRequest(`${where}.interval must be one of ${Object.keys(HISTOGRAM_MS).join(', ')}`);
  const counts = new Map<number, number>();
  for (const entity of entities) {
    for (const value of leafValues(entity, path)) {
      const ms = Date.parse(String(value));
      if (!Number.isNaN(ms))
        counts.set(Math.floor(ms / step) * step, (counts.get(Math.floor(ms / step) * step) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, count]) => ({ label: start, key_as_string: new Date(start).toISOString(), count }));
}

function inRange(value: number, from: number, to: number): boolean {
  return !Number.isNaN(value) && value >= from && value < to;
}

/** Aggregate bodies arrive as an array (falconpy) or one object (falconjs, IOC); returns the list. */
export function aggregateSpecs(body: unknown): Record<string, unknown>[] {
  const items = Array.isArray(body) ? body : body === undefined ? [] : [body];
  return items.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object');
}
