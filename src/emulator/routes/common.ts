/**
 * Helpers most route families share: reading `ids`, the offset/limit and after-token pagination of
 * §2.5 and §9.8, entity lookups that report unknown ids, and body field access with clear 400s.
 */
import { FqlSyntaxError } from '../fql/index.ts';
import { FalconReplyError, badRequest } from '../http/reply-error.ts';
import type { Entity, EntityStore } from '../state/entity-store.ts';
import type { RouteContext, RouteResult } from './types.ts';

/** The request body as an object (the server has already checked its shape against the spec). */
export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  const body = ctx.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** The ids of a request: from the body for POST/PATCH `{ids}` routes, else the repeated query parameter. */
export function requestIds(ctx: RouteContext, param = ctx.op.ids?.param ?? 'ids'): string[] {
  const fromBody = bodyObject(ctx)[param];
  if (Array.isArray(fromBody)) return fromBody.map(String);
  return ctx.query.list(param);
}

/**
 * Looks ids up. Unknown ids are reported as 404 items in `errors` next to the entities found (200);
 * when none is found the answer is a 404 (docs/emulator.md, "unknown ids").
 */
export function entitiesByIds<T extends Entity>(
  store: EntityStore<T>,
  ids: readonly string[],
  view: (entity: T) => unknown = (e) => e,
): RouteResult {
  const resources: unknown[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of ids) {
    const entity = store.get(id);
    if (entity) resources.push(view(entity));
    else errors.push({ code: 404, message: `${store.name} ${id} not found`, id });
  }
  if (errors.length === 0) return { resources };
  return resources.length === 0 && ids.length > 0
    ? { status: 404, resources, errors }
    : { resources, errors };
}

/** Offset/limit of a query route, with the spec's range enforced (400 outside it). */
export function pageWindow(ctx: RouteContext): { offset: number; limit: number } {
  const range = ctx.op.limit ?? { min: 1, max: 500, default: 100 };
  const limit = ctx.query.integer('limit') ?? range.default;
  if (limit < range.min || limit > range.max) {
    throw badRequest(`limit must be between ${range.min} and ${range.max} (got ${limit})`);
  }
  const offset = ctx.query.integer('offset') ?? 0;
  if (offset < 0) throw badRequest(`offset must be 0 or more (got ${offset})`);
  return { offset, limit };
}

/** Runs filter+sort for a query route; a bad filter or sort becomes a 400 with the parser's message. */
export function runQuery<T extends Entity>(
  ctx: RouteContext,
  store: EntityStore<T>,
  idOf: (entity: T) => string,
  options: {
    defaultSort?: string;
    filter?: string | undefined;
    sort?: string | undefined;
    q?: string | undefined;
  } = {},
): readonly T[] {
  try {
    return ctx.queries.run(
      store,
      {
        filter: options.filter ?? ctx.query.string('filter'),
        sort: options.sort ?? ctx.query.string('sort'),
        defaultSort: options.defaultSort,
        q: options.q,
        nowMs: ctx.nowMs,
      },
      idOf,
    );
  } catch (error) {
    if (error instanceof FqlSyntaxError) throw badRequest(error.message);
    throw error;
  }
}

/** Offset-paged query answer: `pagination {offset, limit, total}`. */
export function offsetPage<T extends Entity>(
  ctx: RouteContext,
  matches: readonly T[],
  view: (entity: T) => unknown,
): RouteResult {
  const { offset, limit } = pageWindow(ctx);
  return {
    resources: matches.slice(offset, offset + limit).map(view),
    pagination: { offset, limit, total: matches.length },
  };
}

/** Largest offset+limit the IOC search accepts (falcon-api.md §2.5: use `after` beyond 10,000). */
export const MAX_OFFSET_WINDOW = 10_000;

/**
 * IOC-style paging (§2.5, §9.8): `offset` and `after` are exclusive; offset+limit is capped at
 * 10,000; with neither, or with `after`, the answer carries an opaque `after` token while more remain.
 */
export function afterPage<T extends Entity>(
  ctx: RouteContext,
  matches: readonly T[],
  view: (entity: T) => unknown,
): RouteResult {
  const after = ctx.query.string('after');
  const hasOffset = ctx.query.string('offset') !== undefined;
  if (after !== undefined && hasOffset)
    throw badRequest('offset and after are mutually exclusive; send one of them');
  const { offset: requestedOffset, limit } = pageWindow(ctx);
  if (hasOffset) {
    if (requestedOffset + limit > MAX_OFFSET_WINDOW) {
      throw badRequest(
        `offset + limit must not exceed ${MAX_OFFSET_WINDOW}; use the after token to page further`,
      );
    }
    return {
      resources: matches.slice(requestedOffset, requestedOffset + limit).map(view),
      pagination: { offset: requestedOffset, limit, total: matches.length },
    };
  }
  return tokenPage(matches, view, after, limit);
}

/** One page of `matches` from an after token (or the start), with the next token while more remain. */
export function tokenPage<T extends Entity>(
  matches: readonly T[],
  view: (entity: T) => unknown,
  after: string | undefined,
  limit: number,
): RouteResult {
  const start = after === undefined || after === '' ? 0 : decodeAfter(after);
  const end = start + limit;
  const pagination: Record<string, unknown> = { limit, total: matches.length };
  if (end < matches.length) pagination['after'] = encodeAfter(end);
  return { resources: matches.slice(start, end).map(view), pagination };
}

function encodeAfter(position: number): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position })).toString('base64url');
}

function decodeAfter(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      p?: unknown;
    };
    if (parsed.v === 1 && typeof parsed.p === 'number' && Number.isInteger(parsed.p) && parsed.p >= 0)
      return parsed.p;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest(`invalid after token "${token.slice(0, 40)}"`);
}

/** A 404 answer in the envelope (ODS not-found, §2.3). */
export function notFound(message: string): FalconReplyError {
  return new FalconReplyError(404, message);
}

/** Requires a string field of a body object. */
export function requireString(body: Record<string, unknown>, field: string, where = 'body'): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw badRequest(`${where}.${field} is required and must be a non-empty string`);
  return value;
}
