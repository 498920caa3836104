import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/queue. Names are SOAR_QUEUE_<DETAIL>. */
export const QUEUE_ERROR_CODES = {
  SOAR_QUEUE_LOCK_LOST: {
    title: 'Job lock lost',
    retryable: false,
    hint: 'Another worker took over this run (this worker stalled or was too slow to renew its lock); the run continues there. Keep the event loop free and lockDuration above the longest blocking pause.',
  },
  SOAR_QUEUE_JOB_UNSIGNED: {
    title: 'Unsigned run job refused',
    retryable: false,
    hint: 'Jobs must be enqueued by a Talon process holding TALON_JOB_SIGNING_KEY (talon run, serve, scheduler); a job written straight into Redis is never run.',
  },
  SOAR_QUEUE_JOB_SIGNATURE: {
    title: 'Run job signature does not verify',
    retryable: false,
    hint: 'The job was edited after it was enqueued or signed with another key; check that every Talon process has the same TALON_JOB_SIGNING_KEY and who can write to Redis.',
  },
  SOAR_QUEUE_PLAN_HASH: {
    title: 'Run job plan does not match its signature',
    retryable: false,
    hint: 'The playbook plan of the job (in the job, or stored under the digest the job names) was changed after it was queued; nothing ran. Check who can write to Redis, then enqueue the run again.',
  },
  SOAR_QUEUE_PLAN_MISSING: {
    title: 'Run job plan no longer stored',
    retryable: false,
    hint: 'A job names its playbook plan by digest, and the plan is kept 60 days after the last run queued with it (or Redis lost it); nothing ran. Enqueue the run again.',
  },
  SOAR_QUEUE_BAD_JOB_DATA: {
    title: 'Malformed job data',
    retryable: false,
    hint: 'The queued job was not written by this version of Talon or was edited by hand; enqueue the run again with `talon run`.',
  },
  SOAR_QUEUE_REDIS_UNAVAILABLE: {
    title: 'Redis unavailable',
    retryable: true,
    hint: 'Check that Redis is running and REDIS_URL points at it.',
  },
  SOAR_QUEUE_RUN_NOT_FOUND: {
    title: 'Run not found',
    retryable: false,
    hint: 'Check the run id with `talon runs list`; run records expire after 30 days.',
  },
  SOAR_QUEUE_STALLED: {
    title: 'Run stalled too often',
    retryable: false,
    hint: 'A worker died or froze while running this run more often than the stall budget (--max-stalled) allows; look at the worker logs, fix the cause, then continue it from its checkpoints with `talon runs resume <id>`.',
  },
  SOAR_QUEUE_NOT_RESUMABLE: {
    title: 'Run cannot be resumed',
    retryable: false,
    hint: 'Only a failed run whose queue job still exists can be resumed (failed jobs are kept 30 days); `talon runs show <id>` shows its state.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
