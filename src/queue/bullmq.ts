/**
 * The adapter around bullmq and ioredis: the ONLY module of Talon that imports either. Everything else
 * in Talon sees a `RedisClient` (raw commands + Lua scripts), a `RunQueue` and a `QueueWorker`.
 *
 * Settings follow bullmq.md §9: attempts + exponential backoff with jitter, UnrecoverableError for
 * failures no retry can fix, queue.rateLimit + RateLimitError on a Falcon 429 (fleet-wide pause, no
 * attempt used), maxStartedAttempts to bound rate-limit loops, bounded removeOnComplete/removeOnFail,
 * worker connections with maxRetriesPerRequest null, producers failing fast.
 */
import { createHash } from 'node:crypto';
import {
  DelayedError,
  type Job,
  Queue,
  RateLimitError,
  UnrecoverableError,
  WaitingError,
  Worker,
} from 'bullmq';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTopology, type ReplicaWait } from '../config/index.ts';
import { SoarError, systemClock } from '../shared/index.ts';
import { ENQUEUE_CLAIM_TTL_MS, keyLayout, RUN_QUEUE_NAME } from './names.ts';
import { WORKER_DEFAULTS } from './worker-defaults.ts';

/** Raw Redis access for Talon's own keys (checkpoints, run records, rate budget, cursors). */
export interface RedisClient {
  /** One command; on a cluster it goes to the node of its first key (keyless ones: any node). */
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /**
   * Runs a Lua script by SHA, loading it on first use. With `replicated`, the reply comes only after
   * the deployment's replica wait (REDIS_URL `wait`/`waitMs`; WAIT on the node that ran the script):
   * for the writes that guard a Falcon write, which must survive a failover right after them.
   */
  runScript(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
    options?: { replicated?: boolean },
  ): Promise<unknown>;
  /** The replica wait that `replicated` script runs use (replicas 0: none). */
  readonly replicaWait: ReplicaWait;
  close(): Promise<void>;
}

export interface LuaScript {
  name: string;
  source: string;
}

/** 'worker' connections block and never give up; 'producer' connections fail fast when Redis is down. */
export type ConnectionRole = 'worker' | 'producer';

type IoClient = Redis | Cluster;

/** Options every data-node connection gets, whatever the topology. */
function nodeOptions(role: ConnectionRole) {
  return {
    protocol: 2,
    // Producers give up on a command after a few reconnect attempts instead of waiting for Redis forever.
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    connectTimeout: 5000,
    // After a Sentinel failover the old master comes back as a replica: a connection still pointed at
    // it gets READONLY for writes. Reconnect (Sentinel names the new master) and resend the command.
    reconnectOnError: (error: Error): 2 | false => (error.message.startsWith('READONLY') ? 2 : false),
  } satisfies RedisOptions;
}

function openTopology(topology: RedisTopology, role: ConnectionRole): IoClient {
  const base = nodeOptions(role);
  if (topology.kind === 'single') return new Redis(topology.url, base);
  const auth = {
    ...(topology.username === null ? {} : { username: topology.username }),
    ...(topology.password === null ? {} : { password: topology.password.reveal() }),
    ...(topology.tls ? { tls: {} } : {}),
  };
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...base,
      ...auth,
      sentinels: topology.sentinels,
      name: topology.masterName,
      db: topology.db,
      // Hear +switch-master from the sentinels instead of waiting for the old master's socket to fail.
      failoverDetector: true,
      sentinelRetryStrategy: (times: number) => Math.min(times * 200, 2000),
    });
  }
  const options = {
    redisOptions: { ...base, ...auth },
    // A failover makes slots briefly unserved (CLUSTERDOWN) or moved: retry instead of failing at once.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 100,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times: number) => Math.min(times * 200, 2000),
  } satisfies ClusterOptions;
  return new Cluster(topology.nodes, options);
}

function openIoredis(url: string, role: ConnectionRole): IoClient {
  const client = openTopology(parseRedisUrl(url), role);
  // Connection errors are retried by ioredis; commands report their own failures.
  client.on('error', () => {});
  return client;
}

/** The SHA1 Redis knows a script by (EVALSHA), worked out once per script. */
const scriptShas = new Map<string, string>();
function shaOf(script: LuaScript): string {
  let sha = scriptShas.get(script.source);
  if (sha === undefined) {
    sha = createHash('sha1').update(script.source).digest('hex');
    scriptShas.set(script.source, sha);
  }
  return sha;
}

const isNoScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/** Runs a script by its SHA1, sending its source only when this Redis does not know it yet. */
async function evalScript(
  client: IoClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.call('EVALSHA', shaOf(script), keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) return toRedisError(error);
    return client.call('EVAL', script.source, keys.length, ...keys, ...args).catch(toRedisError);
  }
}

/** Opens a Redis connection for Talon's own keys. */
export function connectRedis(url: string, role: ConnectionRole = 'worker'): RedisClient {
  const topology = parseRedisUrl(url);
  const client = openTopology(topology, role);
  client.on('error', () => {});
  const wait = topology.wait;
  // The script and WAIT in one pipeline: on a cluster both go to the node owning the keys' slot (WAIT
  // has no key, alone it would go to any node), and WAIT covers the write just made on that connection.
  const runReplicated = async (
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
    load: boolean,
  ): Promise<unknown> => {
    const pipeline = client.pipeline();
    if (load) pipeline.call('EVAL', script.source, keys.length, ...keys, ...args);
    else pipeline.call('EVALSHA', shaOf(script), keys.length, ...keys, ...args);
    pipeline.call('WAIT', wait.replicas, wait.timeoutMs);
    const replies = (await pipeline.exec().catch(toRedisError)) ?? [];
    const [error, reply] = replies[0] ?? [new Error('redis: empty pipeline reply'), null];
    if (error) {
      if (!load && isNoScript(error)) return runReplicated(script, keys, args, true);
      return toRedisError(error);
    }
    return reply;
  };
  return {
    replicaWait: wait,
    call: (command, ...args) => client.call(command, ...args).catch(toRedisError),
    async runScript(script, keys, args, options = {}) {
      if (options.replicated === true && wait.replicas > 0) return runReplicated(script, keys, args, false);
      return evalScript(client, script, keys, args);
    },
    close: () => quit(client),
  };
}

function toRedisError(error: unknown): never {
  if (error instanceof SoarError) throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new SoarError('SOAR_QUEUE_REDIS_UNAVAILABLE', `redis: ${message}`);
}

/** Where the queue lives and how jobs are kept. */
export interface RunQueueOptions {
  redisUrl: string;
  /** @default 'talon' */
  prefix: string;
  /** @default 'talon-runs' */
  queueName?: string;
  /** Attempts per run (not counting rate-limit pauses and stall recoveries). @default 5 */
  attempts?: number;
  /** First retry delay; doubles on each attempt, with 50% jitter. @default 2000 */
  backoffMs?: number;
}

/** The BullMQ queue object, for the dashboard only. */
export type DashboardQueue = Queue;

export interface AddResult {
  jobId: string;
  /** 'added', 'duplicate' (this job id exists), or 'deduplicated' (dedupe id held by `existingJobId`). */
  outcome: 'added' | 'duplicate' | 'deduplicated';
  existingJobId: string | null;
}

export interface RunQueue {
  readonly name: string;
  readonly prefix: string;
  /**
   * Adds a job with a caller-chosen id; with `dedupeId`, nothing is added while a job holding it is
   * unfinished. With `claimed`, the caller already took the id's claim key (`enqueueClaim`, SET NX
   * for ENQUEUE_CLAIM_TTL_MS); it is still released if the add fails.
   */
  add(jobId: string, data: object, options?: { dedupeId?: string; claimed?: boolean }): Promise<AddResult>;
  /** BullMQ state of a job, or 'unknown'. */
  state(jobId: string): Promise<string>;
  /**
   * Puts a failed job back in the queue with its attempts and stall count reset: 'resumed', or the
   * job's state when it is not failed ('unknown' when it is gone). Its checkpoints are kept.
   */
  resume(jobId: string): Promise<string>;
  /**
   * Moves a delayed job to waiting now (a parked run whose approval was decided). False when the
   * job is not delayed (not parked yet, already woken, or gone): the caller needs no more.
   */
  promote(jobId: string): Promise<boolean>;
  counts(): Promise<Record<string, number>>;
  /** Stops every worker from starting jobs for `ms` (Falcon 429). Jobs already running continue. */
  pauseFor(ms: number): Promise<void>;
  /** Prometheus text of job counts per state. */
  prometheus(): Promise<string>;
  readonly dashboard: DashboardQueue;
  close(): Promise<void>;
}

