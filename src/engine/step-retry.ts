import type { CompiledRetry } from '../playbook/compiled.ts';
import { toSoarError } from '../shared/index.ts';

/** Longest wait between two attempts of a step, whatever the backoff says. */
export const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * Milliseconds to wait before attempt `failedAttempt + 1`. Exponential doubles from `delayMs`; a
 * `retryAfterMs` in the error's details (Falcon's 429 answer) is honoured when it is longer.
 */
export function retryDelayMs(retry: CompiledRetry, failedAttempt: number, error: unknown): number {
  const base =
    retry.backoff === 'exponential' ? retry.delayMs * 2 ** Math.max(0, failedAttempt - 1) : retry.delayMs;
  const retryAfter = toSoarError(error).details['retryAfterMs'];
  const wanted = typeof retryAfter === 'number' && retryAfter > base ? retryAfter : base;
  return Math.min(Math.max(0, wanted), MAX_RETRY_DELAY_MS);
}

/** Whether a step that failed on attempt `failedAttempt` should try again. */
export function shouldRetryStep(retry: CompiledRetry, failedAttempt: number, error: unknown): boolean {
  return failedAttempt < retry.attempts && toSoarError(error).retryable;
}
