/**
 * Queue names, Redis key layout and job ids, in one place. Job ids use '-' as separator and never ':'
 * (BullMQ reads ':' as a key separator) and are never all digits.
 *
 * Every key Talon writes, BullMQ's included, starts with the deployment's prefix wrapped in a Redis
 * Cluster hash tag: `{talon}:run:<id>`, `{talon}:talon-runs:<jobId>:lock`, ... Only the text between
 * the first `{` and `}` decides a key's slot, so all keys of one deployment live in ONE slot: every Lua
 * script (which may only touch keys of one slot) and every multi-key command (MGET, DEL a b, a
 * pipeline whose order matters) works on a Redis Cluster as on one Redis. The price: one deployment's
 * queue lives on one master (spread deployments, not keys, to use more masters). The tag is there on
 * one Redis too, so there is one layout, tested everywhere (docs/deploying.md: the key names changed
 * from `talon:` to `{talon}:` in 0.2, drain the queue before upgrading).
 */
import { createHash } from 'node:crypto';
import { SoarError, slugify } from '../shared/index.ts';

export { slugify };

/** The queue that carries playbook runs. */
export const RUN_QUEUE_NAME = 'talon-runs';

/** Default key prefix. */
export const DEFAULT_PREFIX = 'talon';

/** Run records, checkpoints and intents live this long after their last write. */
export const RUN_RECORD_TTL_MS = 30 * 24 * 3600 * 1000;

/** A run id's enqueue claim lives this long: a late producer of the same id is a duplicate meanwhile. */
export const ENQUEUE_CLAIM_TTL_MS = 7 * 86_400_000;

/**
 * The prefix with its hash tag: `talon` -> `{talon}`. A prefix that already has a non-empty tag keeps
 * it (`{acme}:talon` stays), so applying this twice changes nothing.
 */
export function taggedPrefix(prefix: string): string {
  if (prefix === '') throw new SoarError('SOAR_CONFIG_INVALID', 'the Redis key prefix is empty');
  if (/\{[^}]+\}/.test(prefix)) return prefix;
  if (/[{}]/.test(prefix))
    throw new SoarError('SOAR_CONFIG_INVALID', `Redis key prefix "${prefix}" has an unbalanced { or }`);
  return `{${prefix}}`;
}

/** Redis keys of one deployment (one prefix). */
export interface KeyLayout {
  /** The hash-tagged prefix every key starts with (`{talon}`): BullMQ's `prefix` option too. */
  prefix: string;
  /** BullMQ's hash of a job: `<prefix>:<queue>:<jobId>`. */
  job(jobId: string, queueName?: string): string;
  /** Start of every BullMQ key of a queue's jobs: `<prefix>:<queue>:`. */
  jobKeyPrefix(queueName?: string): string;
  /** BullMQ's lock key of a job: `<prefix>:<queue>:<jobId>:lock` (bullmq.md §9.3, verified). */
  jobLock(jobId: string, queueName?: string): string;
  run(runId: string): string;
  runSteps(runId: string): string;
  checkpoints(runId: string): string;
  intents(runId: string): string;
  runIndex(): string;
  /** Succeeded and cancelled runs by finish time (zset): what count-bounded retention trims. */
  finishedRuns(): string;
  /** Failed runs by finish time (zset): trimmed by count apart from the others (run-retention.ts). */
  failedRuns(): string;
  /** Set once the finished runs recorded before those two indexes existed were added to them. */
  finishedRunsBackfilled(): string;
  /** Counter giving each enqueued run its sequence number (the order of a playbook's slot line). */
  runSeq(): string;
  /** A compiled plan that run jobs refer to, as JSON, by the SHA-256 of that JSON (plan-store.ts). */
  plan(digest: string): string;
  /** Run ids holding one of a playbook's `concurrency` slots (set). */
  slots(playbookSlug: string): string;
  /** Run ids waiting for a playbook's slot, by enqueue sequence (zset). */
  slotLine(playbookSlug: string): string;
  stats(): string;
  enqueueClaim(jobId: string): string;
  rateBucket(tenant: string): string;
  rateBlocked(tenant: string): string;
  cronLast(playbookSlug: string): string;
  schedulerEvents(): string;
  pollSeen(playbookSlug: string): string;
  pollCursor(playbookSlug: string): string;
  webhookNonce(signature: string): string;
  /** One approval step of a run: its request, votes and decision (JSON). */
  approval(runId: string, stepId: string): string;
  /** Open approvals by deadline (members `<runId>/<stepId>`). */
  approvalsOpen(): string;
  /** Every approval decision, newest first (capped list of JSON entries). */
  approvalsAudit(): string;
  /** The stream lease of a tenant: `<holder id>|<fencing token>`, with a TTL. */
  streamLease(tenant: string): string;
  /** Counter that hands out fencing tokens, one per lease taken. */
  streamFence(tenant: string): string;
  /** Last committed offset of a partition (every matching event at or below it is enqueued). */
  streamOffset(tenant: string, partition: number): string;
  /** The stream's state for /healthz and metrics (a hash written by the holder). */
  streamStatus(tenant: string): string;
  /** The last offset a batch run starting at `firstOffset` covers, fixed before it is enqueued. */
  streamBatchSeal(tenant: string, playbookSlug: string, partition: number, firstOffset: number): string;
}

