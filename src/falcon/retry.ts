/**
 * Retry and pacing decisions as pure functions, so they can be checked from a table. The client feeds
 * them what happened; they answer how long to wait (ms) or null for "give up".
 */

/** How hard the client tries before giving up. */
export interface RetryPolicy {
  /** Retries after network errors, timeouts and 5xx (idempotent calls only). */
  maxRetries: number;
  /** Retries after 429 (any call: a 429 means the request was not processed). */
  maxRateLimitRetries: number;
  /** First backoff step. */
  baseDelayMs: number;
  /** Largest backoff step. */
  maxDelayMs: number;
  /** A 429 asking to wait longer than this is not retried (the error carries retryAfterMs). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 4,
  maxRateLimitRetries: 8,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 120_000,
});

/** What went wrong on the last attempt. */
export type AttemptOutcome =
  | { kind: 'status'; status: number }
  | { kind: 'network'; code: string }
  | { kind: 'timeout' };

export interface RetryInput {
  /** Failed attempts so far that count against maxRetries (1 after the first failure). */
  attempt: number;
  /** 429 answers so far on this call (including this one when outcome is a 429). */
  rateLimited: number;
  outcome: AttemptOutcome;
  /** From the operation table: reads and POST .../GET/v1 routes are idempotent. */
  idempotent: boolean;
  /** From X-Ratelimit-Retryafter, already turned into a relative wait (see retryAfterMs). */
  retryAfterMs: number | null;
  policy: RetryPolicy;
  /** A number in [0, 1) for jitter; tests pass fixed values. */
  random: number;
}

/** Network errors raised before the request reached the server, so even a write is safe to resend. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (random * step) / 2);
}

/** How long to wait before the next attempt, or null to give up. */
export function retryDelay(input: RetryInput): number | null {
  const { outcome, policy } = input;
  if (outcome.kind === 'status' && outcome.status === 429) {
    if (input.rateLimited > policy.maxRateLimitRetries) return null;
    if (input.retryAfterMs === null) return backoffMs(input.rateLimited, policy, input.random);
    if (input.retryAfterMs > policy.maxRetryAfterMs) return null;
    // A little jitter so processes sharing a CID do not all return in the same millisecond.
    return input.retryAfterMs + Math.round(input.random * 250);
  }
  if (input.attempt > policy.maxRetries) return null;
  if (outcome.kind === 'network') {
    if (!input.idempotent && !NOT_SENT_CODES.has(outcome.code)) return null;
    return backoffMs(input.attempt, policy, input.random);
  }
  if (outcome.kind === 'timeout') {
    return input.idempotent ? backoffMs(input.attempt, policy, input.random) : null;
  }
  const retryableStatus = outcome.status >= 500 || outcome.status === 408;
  if (!retryableStatus || !input.idempotent) return null;
  return backoffMs(input.attempt, policy, input.random);
}

/**
 * Reads X-Ratelimit-Retryafter. Falcon sends Unix epoch SECONDS (falcon-api.md §0, §2.4); a value too
 * small to be an epoch is taken as a relative number of seconds, which also reads a standard
 * Retry-After (seconds) when a proxy sends that instead. Returns ms to wait (>= 0) or null.
 */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') return null;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value < 0) return null;
  if (value < 1_000_000_000) return Math.round(value * 1000);
  return Math.max(0, Math.round(value * 1000 - nowMs));
}

/**
 * Proactive pacing from X-Ratelimit-Remaining / X-Ratelimit-Limit (a sliding 60 s window): when few
 * requests are left, space the next ones so the window can refill instead of running into 429s.
 * Returns ms to wait before the next request (0 when there is room).
 */
export function paceDelayMs(remaining: number | null, limit: number | null, maxPaceMs = 5_000): number {
  if (remaining === null || limit === null || limit <= 0) return 0;
  const lowWater = Math.max(2, Math.ceil(limit * 0.05));
  if (remaining > lowWater) return 0;
  const perRequest = 60_000 / limit;
  return Math.min(maxPaceMs, Math.ceil(perRequest * (lowWater - remaining + 1)));
}

/** Parses a numeric header, or null. */
export function numericHeader(header: string | string[] | undefined): number | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
