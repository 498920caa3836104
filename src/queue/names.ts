/**
 * Queue names, Redis key layout and job ids, in one place. Every key Talon writes starts with the
 * configured prefix; BullMQ's own keys are `<prefix>:<queue>:...`. Job ids use '-' as separator and
 * never ':' (BullMQ reads ':' as a key separator) and are never all digits.
 */
import { createHash } from 'node:crypto';
import { slugify } from '../shared/index.ts';

export { slugify };

/** The queue that carries playbook runs. */
export const RUN_QUEUE_NAME = 'talon-runs';

/** Default key prefix. */
export const DEFAULT_PREFIX = 'talon';

/** Run records, checkpoints and intents live this long after their last write. */
export const RUN_RECORD_TTL_MS = 30 * 24 * 3600 * 1000;

/** A run id's enqueue claim lives this long: a late producer of the same id is a duplicate meanwhile. */
export const ENQUEUE_CLAIM_TTL_MS = 7 * 86_400_000;

/** Redis keys of one deployment (one prefix). */
export interface KeyLayout {
  prefix: string;
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
  /** Counter giving each enqueued run its sequence number (the order of a playbook's slot line). */
  runSeq(): string;
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
export function keyLayout(prefix: string = DEFAULT_PREFIX): KeyLayout {
  return {
    prefix,
    jobLock: (jobId, queueName = RUN_QUEUE_NAME) => `${prefix}:${queueName}:${jobId}:lock`,
    run: (runId) => `${prefix}:run:${runId}`,
    runSteps: (runId) => `${prefix}:run:${runId}:steps`,
    checkpoints: (runId) => `${prefix}:run:${runId}:cp`,
    intents: (runId) => `${prefix}:run:${runId}:intent`,
    runIndex: () => `${prefix}:runs`,
    finishedRuns: () => `${prefix}:runs:finished`,
    failedRuns: () => `${prefix}:runs:failed`,
    runSeq: () => `${prefix}:runs:seq`,
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