/** The key layout for `prefix`. */
export function keyLayout(untagged: string = DEFAULT_PREFIX): KeyLayout {
  const prefix = taggedPrefix(untagged);
  return {
    prefix,
    job: (jobId, queueName = RUN_QUEUE_NAME) => `${prefix}:${queueName}:${jobId}`,
    jobKeyPrefix: (queueName = RUN_QUEUE_NAME) => `${prefix}:${queueName}:`,
    jobLock: (jobId, queueName = RUN_QUEUE_NAME) => `${prefix}:${queueName}:${jobId}:lock`,
    run: (runId) => `${prefix}:run:${runId}`,
    runSteps: (runId) => `${prefix}:run:${runId}:steps`,
    checkpoints: (runId) => `${prefix}:run:${runId}:cp`,
    intents: (runId) => `${prefix}:run:${runId}:intent`,
    runIndex: () => `${prefix}:runs`,
    finishedRuns: () => `${prefix}:runs:finished`,
    failedRuns: () => `${prefix}:runs:failed`,
    finishedRunsBackfilled: () => `${prefix}:runs:backfilled`,
    runSeq: () => `${prefix}:runs:seq`,
    plan: (digest) => `${prefix}:plan:${digest}`,
    slots: (slug) => `${prefix}:slots:${slug}`,
    slotLine: (slug) => `${prefix}:slots:${slug}:line`,
    stats: () => `${prefix}:stats`,
    enqueueClaim: (jobId) => `${prefix}:claim:${jobId}`,
    rateBucket: (tenant) => `${prefix}:rl:{${tenant}}:bucket`,
    rateBlocked: (tenant) => `${prefix}:rl:{${tenant}}:blocked`,
    cronLast: (slug) => `${prefix}:cron:${slug}:last`,
    schedulerEvents: () => `${prefix}:scheduler:events`,
    pollSeen: (slug) => `${prefix}:poll:${slug}:seen`,
    pollCursor: (slug) => `${prefix}:poll:${slug}:cursor`,
    webhookNonce: (signature) => `${prefix}:webhook:nonce:${signature}`,
    approval: (runId, stepId) => `${prefix}:run:${runId}:approval:${stepId}`,
    approvalsOpen: () => `${prefix}:approvals:open`,
    approvalsAudit: () => `${prefix}:approvals:audit`,
    streamLease: (tenant) => `${prefix}:stream:{${tenant}}:lease`,
    streamFence: (tenant) => `${prefix}:stream:{${tenant}}:fence`,
    streamOffset: (tenant, partition) => `${prefix}:stream:{${tenant}}:offset:${partition}`,
    streamStatus: (tenant) => `${prefix}:stream:{${tenant}}:status`,
    streamBatchSeal: (tenant, slug, partition, first) =>
      `${prefix}:stream:{${tenant}}:seal:${slug}:${partition}:${first}`,
  };
}

/** Short stable hash of any text (for ids built from foreign values such as Falcon ids). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Run id of a cron tick: the same for every scheduler that fires the same slot. */
export function cronRunId(playbookName: string, slotMs: number): string {
  return `run-cron-${slugify(playbookName)}-${slotMs}`;
}

/** Run id of a poll result (one item, or the batch of ids): the same for every poller that sees it. */
export function pollRunId(playbookName: string, itemKey: string): string {
  return `run-poll-${slugify(playbookName)}-${shortHash(itemKey)}`;
}

/** Run id of a stream event (or of a batch, by its first event): the same for every holder that reads it. */
export function streamRunId(playbookName: string, partition: number, offset: number): string {
  return `run-stream-${slugify(playbookName)}-p${partition}-o${offset}`;
}

/** True when `id` is usable as a run id and BullMQ job id. */
export function isValidRunId(id: string): boolean {
  return /^run-[a-z0-9-]{1,160}$/.test(id);
}