/** Opens the run queue (producer side). */
export function createRunQueue(options: RunQueueOptions): RunQueue {
  const name = options.queueName ?? RUN_QUEUE_NAME;
  const keys = keyLayout(options.prefix);
  const connection = openIoredis(options.redisUrl, 'producer');
  const queue = new Queue(name, {
    connection,
    prefix: keys.prefix,
    defaultJobOptions: {
      attempts: options.attempts ?? 5,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 2000, jitter: 0.5 },
      removeOnComplete: { age: 7 * 86_400, count: 10_000 },
      removeOnFail: { age: 30 * 86_400, count: 50_000 },
      keepLogs: 200,
      stackTraceLimit: 5,
      sizeLimit: 1024 * 1024,
    },
  });
  queue.on('error', () => {});
  return {
    name,
    prefix: keys.prefix,
    dashboard: queue,
    async add(jobId, data, addOptions = {}) {
      // A claim key outlives the job (removeOnComplete deletes jobs, and with them BullMQ's own jobId
      // dedupe), so a late producer of the same id (a second scheduler, a redelivered webhook) is
      // still recognised as a duplicate for ENQUEUE_CLAIM_TTL_MS.
      const claimKey = keys.enqueueClaim(jobId);
      const claimed =
        addOptions.claimed === true
          ? 'OK'
          : await connection.set(claimKey, '1', 'PX', ENQUEUE_CLAIM_TTL_MS, 'NX').catch(toRedisError);
      if (claimed === null) return { jobId, outcome: 'duplicate', existingJobId: jobId };
      let job: Job;
      try {
        job = await queue.add('run', data, {
          jobId,
          ...(addOptions.dedupeId === undefined ? {} : { deduplication: { id: addOptions.dedupeId } }),
        });
      } catch (error) {
        await connection.del(claimKey).catch(() => 0);
        return toRedisError(error);
      }
      if (job.id !== jobId) return { jobId, outcome: 'deduplicated', existingJobId: job.id ?? null };
      return { jobId, outcome: 'added', existingJobId: null };
    },
    state: (jobId) => queue.getJobState(jobId),
    async resume(jobId) {
      const job = await queue.getJob(jobId).catch(toRedisError);
      if (!job) return 'unknown';
      const state = await job.getState();
      if (state !== 'failed') return state;
      // The stall count would otherwise fail the resumed run at its next stall.
      await connection.hset(keys.job(jobId, name), 'stc', 0).catch(toRedisError);
      // attemptsStarted is kept: it is above 1, so the run is not taken for a fresh one whose stale
      // checkpoints must be cleared (checkpoint-store.ts).
      await job.retry('failed', { resetAttemptsMade: true }).catch(toRedisError);
      return 'resumed';
    },
    promote: (jobId) => promoteJob(queue, jobId),
    counts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'),
    pauseFor: (ms) => queue.rateLimit(Math.max(1, Math.round(ms))),
    prometheus: () => queue.exportPrometheusMetrics({ service: 'talon' }),
    async close() {
      await queue.close();
      // BullMQ never closes a connection it was given.
      await quit(connection);
    },
  };
}

