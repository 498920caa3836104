/**
 * Reads a 2xx answer into the engine's FalconResult: `resources` always an array, `errors` always a
 * list of {code, message}, the trace id from meta or the X-Cs-Traceid header. RTR batch answers key
 * their per-host entries by host id (`resources` or `combined.resources` is an object, falconjs
 * DomainBatchInitSessionResponse / DomainMultiCommandExecuteResponseWrapper): Talon lists those
 * entries as the resources (each carries its host id) and keeps the batch's ids (`batch_id`,
 * `batch_get_cmd_req_id`) in meta, so a playbook reads them like any other answer.
 */
import type { FalconResult } from '../engine/ports.ts';
import { headerString, readErrors } from './auth/token-provider.ts';
import type { HttpResponse } from './http/index.ts';
import type { OperationSpec } from './operations/index.ts';

/** Builds the FalconResult of a successful response. GraphQL answers ({data, extensions}) become one resource. */
export function toFalconResult(response: HttpResponse, op?: OperationSpec): FalconResult {
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<
    string,
    unknown
  >;
  const meta =
    typeof body.meta === 'object' && body.meta !== null && !Array.isArray(body.meta)
      ? (body.meta as Record<string, unknown>)
      : {};
  let resources: unknown[];
  if (op?.resources === 'file' && response.bytes) resources = [fileResource(response)];
  else if (op?.keyedByHost) resources = hostEntries(body);
  else if (Array.isArray(body.resources)) resources = body.resources;
  else if (body.resources !== undefined && body.resources !== null) resources = [body.resources];
  else if ('data' in body) resources = [{ data: body.data, extensions: body.extensions ?? null }];
  else resources = [];
  const metaTrace = typeof meta.trace_id === 'string' && meta.trace_id !== '' ? meta.trace_id : null;
  const batchIds = Object.fromEntries(
    BATCH_ID_FIELDS.filter((field) => typeof body[field] === 'string').map((field) => [field, body[field]]),
  );
  return {
    status: response.status,
    resources,
    meta: Object.keys(batchIds).length > 0 ? { ...meta, ...batchIds } : meta,
    errors: readErrors(body),
    traceId: metaTrace ?? headerString(response.headers['x-cs-traceid']),
  };
}

/** A file answer as one resource: its type, size and bytes in base64 (JSON-safe for step outputs). */
function fileResource(response: HttpResponse): Record<string, unknown> {
  const bytes = response.bytes ?? Buffer.alloc(0);
  return {
    content_type: headerString(response.headers['content-type']) ?? 'application/octet-stream',
    size: bytes.length,
    base64: bytes.toString('base64'),
  };
}

const BATCH_ID_FIELDS = ['batch_id', 'batch_get_cmd_req_id'] as const;

/** The per-host entries of an RTR batch answer, each with its host id as `aid`. */
function hostEntries(body: Record<string, unknown>): unknown[] {
  const combined = body.combined as { resources?: unknown } | undefined;
  const map = combined && typeof combined === 'object' ? combined.resources : body.resources;
  if (!map || typeof map !== 'object' || Array.isArray(map)) return [];
  return Object.entries(map as Record<string, unknown>).map(([aid, entry]) =>
    entry !== null && typeof entry === 'object'
      ? { aid, ...(entry as Record<string, unknown>) }
      : { aid, value: entry },
  );
}

/** The trace id of any response, for errors and logs. */
export function traceIdOf(response: HttpResponse): string | null {
  const meta = (response.body as { meta?: { trace_id?: unknown } } | undefined)?.meta;
  if (typeof meta?.trace_id === 'string' && meta.trace_id !== '') return meta.trace_id;
  return headerString(response.headers['x-cs-traceid']);
}
