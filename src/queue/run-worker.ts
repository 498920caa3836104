/**
 * A run worker: takes run jobs off the queue and hands each to the executor with a fenced checkpoint
 * store and run-record events. Used by `talon worker`, the demo and the e2e tests.
 */
import {
  type Clock,
  type Logger,
  type Secret,
  silentLogger,
  systemClock,
  toSoarError,
} from '../shared/index.ts';
import { connectRedis, type RedisClient, startQueueWorker } from './bullmq.ts';
import { DEFAULT_PREFIX, type KeyLayout, keyLayout } from './names.ts';
import { createRunProcessor, type RunExecutor } from './processor.ts';
import { createRunRecords, type RunRecords } from './run-records.ts';
import { backfillFinishedRuns, createRunTrimmer } from './run-retention.ts';
import { createRunSlots } from './run-slots.ts';
import { WORKER_DEFAULTS } from './worker-defaults.ts';

export interface RunWorkerOptions {
  redisUrl: string;
  /** @default 'talon' */
  prefix?: string;
  /** Runs at once in this process. @default WORKER_DEFAULTS.concurrency */
  concurrency?: number;
  /** @default WORKER_DEFAULTS.lockDurationMs */
  lockDurationMs?: number;
  /** @default WORKER_DEFAULTS.stalledIntervalMs */
  stalledIntervalMs?: number;
  /** @default WORKER_DEFAULTS.maxStalledCount (the stall budget) */
  maxStalledCount?: number;
  /**
   * Finished runs kept in Redis: the newest this many succeeded/cancelled runs, and apart from them
   * the newest this many failed runs (run-retention.ts). @default WORKER_DEFAULTS.keepFinishedRuns
   */
  keepFinishedRuns?: number;
  /** Runs one job; build it with the Redis client and keys this worker owns (see `createExecutor`). */
  createExecutor(context: { redis: RedisClient; keys: KeyLayout; records: RunRecords }): RunExecutor;
  logger?: Logger;
  clock?: Clock;
  /** Run only jobs signed with this key (TALON_JOB_SIGNING_KEY). */
  signingKey?: Secret;
  /** Bound of each attempt's recording (`talon test --record`); 0 records nothing. @default RECORDING_MAX_BYTES */
  recordingMaxBytes?: number;
  /**
   * What a run failing with a Falcon 429 pauses: 'queue' (every worker stops starting runs for the
   * retry time) or 'tenant' (only that run waits, parked as delayed: other tenants carry on).
   * @default 'queue'
   */
  rateLimitScope?: 'queue' | 'tenant';
  /** A tenant's fleet-wide cap on runs at once (tenants file `concurrency`); null = none. */
  tenantConcurrency?: (tenant: string) => number | null;
}

export interface RunWorker {
  readonly records: RunRecords;
  /** Stops taking jobs, waits up to `graceMs` for running ones, then hands them back. @default WORKER_DEFAULTS.graceMs */
  close(graceMs?: number): Promise<void>;
}

/** Starts a worker on the run queue. */
export function startRunWorker(options: RunWorkerOptions): RunWorker {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keys = keyLayout(prefix);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const redis = connectRedis(options.redisUrl, 'worker');
  const trimmer = createRunTrimmer(redis, keys, {
    keep: options.keepFinishedRuns ?? WORKER_DEFAULTS.keepFinishedRuns,
    now: () => clock.now(),
    onError: (error) => logger.warn({ error: toSoarError(error).message }, 'could not trim finished runs'),
  });
  const records = createRunRecords(redis, keys, clock, { onFinished: trimmer.noteFinished });
  // In the background: index the finished runs of an older version once, then trim to the cap (which
  // may have been lowered since the last worker ran).
  const startup = backfillFinishedRuns(redis, keys)
    .then(() => trimmer.trim())
    .catch((error: unknown) =>
      logger.warn({ error: toSoarError(error).message }, 'could not trim finished runs'),
    );
  const execute = options.createExecutor({ redis, keys, records });
  const slots = createRunSlots(redis, keys, keys.jobKeyPrefix());
  const processor = createRunProcessor({
    redis,
    keys,
    records,
    execute,
    slots,
    logger,
    now: () => clock.now(),
    ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }),
    ...(options.recordingMaxBytes === undefined ? {} : { recordingMaxBytes: options.recordingMaxBytes }),
    ...(options.rateLimitScope === undefined ? {} : { rateLimitScope: options.rateLimitScope }),
    ...(options.tenantConcurrency === undefined
      ? {}
      : {
          tenantConcurrency: options.tenantConcurrency,
          tenantSlots: createRunSlots(redis, keys, keys.jobKeyPrefix(), 'tenant'),
        }),
  });
  const worker = startQueueWorker({
    redisUrl: options.redisUrl,
    prefix,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
    ...(options.maxStalledCount === undefined ? {} : { maxStalledCount: options.maxStalledCount }),
    handler: processor.handler,
    classify: processor.classify,
    onFinalFailure: processor.onFinalFailure,
    onError: (error) => logger.warn({ error: error.message }, 'worker error'),
  });
  return {
    records,
    async close(graceMs) {
      await worker.close(graceMs);
      await startup;
      await trimmer.idle();
      await redis.close();
    },
  };
}
