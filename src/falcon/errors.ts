/**
 * The one error type the Falcon client throws. It is built from a whitelist of facts (status,
 * operation, method, path without query, trace id, the API's error list, retry hint) so nothing from
 * got (request options carry the bearer token and form bodies carry the client secret) can leak.
 */
import { type ErrorCode, SoarError } from '../shared/index.ts';

/** One entry of the Falcon envelope's `errors` list. */
export interface FalconApiErrorItem {
  code: number;
  message: string;
  id?: string;
}

/** Facts about a failed call; every field is safe to log. */
export interface FalconErrorFacts {
  status?: number | null;
  operationId?: string | null;
  method?: string | null;
  /** Route path only: query strings can hold FQL with customer data and never the token, but we keep it out anyway. */
  path?: string | null;
  traceId?: string | null;
  apiErrors?: readonly FalconApiErrorItem[];
  retryAfterMs?: number | null;
  attempts?: number;
  /** Node/network error code (ECONNREFUSED, ETIMEDOUT, ...), never the error object. */
  networkCode?: string | null;
}

/** A failed Falcon call. Extends SoarError, so it serializes through the shared whitelist. */
export class FalconApiError extends SoarError {
  readonly status: number | null;
  readonly operationId: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly traceId: string | null;
  readonly apiErrors: readonly FalconApiErrorItem[];
  readonly retryAfterMs: number | null;
  readonly attempts: number;

  constructor(code: ErrorCode, message: string, facts: FalconErrorFacts = {}, retryable?: boolean) {
    const apiErrors = (facts.apiErrors ?? []).map((e) => ({
      code: e.code,
      message: e.message,
      ...(e.id === undefined ? {} : { id: e.id }),
    }));
    const details: Record<string, string | number | boolean | null | readonly string[]> = {
      status: facts.status ?? null,
      operationId: facts.operationId ?? null,
      method: facts.method ?? null,
      path: facts.path ?? null,
      traceId: facts.traceId ?? null,
      retryAfterMs: facts.retryAfterMs ?? null,
      attempts: facts.attempts ?? 1,
      apiErrors: apiErrors.map((e) => `${e.code}: ${e.message}`),
    };
    if (facts.networkCode) details.networkCode = facts.networkCode;
    super(code, message, retryable === undefined ? { details } : { details, retryable });
    this.name = 'FalconApiError';
    this.status = facts.status ?? null;
    this.operationId = facts.operationId ?? null;
    this.method = facts.method ?? null;
    this.path = facts.path ?? null;
    this.traceId = facts.traceId ?? null;
    this.apiErrors = apiErrors;
    this.retryAfterMs = facts.retryAfterMs ?? null;
    this.attempts = facts.attempts ?? 1;
  }
}

/** The catalogue code for an HTTP status the API answered with. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'SOAR_FALCON_AUTH';
  if (status === 403) return 'SOAR_FALCON_FORBIDDEN';
  if (status === 429) return 'SOAR_FALCON_RATE_LIMITED';
  if (status >= 500) return 'SOAR_FALCON_HTTP_5XX';
  return 'SOAR_FALCON_HTTP_4XX';
}

/** "GET /path (op) -> 404: first API message" — the human line every error message starts with. */
export function describeFailure(facts: FalconErrorFacts, summary: string): string {
  const where = [facts.method, facts.path].filter(Boolean).join(' ');
  const op = facts.operationId ? ` (${facts.operationId})` : '';
  const first = facts.apiErrors?.[0];
  const api = first ? `: ${first.message}` : '';
  const trace = facts.traceId ? ` [trace ${facts.traceId}]` : '';
  return `${where}${op} ${summary}${api}${trace}`.trim();
}
