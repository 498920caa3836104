import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  backoffMs,
  DEFAULT_RETRY_POLICY,
  paceDelayMs,
  type RetryPolicy,
  retryAfterMs,
  retryDelay,
} from '../../src/falcon/index.ts';

const policy: RetryPolicy = {
  maxRetries: 3,
  maxRateLimitRetries: 2,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  maxRetryAfterMs: 5000,
};

const s = (status: number): AttemptOutcome => ({ kind: 'status', status });
const net = (code: string): AttemptOutcome => ({ kind: 'network', code });
const timeout: AttemptOutcome = { kind: 'timeout' };

// attempt, rateLimited, outcome, idempotent, retryAfterMs, random -> expected delay (null = give up)
const TABLE: [string, number, number, AttemptOutcome, boolean, number | null, number, number | null][] = [
  ['5xx read, first retry, no jitter', 1, 0, s(503), true, null, 0, 50],
  ['5xx read, first retry, full jitter', 1, 0, s(500), true, null, 0.999, 100],
  ['5xx read, third retry doubles twice', 3, 0, s(502), true, null, 0, 200],
  ['5xx read beyond maxRetries', 4, 0, s(500), true, null, 0, null],
  ['5xx write is never retried', 1, 0, s(500), false, null, 0, null],
  ['408 read retried', 1, 0, s(408), true, null, 0, 50],
  ['400 never retried', 1, 0, s(400), true, null, 0, null],
  ['403 never retried', 1, 0, s(403), true, null, 0, null],
  ['404 never retried', 1, 0, s(404), true, null, 0, null],
  ['409 never retried', 1, 0, s(409), false, null, 0, null],
  ['429 waits the header time', 0, 1, s(429), false, 1200, 0, 1200],
  ['429 adds up to 250 ms jitter', 0, 1, s(429), true, 1200, 0.5, 1325],
  ['429 without header backs off', 0, 1, s(429), true, null, 0, 50],
  ['429 over maxRateLimitRetries', 0, 3, s(429), true, 100, 0, null],
  ['429 asking too long a wait', 0, 1, s(429), true, 6000, 0, null],
  ['429 ignores the attempt budget', 9, 1, s(429), true, 0, 0, 0],
  ['timeout on a read', 2, 0, timeout, true, null, 0, 100],
  ['timeout on a write', 1, 0, timeout, false, null, 0, null],
  ['reset on a read', 1, 0, net('ECONNRESET'), true, null, 0, 50],
  ['reset on a write (may have been processed)', 1, 0, net('ECONNRESET'), false, null, 0, null],
  ['refused on a write (never sent)', 1, 0, net('ECONNREFUSED'), false, null, 0, 50],
  ['backoff capped at maxDelayMs', 3, 0, s(500), true, null, 0.999, 400],
];

describe('retryDelay', () => {
  it.each(TABLE)('%s', (_name, attempt, rateLimited, outcome, idempotent, after, random, expected) => {
    expect(
      retryDelay({ attempt, rateLimited, outcome, idempotent, retryAfterMs: after, policy, random }),
    ).toBe(expected);
  });

  it('never exceeds maxDelayMs for any attempt', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      expect(backoffMs(attempt, policy, 0.999999)).toBeLessThanOrEqual(policy.maxDelayMs);
      expect(backoffMs(attempt, DEFAULT_RETRY_POLICY, 0)).toBeGreaterThan(0);
    }
  });
});

describe('retryAfterMs (X-Ratelimit-Retryafter is epoch seconds)', () => {
  const now = 1_700_000_000_000;
  it.each([
    ['epoch seconds 3 s ahead', '1700000003', 3000],
    ['epoch seconds in the past', '1699999990', 0],
    ['small value taken as relative seconds', '2', 2000],
    ['array form', ['1700000001'], 1000],
    ['missing', undefined, null],
    ['garbage', 'soon', null],
    ['negative', '-5', null],
  ] as const)('%s', (_name, header, expected) => {
    expect(retryAfterMs(header as string | string[] | undefined, now)).toBe(expected);
  });
});

describe('paceDelayMs (X-Ratelimit-Remaining)', () => {
  it.each([
    ['plenty left', 5000, 6000, 0],
    ['just above low water (300)', 301, 6000, 0],
    ['at low water', 300, 6000, 10],
    ['empty window', 0, 6000, 3010],
    ['small limit, 1 left: capped at 5 s', 1, 15, 5000],
    ['no headers', null, null, 0],
  ] as const)('%s', (_name, remaining, limit, expected) => {
    expect(paceDelayMs(remaining, limit)).toBe(expected);
  });
});
