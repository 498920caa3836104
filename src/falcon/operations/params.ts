/**
 * Parameter building blocks shared by the per-collection operation tables, so the same wire fact
 * (an FQL filter, an aggregate spec, an `{"ids": [...]}` body) is written once.
 */
import type { ParamSpec } from './types.ts';

/** `filter` in the query string: an FQL expression (falcon-api.md §8). */
export const FILTER_QUERY: ParamSpec = {
  name: 'filter',
  in: 'query',
  type: 'string',
  description: 'FQL filter expression.',
};

/** `sort` in the query string: `field.asc|desc` or `field|asc|desc` (§2.8). */
export function sortQuery(fields: readonly string[] = []): ParamSpec {
  const spec: ParamSpec = { name: 'sort', in: 'query', type: 'string', description: 'Sort expression.' };
  if (fields.length > 0) spec.description = `Sort expression over: ${fields.join(', ')}.`;
  return spec;
}

/** Numeric `offset` and `limit` query parameters with the endpoint's range (§2.5). */
export function offsetLimitQuery(min: number, max: number): ParamSpec[] {
  return [
    { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: 'Start position.' },
    { name: 'limit', in: 'query', type: 'integer', minimum: min, maximum: max, description: 'Page size.' },
  ];
}

/** Routes that take `offset` and `limit` as strings (IOC devices/processes ran on, legacy routes). */
export const STRING_OFFSET_LIMIT: readonly ParamSpec[] = [
  { name: 'offset', in: 'query', type: 'string', description: 'Start position (string token).' },
  { name: 'limit', in: 'query', type: 'string', description: 'Page size (sent as a string).' },
];

/** Repeated `ids` query parameter (`ids=a&ids=b`). */
export function idsQuery(max: number, required = true): ParamSpec {
  return { name: 'ids', in: 'query', type: 'string[]', required, maxItems: max, description: 'Ids.' };
}

/** `{"ids": [...]}` body (`msa.IdsRequest`, §5.2). */
export function idsBody(max: number): ParamSpec {
  return { name: 'ids', in: 'body', type: 'string[]', required: true, maxItems: max, description: 'Ids.' };
}

/**
 * Fields of one aggregate spec (`msa.AggregateQueryRequest`, §5.1). On operations whose bodyShape is
 * 'array' the client wraps the fields into a one-element array; a caller may also pass `body` whole.
 */
export const AGGREGATE_BODY: readonly ParamSpec[] = [
  { name: 'date_ranges', in: 'body', type: 'object[]', description: 'Ranges for date_range.' },
  { name: 'exclude', in: 'body', type: 'string' },
  { name: 'include', in: 'body', type: 'string' },
  { name: 'extended_bounds', in: 'body', type: 'object' },
  { name: 'field', in: 'body', type: 'string', description: 'Field to aggregate on.' },
  { name: 'filter', in: 'body', type: 'string', description: 'FQL filter.' },
  { name: 'filters_spec', in: 'body', type: 'object' },
  { name: 'from', in: 'body', type: 'integer' },
  { name: 'interval', in: 'body', type: 'string' },
  { name: 'max_doc_count', in: 'body', type: 'integer' },
  { name: 'min_doc_count', in: 'body', type: 'integer' },
  { name: 'missing', in: 'body', type: 'string' },
  { name: 'name', in: 'body', type: 'string', description: 'Result label.' },
  { name: 'percents', in: 'body', type: 'any' },
  { name: 'q', in: 'body', type: 'string' },
  { name: 'ranges', in: 'body', type: 'object[]', description: 'Ranges with capitalised From/To.' },
  { name: 'size', in: 'body', type: 'integer' },
  { name: 'sort', in: 'body', type: 'string' },
  { name: 'sub_aggregates', in: 'body', type: 'object[]' },
  { name: 'time_zone', in: 'body', type: 'string' },
  { name: 'type', in: 'body', type: 'string', description: 'terms, date_range, range, count, ...' },
];
