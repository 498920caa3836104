import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  cronRunId,
  formatDuration,
  formatRunList,
  isValidRunId,
  pollRunId,
  RunAttemptFailed,
  RunSlotBusy,
  slugify,
} from '../../src/queue/index.ts';
import { MAX_STARTED_ATTEMPTS } from '../../src/queue/bullmq.ts';
import { parkedFallbackMs } from '../../src/queue/run-slots.ts';
import { SoarError } from '../../src/shared/index.ts';

describe('classifyFailure', () => {
  it.each([
    [
      'a retryable failed outcome',
      new RunAttemptFailed({ code: 'SOAR_QUEUE_REDIS_UNAVAILABLE', message: 'x' }),
      'retry',
    ],
    [
      'a non-retryable outcome',
      new RunAttemptFailed({ code: 'SOAR_QUEUE_BAD_JOB_DATA', message: 'x' }),
      'fail',
    ],
    [
      'an outcome whose retryable flag overrides the catalogue',
      new RunAttemptFailed({ code: 'SOAR_QUEUE_BAD_JOB_DATA', message: 'x', retryable: true }),
      'retry',
    ],
    ['a 429 outcome', new RunAttemptFailed({ code: 'SOAR_FALCON_RATE_LIMITED', message: 'x' }), 'rate-limit'],
    ['a thrown non-retryable SoarError', new SoarError('SOAR_QUEUE_BAD_JOB_DATA', 'x'), 'fail'],
    ['a lost job lock', new SoarError('SOAR_QUEUE_LOCK_LOST', 'x'), 'retry'],
    ['a busy concurrency slot', new RunSlotBusy('p', 1, 2500), 'delay'],
    ['a foreign error (a bug)', new TypeError('boom'), 'fail'],
  ])('maps %s to %s', (_what, error, kind) => {
    expect(classifyFailure(error).kind).toBe(kind);
  });

  it('uses the retry time of a thrown rate-limit error, and a default without one', () => {
    const withTime = new SoarError('SOAR_FALCON_RATE_LIMITED', 'x', { details: { retryAfterMs: 1234 } });
    expect(classifyFailure(withTime)).toMatchObject({ kind: 'rate-limit', delayMs: 1234 });
    expect(classifyFailure(new SoarError('SOAR_FALCON_RATE_LIMITED', 'x'))).toMatchObject({ delayMs: 5000 });
  });
});

describe('run ids and names', () => {
  it('derives job-id-safe run ids: no colon, never all digits, stable per slot and item', () => {
    expect(slugify('  Triage: Critical / Detections!  ')).toBe('triage-critical-detections');
    expect(slugify('***')).toBe('playbook');
    expect(cronRunId('Triage', 1_700_000_000_000)).toBe('run-cron-triage-1700000000000');
    expect(pollRunId('Triage', 'ldt:abc:1')).toBe(pollRunId('Triage', 'ldt:abc:1'));
    expect(pollRunId('Triage', 'ldt:abc:1')).not.toBe(pollRunId('Triage', 'ldt:abc:2'));
    for (const id of [cronRunId('a', 1), pollRunId('b', 'x:y')]) {
      expect(id).not.toContain(':');
      expect(isValidRunId(id)).toBe(true);
    }
    expect(isValidRunId('123')).toBe(false);
    expect(isValidRunId('run-a:b')).toBe(false);
  });
});

describe('formatting', () => {
  it.each([
    [null, '-'],
    [850, '850 ms'],
    [12_345, '12.3 s'],
    [245_000, '4 min 05 s'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('says so when there are no runs', () => {
    expect(formatRunList([])).toBe('no runs recorded\n');
  });
});

describe('parkedFallbackMs', () => {
  // Every wake of a parked run is a start for BullMQ, and the worker fails a job after
  // MAX_STARTED_ATTEMPTS starts ("started more than allowable limit"). A run waiting at the head of a
  // playbook's or tenant's line behind a long run (an RTR sweep) wakes by itself each fallback: with a
  // fixed 5 s it failed after ~83 minutes of waiting. Its fallback grows with its starts instead.
  it('lets a run wait at the head of a line for more than a day before its starts run out', () => {
    let waitedMs = 0;
    for (let starts = 1; starts < MAX_STARTED_ATTEMPTS; starts++) waitedMs += parkedFallbackMs(0, starts);
    expect(waitedMs).toBeGreaterThan(24 * 3_600_000);
  });

  it('wakes a run soon after it parks, later the further back it is, never later than 5 minutes', () => {
    expect(parkedFallbackMs(0, 1)).toBe(5_000);
    expect(parkedFallbackMs(30, 1)).toBe(35_000);
    expect(parkedFallbackMs(10_000, 1)).toBe(300_000);
    expect(parkedFallbackMs(0, 100_000)).toBe(300_000);
  });
});
