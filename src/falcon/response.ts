/**
 * Reads a 2xx answer into the engine's FalconResult: `resources` always an array, `errors` always a
 * list of {code, message}, the trace id from meta or the X-Cs-Traceid header.
 */
import type { FalconResult } from '../engine/ports.ts';
import { headerString, readErrors } from './auth/token-provider.ts';
import type { HttpResponse } from './http/index.ts';

/** Builds the FalconResult of a successful response. GraphQL answers ({data, extensions}) become one resource. */
export function toFalconResult(response: HttpResponse): FalconResult {
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<
    string,
    unknown
  >;
  const meta =
    typeof body.meta === 'object' && body.meta !== null && !Array.isArray(body.meta)
      ? (body.meta as Record<string, unknown>)
      : {};
  let resources: unknown[];
  if (Array.isArray(body.resources)) resources = body.resources;
  else if (body.resources !== undefined && body.resources !== null) resources = [body.resources];
  else if ('data' in body) resources = [{ data: body.data, extensions: body.extensions ?? null }];
  else resources = [];
  const metaTrace = typeof meta.trace_id === 'string' && meta.trace_id !== '' ? meta.trace_id : null;
  return {
    status: response.status,
    resources,
    meta,
    errors: readErrors(body),
    traceId: metaTrace ?? headerString(response.headers['x-cs-traceid']),
  };
}

/** The trace id of any response, for errors and logs. */
export function traceIdOf(response: HttpResponse): string | null {
  const meta = (response.body as { meta?: { trace_id?: unknown } } | undefined)?.meta;
  if (typeof meta?.trace_id === 'string' && meta.trace_id !== '') return meta.trace_id;
  return headerString(response.headers['x-cs-traceid']);
}