/** Promotes delayed jobs; a job that is gone or not delayed (it woke already) is left as it is. */
async function promoteJobs(queue: Queue, jobIds: readonly string[]): Promise<void> {
  for (const id of jobIds) {
    await promoteJob(queue, id).catch(() => false);
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

async function promoteJob(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId).catch(toRedisError);
  if (!job) return false;
  try {
    await job.promote();
    return true;
  } catch (error) {
    // BullMQ refuses a job that is not delayed (its error says so): nothing to wake.
    if (error instanceof Error && /is not in the delayed state/.test(error.message)) return false;
    return toRedisError(error);
  }
}

async function quit(client: IoClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** A job as a worker's handler sees it. */
export interface ActiveJob {
  id: string;
  data: unknown;
  /** Failed attempts before this one. */
  attemptsMade: number;
  /** Times a worker took this job, this time included (retries, stall recoveries, delays). */
  attemptsStarted: number;
  /** Times this job was found stalled (its worker died or hung) and taken back. */
  stalledCounter: number;
  /** Attempts allowed in total. */
  attemptsAllowed: number;
  /** The lock token proving this worker owns the job; fenced writes compare it with `lockKey`. */
  token: string;
  lockKey: string;
  /** Aborts the run now (in-flight requests too): a worker stopping hard. */
  signal: AbortSignal;
  /** Stops the run between requests: the worker is stopping past its grace period. */
  stop: AbortSignal;
  progress(value: Record<string, unknown>): Promise<void>;
  /** Moves these delayed jobs of the same queue to waiting now (unknown or not delayed: ignored). */
  promote(jobIds: readonly string[]): Promise<void>;
  /** This job's state in the queue now ('unknown' once it is gone). */
  state(): Promise<string>;
  /**
   * Asks for `write` to run on the connection that completes this job, when the handler has returned
   * and before BullMQ completes the job: Redis applies it first (one connection keeps its order), and
   * the job costs one round trip less than writing and then completing. Null on a Redis Cluster, where
   * a redirect during a failover could send the two on different ways.
   */
  completeWith: ((write: CompletionWrite) => void) | null;
}

/** A script to run just before a job completes (ActiveJob.completeWith). */
export interface CompletionWrite {
  script: LuaScript;
  keys: readonly string[];
  args: readonly (string | number)[];
  /** Hears the script's reply, or why it failed; BullMQ may have completed the job either way. */
  settled(outcome: { reply: unknown } | { error: Error }): void;
}

/** What to tell BullMQ about a failed attempt. */
export type FailureAction =
  | { kind: 'retry'; message: string }
  | { kind: 'fail'; message: string }
  | { kind: 'rate-limit'; delayMs: number; message: string }
  /**
   * Put this job back as delayed for `delayMs` (no attempt used): it could not start yet.
   * `afterDelayed` runs once it is delayed (a parked run checks whether it was woken too early).
   */
  | { kind: 'delay'; delayMs: number; message: string; afterDelayed?: () => Promise<void> }
  /** This worker is stopping: put the job back in the queue as it is (no attempt, no stall counted). */
  | { kind: 'hand-back'; message: string };

export interface QueueWorkerOptions {
  redisUrl: string;
  prefix: string;
  queueName?: string;
  /** Runs processed at once by this worker. @default WORKER_DEFAULTS.concurrency */
  concurrency?: number;
  /** How long a job lock lives without renewal. @default WORKER_DEFAULTS.lockDurationMs */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. @default WORKER_DEFAULTS.stalledIntervalMs */
  stalledIntervalMs?: number;
  /** Stall recoveries per job before it fails. @default WORKER_DEFAULTS.maxStalledCount */
  maxStalledCount?: number;
  handler(job: ActiveJob): Promise<unknown>;
  /** Maps a thrown value to a retry, a final failure or a fleet-wide pause. */
  classify(error: unknown, job: ActiveJob): FailureAction;
  /** Called when a job failed for good (retries exhausted, unrecoverable, or stalled too often). */
  onFinalFailure?(jobId: string, data: unknown, reason: string): void;
  onError?(error: Error): void;
}

export interface QueueWorker {
  /** Stops taking jobs; waits up to `graceMs` for running ones, then hands them back (they resume elsewhere). */
  close(graceMs?: number): Promise<void>;
}

/** After the grace period, how long a run may finish its request in flight before a hard abort. */
export const HAND_BACK_WAIT_MS = 8_000;
/**
 * Starts after which BullMQ fails a job ("started more than allowable limit"). Parks on a rate limit or
 * a concurrency line use no attempt but each wake is a start: this bounds endless loops, and the wake
 * fallback of a parked run grows with its starts (parkedFallbackMs) so a long wait in line stays under it.
 */
export const MAX_STARTED_ATTEMPTS = 1000;
/** After a hard abort, how long the handler may take to unwind and hand the run back. */
const HARD_ABORT_WAIT_MS = 2_000;

/** Starts a worker on the run queue. */
export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const name = options.queueName ?? RUN_QUEUE_NAME;
  const keys = keyLayout(options.prefix);
  const pauserConnection = openIoredis(options.redisUrl, 'producer');
  const workerConnection = openIoredis(options.redisUrl, 'worker');
  const pauser = new Queue(name, { connection: pauserConnection, prefix: keys.prefix });
  pauser.on('error', () => {});
  // Active jobs of this worker, so close() can wait for them with a deadline (BullMQ's close() waits
  // without one, and a later close(true) only returns the same pending promise).
  let active = 0;
  let idle: (() => void) | null = null;
  // Stopping a run after the grace period: first between requests (stop), then hard (abort).
  const stopping = new AbortController();
  const aborting = new AbortController();
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    active++;
    try {
      return await processJob(job, token, signal);
    } finally {
      active--;
      if (active === 0) idle?.();
    }
  };
  const ordered = parseRedisUrl(options.redisUrl).kind !== 'cluster';
  const processJob = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    let completion: CompletionWrite | null = null;
    const active: ActiveJob = {
      id: job.id ?? '',
      data: job.data,
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      stalledCounter: job.stalledCounter,
      attemptsAllowed: job.opts.attempts ?? 1,
      token: token ?? '',
      lockKey: keys.jobLock(job.id ?? '', name),
      signal: AbortSignal.any([signal ?? new AbortController().signal, aborting.signal]),
      stop: stopping.signal,
      progress: (value) => job.updateProgress(value),
      promote: (jobIds) => promoteJobs(pauser, jobIds),
      state: () => pauser.getJobState(job.id ?? ''),
      completeWith: ordered
        ? (write) => {
            completion = write;
          }
        : null,
    };
    try {
      const value = await options.handler(active);
      // Sent now, on the connection BullMQ completes the job on right after: Redis runs it first.
      const write = completion as CompletionWrite | null;
      if (write !== null) {
        evalScript(workerConnection, write.script, write.keys, write.args).then(
          (reply) => write.settled({ reply }),
          (error: unknown) => write.settled({ error: asError(error) }),
        );
      }
      return value;
    } catch (error) {
      const action = options.classify(error, active);
      if (action.kind === 'rate-limit') {
        await pauser.rateLimit(Math.max(1, Math.round(action.delayMs)));
        throw new RateLimitError();
      }
      if (action.kind === 'delay') {
        await job.moveToDelayed(systemClock.now() + Math.max(1, Math.round(action.delayMs)), token);
        await action.afterDelayed?.().catch((e: unknown) => options.onError?.(asError(e)));
        throw new DelayedError();
      }
      if (action.kind === 'hand-back') {
        // Back to waiting with its lock released: the next worker resumes it from its checkpoints at
        // once, with no attempt used and no stall counted (it did not stall, it was handed back).
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (action.kind === 'fail') throw new UnrecoverableError(action.message);
      throw new Error(action.message);
    }
  };
  const worker = new Worker(name, processor, {
    connection: workerConnection,
    prefix: keys.prefix,
    concurrency: options.concurrency ?? WORKER_DEFAULTS.concurrency,
    lockDuration: options.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount ?? WORKER_DEFAULTS.maxStalledCount,
    // Bounds loops of rate-limit pauses and concurrency-slot waits (neither uses an attempt).
    maxStartedAttempts: MAX_STARTED_ATTEMPTS,
    // The limiter must be set for queue.rateLimit() pauses to be checked (bullmq.md §2).
    limiter: { max: 10_000, duration: 1000 },
  });
  worker.on('error', (error) => options.onError?.(error));
  // A job that stalled more often than maxStalledCount is failed inside BullMQ's stalled-check script,
  // which emits no worker 'failed' event: look at each stalled job and report the final failure.
  worker.on('stalled', (jobId) => {
    void (async () => {
      const job = await pauser.getJob(jobId);
      if (job && (await job.getState()) === 'failed') {
        options.onFinalFailure?.(
          jobId,
          job.data,
          job.failedReason || 'job stalled more than allowable limit',
        );
      }
    })().catch((error: unknown) =>
      options.onError?.(error instanceof Error ? error : new Error(String(error))),
    );
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError ||
      error.name === 'UnrecoverableError' ||
      job.attemptsMade >= (job.opts.attempts ?? 1) ||
      /stalled more than allowable limit/.test(error.message);
    if (final) options.onFinalFailure?.(job.id ?? '', job.data, error.message);
  });
  return {
    async close(graceMs = WORKER_DEFAULTS.graceMs) {
      // Stop fetching and give running jobs `graceMs`. Then stop them between requests and hand them
      // back to the queue (another worker resumes them from their checkpoints, no stall counted);
      // a run still busy after HAND_BACK_WAIT_MS more is aborted hard and handed back the same way.
      // Only a run stuck even then is left to lapse into stalled-job recovery.
      await worker.pause(true);
      const untilIdle = (ms: number): Promise<void> => {
        if (active === 0) return Promise.resolve();
        let timer: NodeJS.Timeout | undefined;
        return new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, ms);
        }).finally(() => clearTimeout(timer));
      };
      await untilIdle(graceMs);
      if (active > 0) {
        stopping.abort();
        await untilIdle(HAND_BACK_WAIT_MS);
      }
      if (active > 0) {
        aborting.abort();
        await untilIdle(HARD_ABORT_WAIT_MS);
      }
      await worker.close(active > 0);
      await pauser.close();
      await quit(pauserConnection);
      await quit(workerConnection);
    },
  };
}
