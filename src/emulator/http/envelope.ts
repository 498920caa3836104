/**
 * The Falcon response envelope and headers (falcon-api.md §2.2, §2.4, §9.4-6): `meta` with
 * query_time, powered_by, trace_id (+ pagination, writes), `resources` always an array, `errors`
 * always an array; `Content-Type: application/json`, `X-Cs-Traceid`, `X-Ratelimit-Limit`,
 * `X-Ratelimit-Remaining` spelled exactly so (falconpy reads them case-sensitively).
 */
import type { ServerResponse } from 'node:http';
import type { FalconErrorItem } from './reply-error.ts';

export interface ReplyMeta {
  queryTimeSeconds: number;
  poweredBy: string;
  traceId: string;
  pagination?: Readonly<Record<string, unknown>> | undefined;
  writes?: number | undefined;
}

/** Everything needed to write one answer. */
export interface Reply {
  status: number;
  meta: ReplyMeta;
  resources?: readonly unknown[] | undefined;
  errors?: readonly FalconErrorItem[] | undefined;
  /** Extra fields at the top level (GraphQL answers carry `data`/`extensions`). */
  extra?: Readonly<Record<string, unknown>> | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  /** When set, the body is this JSON value instead of the envelope (OAuth2 token, GraphQL); a Buffer is sent as bytes. */
  rawBody?: unknown;
}

/** Builds the envelope object for a reply. */
export function toEnvelope(reply: Reply): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    query_time: reply.meta.queryTimeSeconds,
    powered_by: reply.meta.poweredBy,
    trace_id: reply.meta.traceId,
  };
  if (reply.meta.pagination) meta['pagination'] = reply.meta.pagination;
  if (reply.meta.writes !== undefined) meta['writes'] = { resources_affected: reply.meta.writes };
  return { meta, resources: reply.resources ?? [], errors: reply.errors ?? [], ...reply.extra };
}

/** Writes a reply with the standard headers; safe to call once per response. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.isBuffer(reply.rawBody);
  const body = bytes
    ? (reply.rawBody as Buffer)
    : JSON.stringify(reply.rawBody !== undefined ? reply.rawBody : toEnvelope(reply));
  res.statusCode = reply.status;
  res.setHeader('Content-Type', bytes ? 'application/octet-stream' : 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Cs-Traceid', reply.meta.traceId);
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.end(body);
}
