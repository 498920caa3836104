/**
 * Enqueueing runs: one entry point for the CLI, cron, webhook and poll triggers. The job id IS the run
 * id, so a deterministic run id (a cron slot, a poll item) makes a second producer of the same run a
 * no-op. The overlap policy 'skip' uses BullMQ deduplication keyed by playbook: while one run of the
 * playbook is unfinished anywhere in the fleet, another is not added.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { type Clock, newRunId, type Secret, systemClock } from '../shared/index.ts';
import { type AddResult, connectRedis, createRunQueue, type RedisClient, type RunQueue } from './bullmq.ts';
import { type RunJobData, type RunTrigger, toRunJobData, toStoredRunJob } from './job-data.ts';
import { planReference } from './plan-store.ts';
import { signRunJob } from './job-signature.ts';
import { DEFAULT_PREFIX, type KeyLayout, keyLayout, slugify } from './names.ts';
import { createRunRecords, type RunRecords } from './run-records.ts';

export interface EnqueueRequest {
  plan: CompiledPlaybook;
  /** Already resolved against the playbook's declarations. */
  inputs: Record<string, unknown>;
  trigger: RunTrigger;
  dryRun?: boolean;
  /** A deterministic run id (cron slot, poll item); default a new unique id. */
  runId?: string;
  /** 'skip': add nothing while another run of this playbook is unfinished. @default 'queue' */
  overlap?: 'skip' | 'queue';
  /** The tenant the run acts in (a trigger's `tenant:`); default: the playbook's, else `default`. */
  tenant?: string | null;
  /** MSSP: the child CID the run acts in (set by the fan-out of a `children:` playbook). */
  child?: string | null;
}

export interface EnqueueResult {
  runId: string;
  /** 'added'; 'duplicate' (this run id was already enqueued); 'skipped' (overlap policy). */
  outcome: 'added' | 'duplicate' | 'skipped';
  /** For 'skipped': the unfinished run that caused it. */
  blockingRunId: string | null;
}

/** Everything a producer or reader of runs needs, on one Redis deployment. */
export interface TalonQueue {
  readonly keys: KeyLayout;
  readonly queue: RunQueue;
  readonly redis: RedisClient;
  readonly records: RunRecords;
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
  close(): Promise<void>;
}

export interface TalonQueueOptions {
  redisUrl: string;
  /** @default 'talon' */
  prefix?: string;
  clock?: Clock;
  /** Attempts per run. @default 5 */
  attempts?: number;
  /** First retry delay. @default 2000 */
  backoffMs?: number;
  /** Signs every job (TALON_JOB_SIGNING_KEY); workers holding the key run only signed jobs. */
  signingKey?: Secret;
}

/** Opens the run queue, a Redis client and the run records. */
export function openTalonQueue(options: TalonQueueOptions): TalonQueue {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const clock = options.clock ?? systemClock;
  const keys = keyLayout(prefix);
  const redis = connectRedis(options.redisUrl, 'producer');
  const queue = createRunQueue({
    redisUrl: options.redisUrl,
    prefix,
    ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
    ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
  });
  const records = createRunRecords(redis, keys, clock);
  return {
    keys,
    queue,
    redis,
    records,
    enqueue: (request) => enqueueRun(queue, records, request, clock, options.signingKey),
    async close() {
      await queue.close();
      await redis.close();
    },
  };
}

/** Adds a run job and its "queued" run record. */
export async function enqueueRun(
  queue: RunQueue,
  records: RunRecords,
  request: EnqueueRequest,
  clock: Clock = systemClock,
  signingKey?: Secret,
): Promise<EnqueueResult> {
  const now = clock.now();
  const runId = request.runId ?? newRunId(now);
  const data = toRunJobData({
    runId,
    plan: request.plan,
    inputs: request.inputs,
    trigger: request.trigger,
    dryRun: request.dryRun ?? false,
    enqueuedAt: now,
    tenant: request.tenant ?? request.plan.tenant ?? null,
    child: request.child ?? null,
  });
  // The job names its plan by digest; the plan itself is stored by the queued-record script below.
  const stored = toStoredRunJob(data, planReference(request.plan).digest);
  const job = signingKey === undefined ? stored : signRunJob(stored, signingKey);
  const dedupeId = request.overlap === 'skip' ? `pb-${slugify(request.plan.name)}` : undefined;
  // Claim and "queued" record in one command before the add: a worker may take the job at once. A run
  // id generated here cannot be produced twice, so it takes no claim (the claims of deterministic ids
  // are kept ENQUEUE_CLAIM_TTL_MS and are the one per-run cost retention cannot bound by count).
  const claimed =
    request.runId === undefined
      ? await records.claimAndRecordQueued(data, { claim: false })
      : await claimOrAdopt(queue, records, data);
  if (!claimed) return { runId, outcome: 'duplicate', blockingRunId: null };
  let added: AddResult;
  try {
    added = await queue.add(runId, job, { claimed: true, ...(dedupeId === undefined ? {} : { dedupeId }) });
  } catch (error) {
    // queue.add released the claim; the run does not exist, so neither does its record.
    await records.unrecordQueued(runId).catch(() => undefined);
    throw error;
  }
  if (added.outcome === 'added') return { runId, outcome: 'added', blockingRunId: null };
  await records.unrecordQueued(runId).catch(() => undefined);
  if (added.outcome === 'duplicate') return { runId, outcome: 'duplicate', blockingRunId: null };
  return { runId, outcome: 'skipped', blockingRunId: added.existingJobId };
}

/**
 * A claim whose job is still missing this long after it was taken is an orphan: a live producer adds
 * its job one round trip after claiming.
 */
const ORPHANED_CLAIM_AFTER_MS = 2000;
const CLAIM_POLL_MS = 50;

/**
 * Takes the run id's claim (true), or finds it taken: false for a real duplicate, true when the claim
 * is an orphan this producer adopts. A producer killed (kill -9) between its claim and its add leaves
 * the claim and a "queued" record but no job; without adoption the producer replaying the run (a
 * restarted stream holder, a redelivered webhook) would be refused for the claim's whole TTL and the
 * run would never happen. The job is looked up before the record: a job that ran and was removed
 * (removeOnComplete) had its record finished first, so it is never taken for an orphan. A claim
 * younger than ORPHANED_CLAIM_AFTER_MS may belong to a producer about to add: it is watched until its
 * job appears (a duplicate) or it is old enough (an orphan). A live producer slower than that finds
 * the adopted job when it adds (BullMQ keeps one job per id); only if that job had already run and
 * been removed by retention in between would it add a second. Real time, not the injected clock: the
 * claim's age is Redis' time.
 */
async function claimOrAdopt(queue: RunQueue, records: RunRecords, data: RunJobData): Promise<boolean> {
  const { runId } = data;
  for (;;) {
    if (await records.claimAndRecordQueued(data)) return true;
    if ((await queue.state(runId)) !== 'unknown') return false;
    if ((await records.status(runId)) !== 'queued') return false;
    const age = await records.claimAgeMs(runId);
    // The claim went away meanwhile (its producer's add failed): claim again.
    if (age === null) continue;
    if (age >= ORPHANED_CLAIM_AFTER_MS) return true;
    await sleep(Math.min(CLAIM_POLL_MS, ORPHANED_CLAIM_AFTER_MS - age));
  }
}
