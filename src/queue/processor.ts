/**
 * The function BullMQ calls for each run job, and the mapping from Talon failures to BullMQ signals
 * (style.md C4):
 *   - not retryable (validation, 4xx other than 429, bad job data)  -> UnrecoverableError (fail now)
 *   - Falcon rate limit (429)                                       -> pause the queue + RateLimitError
 *   - anything else                                                 -> rethrow (attempts + backoff)
 * No business logic: it validates the job, builds the fenced checkpoint store for this job's lock and
 * hands over to the executor (the engine).
 */
import type { CheckpointStore, RunEvents, RunStatus, StepRecord } from '../engine/ports.ts';
import {
  ERROR_CODES,
  isErrorCode,
  type Logger,
  type Secret,
  SoarError,
  toSoarError,
} from '../shared/index.ts';
import { createApprovalStore } from './approval-store.ts';
import type { ActiveJob, FailureAction, RedisClient } from './bullmq.ts';
import {
  createCheckpointStore,
  type DeferringCheckpointStore,
  type HeldCheckpoint,
} from './checkpoint-store.ts';
import { parseRunJobData, type RunJobData, runTenant, STORED_JOB_VERSION, withPlan } from './job-data.ts';
import { createPlanCache } from './plan-store.ts';
import { verifyRunJob } from './job-signature.ts';
import {
  type BufferedRunEvents,
  createRunEventBuffer,
  type RunEventBufferOptions,
} from './run-event-buffer.ts';
import { tenantStatField } from './tenant-stats.ts';
import type { KeyLayout } from './names.ts';
import { parkedFallbackMs, type RunSlots } from './run-slots.ts';
import type { RunRecordBatch, RunRecords } from './run-records.ts';
import {
  createRunRecorder,
  RECORDING_FIELD_PREFIX,
  RECORDING_MAX_BYTES,
  type RunRecorder,
} from './run-recording.ts';

/** How a run ended, as the executor reports it. */
export interface RunOutcome {
  status: RunStatus;
  /** `retryable` overrides the catalogue default of the code. */
  error: { code: string; message: string; retryable?: boolean; retryAfterMs?: number } | null;
  outputs: Record<string, unknown>;
  /** For 'waiting': the approval step the run parks at and its deadline (epoch ms). */
  waitStep?: string;
  waitUntil?: number;
}

/** Runs one playbook run (the engine, wired with a Falcon client). */
export type RunExecutor = (
  data: RunJobData,
  context: {
    checkpoints: CheckpointStore;
    events: RunEvents;
    signal: AbortSignal;
    attempt: number;
    /** Aborted when the worker stops past its grace period: stop between requests, hand the run back. */
    stop?: AbortSignal;
    /** Wraps the run's ports to keep its recording (run-recording.ts); absent: nothing is recorded. */
    recorder?: RunRecorder;
  },
) => Promise<RunOutcome>;

/** A failed run outcome carried through the BullMQ retry machinery. */
export class RunAttemptFailed extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;
  constructor(error: { code: string; message: string; retryable?: boolean; retryAfterMs?: number }) {
    super(`${error.code}: ${error.message}`);
    this.name = 'RunAttemptFailed';
    this.code = error.code;
    this.retryable = error.retryable ?? isRetryableCode(error.code);
    this.retryAfterMs = error.retryAfterMs ?? null;
  }
}

/**
 * Thrown when a run cannot start because its playbook's `concurrency` slots are taken (or earlier runs
 * wait for the free one): the run is parked in line, woken when a slot frees or after `delayMs`.
 */
export class RunSlotBusy extends Error {
  readonly delayMs: number;
  /** Runs once the job is parked. */
  readonly afterParked: (() => Promise<void>) | undefined;
  constructor(
    group: string,
    limit: number,
    delayMs: number,
    afterParked?: () => Promise<void>,
    what: 'playbook' | 'tenant' = 'playbook',
  ) {
    super(
      `${what} "${group}" already runs ${limit} time(s) at once (concurrency: ${limit}); waiting in line`,
    );
    this.name = 'RunSlotBusy';
    this.delayMs = delayMs;
    this.afterParked = afterParked;
  }
}

/**
 * Thrown when a run parks at an approval step: the job goes back as delayed until the deadline
 * (no attempt used, no worker and no concurrency slot held); a decision promotes it sooner.
 */
export class RunWaiting extends Error {
  readonly delayMs: number;
  /** Runs once the job is parked: wakes it at once if the approval was decided meanwhile. */
  readonly afterParked: () => Promise<void>;
  constructor(runId: string, step: string, delayMs: number, afterParked: () => Promise<void>) {
    super(`run ${runId} waits for approval step "${step}"`);
    this.name = 'RunWaiting';
    this.delayMs = delayMs;
    this.afterParked = afterParked;
  }
}

/** One concurrency cap a run must pass before it starts. */
interface Gate {
  slots: RunSlots;
  group: string;
  limit: number;
  what: 'playbook' | 'tenant';
}

/** Default pause when Falcon said 429 without a usable retry time. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 5000;

/** True for error codes a later attempt can fix (catalogue default; unknown codes are not retried). */
export function isRetryableCode(code: string): boolean {
  return isErrorCode(code) ? ERROR_CODES[code].retryable : false;
}

function isRateLimitCode(code: string): boolean {
  return /RATE_LIMIT/.test(code);
}

/** How long a job whose completion was sent may still show as active before that is taken as final. */
const COMPLETION_SETTLE_MS = 5000;

/** The job's state once BullMQ's completion, sent just after the final record, has been applied. */
async function settledState(job: ActiveJob): Promise<string> {
  const deadline = Date.now() + COMPLETION_SETTLE_MS;
  for (;;) {
    const state = await job.state();
    if (state !== 'active' || Date.now() >= deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Decides what BullMQ does with a failed attempt. Pure. */
export function classifyFailure(error: unknown): FailureAction {
  if (error instanceof RunSlotBusy) {
    return {
      kind: 'delay',
      delayMs: error.delayMs,
      message: error.message,
      ...(error.afterParked === undefined ? {} : { afterDelayed: error.afterParked }),
    };
  }
  if (error instanceof RunWaiting) {
    return { kind: 'delay', delayMs: error.delayMs, message: error.message, afterDelayed: error.afterParked };
  }
  if (error instanceof RunAttemptFailed) {
    if (isRateLimitCode(error.code)) {
      return {
        kind: 'rate-limit',
        delayMs: error.retryAfterMs ?? DEFAULT_RATE_LIMIT_PAUSE_MS,
        message: error.message,
      };
    }
    return { kind: error.retryable ? 'retry' : 'fail', message: error.message };
  }
  const soar = toSoarError(error);
  const message = `${soar.code}: ${soar.message}`;
  // Another worker owns the job now (or will, once the stall is noticed); never fail it from here.
  if (soar.code === 'SOAR_QUEUE_LOCK_LOST') return { kind: 'retry', message };
  // This worker is stopping: the run goes back to the queue as it is, no attempt and no stall counted.
  if (soar.code === 'SOAR_ENGINE_STOPPED') return { kind: 'hand-back', message };
  if (isRateLimitCode(soar.code)) {
    const after = soar.details['retryAfterMs'];
    return {
      kind: 'rate-limit',
      delayMs: typeof after === 'number' ? after : DEFAULT_RATE_LIMIT_PAUSE_MS,
      message,
    };
  }
  return { kind: soar.retryable ? 'retry' : 'fail', message };
}

export interface RunProcessorDeps {
  redis: RedisClient;
  keys: KeyLayout;
  records: RunRecords;
  execute: RunExecutor;
  /** Enforces each playbook's fleet-wide `concurrency`. */
  slots: RunSlots;
  /** Enforces each tenant's fleet-wide `concurrency` (tenants file), with `tenantConcurrency`. */
  tenantSlots?: RunSlots;
  /** The `concurrency` of a tenant; null = no cap of its own. */
  tenantConcurrency?: (tenant: string) => number | null;
  logger: Logger;
  now(): number;
  /** When set, only jobs signed with this key run; others fail at once, before any step. */
  signingKey?: Secret;
  /** Bound of each attempt's recording (run-recording.ts); 0 records nothing. @default RECORDING_MAX_BYTES */
  recordingMaxBytes?: number;
  /** 'tenant': a run failing with a 429 is parked alone instead of pausing the queue. @default 'queue' */
  rateLimitScope?: 'queue' | 'tenant';
}

/** True when BullMQ will run the attempt that failed with `error` again. */
function willRetry(job: ActiveJob, error: { code: string; retryable?: boolean }): boolean {
  return (
    isRateLimitCode(error.code) ||
    ((error.retryable ?? isRetryableCode(error.code)) && job.attemptsMade + 1 < job.attemptsAllowed)
  );
}

/**
 * One attempt of one run: its fenced checkpoint store, its coalesced run events (it is both the
 * engine's RunEvents and the event buffer's options) and its recording. A class, not closures: one is
 * made for every run, and methods on a prototype cost nothing per run (closures are allocated, and
 * named by tsx, each time).
 */
class RunAttempt implements RunEvents, RunEventBufferOptions {
  readonly records: RunRecords;
  readonly tenant: string;
  readonly tenantStats: string;
  readonly attemptsBefore: number;
  /** The job's first activation ever: nothing of it can be in Redis yet (JobFence.fresh). */
  readonly fresh: boolean;
  readonly checkpoints: DeferringCheckpointStore;
  readonly recorder: RunRecorder | undefined;
  /** A failed run is recorded once the outcome says whether BullMQ will try again ("retrying"). */
  readonly failure: { outputs: Record<string, unknown> | null } = { outputs: null };
  /** The final record carried the run's last checkpoint; if that write failed, the run is not done. */
  readonly finalWrite: { carriedCheckpoint: boolean; error: unknown } = {
    carriedCheckpoint: false,
    error: null,
  };
  /**
   * A succeeded run's final record, sent on the connection that completes its job just before the
   * completion (ActiveJob.completeWith): the run costs one round trip less, and Redis still applies
   * the record first.
   */
  succeededBatch: Promise<RunRecordBatch> | null = null;
  private readonly deps: RunProcessorDeps;
  private readonly job: ActiveJob;
  private readonly runId: string;
  private readonly log: Logger;
  /** One field per attempt: a resumed run's later attempts read nothing again that earlier ones read. */
  private readonly recordingField: string;
  private readonly buffered: BufferedRunEvents;

  constructor(deps: RunProcessorDeps, job: ActiveJob, data: RunJobData, log: Logger) {
    this.deps = deps;
    this.job = job;
    this.runId = data.runId;
    this.log = log;
    this.records = deps.records;
    this.tenant = runTenant(data);
    // The run's tenant counters ride in the same record scripts as the fleet's (no round trip of their own).
    this.tenantStats = tenantStatField(this.tenant, '');
    // Attempts killed before their events were written still count.
    this.attemptsBefore = job.attemptsMade + job.stalledCounter;
    const recordingBytes = deps.recordingMaxBytes ?? RECORDING_MAX_BYTES;
    this.recorder = recordingBytes > 0 ? createRunRecorder(data.trigger, recordingBytes) : undefined;
    this.recordingField = `${RECORDING_FIELD_PREFIX}${deps.now()}-${job.attemptsMade + 1}`;
    this.fresh = job.attemptsStarted <= 1 && job.attemptsMade === 0;
    // Saves are held for a moment so the last one goes out in the run's final record (one round trip less).
    this.checkpoints = createCheckpointStore(
      deps.redis,
      deps.keys,
      { lockKey: job.lockKey, token: job.token, fresh: this.fresh },
      { deferSaves: true },
    );
    // Coalesced: a one-step run writes its record once, at the end, unless it takes a while.
    this.buffered = createRunEventBuffer(data.runId, this);
  }

  // RunEventBufferOptions
  now(): number {
    return this.deps.now();
  }

  /** The dashboard's progress follows the record, one write behind at most. */
  onWrite(step: StepRecord): void {
    void this.job.progress({ step: step.id, status: step.status }).catch(() => undefined);
  }

  onError(error: unknown): void {
    this.log.warn({ error: toSoarError(error).message }, 'could not store run events');
  }

  takeCheckpoint(): HeldCheckpoint | null {
    const held = this.checkpoints.takePending();
    if (held !== null) this.finalWrite.carriedCheckpoint = true;
    return held;
  }

  takeRecording(): { field: string; json: string } | null {
    const recording = this.recorder?.take() ?? null;
    return recording === null ? null : { field: this.recordingField, json: JSON.stringify(recording) };
  }

  // RunEvents
  runStarted(runId: string, at: number): Promise<void> {
    return this.buffered.runStarted(runId, at);
  }

  stepUpdated(runId: string, step: StepRecord): Promise<void> {
    return this.buffered.stepUpdated(runId, step);
  }

  async runFinished(
    runId: string,
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<void> {
    // Cancelled only because this worker stopped hard: the run is handed back, not finished.
    if (status === 'cancelled' && this.job.stop.aborted) return;
    if (status === 'failed' && error) {
      this.failure.outputs = outputs;
      return;
    }
    if (status === 'succeeded' && this.job.completeWith !== null) {
      this.succeededBatch = this.buffered.takeFinal(status, outputs, error);
      return;
    }
    try {
      await this.buffered.runFinished(runId, status, outputs, error);
    } catch (writeError) {
      if (this.finalWrite.carriedCheckpoint) this.finalWrite.error = writeError;
      throw writeError;
    }
  }

  /**
   * Whatever the engine reported and was not written yet (a failed or crashed run's last steps), and
   * the recording of an attempt that did not finish the run (failed, parked, stopped).
   */
  async writeLeftovers(): Promise<void> {
    await this.buffered.flush().catch(() => undefined);
    const recording = this.takeRecording();
    if (recording !== null)
      await this.records.saveRecording(this.runId, recording.field, recording.json).catch(() => undefined);
  }
}

/** The handler, classifier and final-failure hook to give `startQueueWorker`. */
export function createRunProcessor(deps: RunProcessorDeps): {
  handler(job: ActiveJob): Promise<unknown>;
  classify(error: unknown): FailureAction;
  onFinalFailure(jobId: string, data: unknown, reason: string): void;
} {
  const approvals = createApprovalStore(deps.redis, deps.keys);
  const plans = createPlanCache(deps.redis, deps.keys);
  const runJob = async (job: ActiveJob, data: RunJobData): Promise<unknown> => {
    const log = deps.logger.child({ runId: data.runId, attempt: job.attemptsMade + 1 });
    const attempt = new RunAttempt(deps, job, data, log);
    const { checkpoints, recorder, failure, finalWrite, fresh, tenant } = attempt;
    // A worker killed after the run's final record (which drops its checkpoints) and before BullMQ
    // completed the job: the run is done, and running it again without checkpoints would repeat it.
    if (!fresh && (await deps.records.status(data.runId)) === 'succeeded') {
      log.info({ runId: data.runId }, 'run already succeeded; completing its job');
      return { status: 'succeeded' };
    }
    log.info({ playbook: data.playbook.name }, 'run started');
    const context: Parameters<RunExecutor>[1] = {
      checkpoints,
      events: attempt,
      signal: job.signal,
      stop: job.stop,
      attempt: job.attemptsMade + 1,
    };
    if (recorder !== undefined) context.recorder = recorder;
    const outcome = await deps
      .execute(data, context)
      // Whatever the engine reported and was not written yet (a failed or crashed run's last steps), and
      // the recording of an attempt that did not finish the run (failed, parked, stopped).
      .finally(() => attempt.writeLeftovers());
    // A save still held (a failed, stopped or parked run) is written before the run is recorded or parked;
    // a held save or a final record with the last checkpoint that failed fails the attempt (lock lost: retry).
    await checkpoints.settle();
    if (finalWrite.error !== null) throw finalWrite.error;
    if (outcome.status === 'waiting') {
      const step = outcome.waitStep ?? '?';
      const until = outcome.waitUntil ?? deps.now();
      await deps.records.markWaiting(data.runId, step, until);
      log.info({ step, until: new Date(until).toISOString() }, 'run waits for an approval');
      // A decision recorded while the job was being parked found it still active and could not wake it.
      const wakeIfDecided = async () => {
        if ((await approvals.get(data.runId, step))?.status !== 'open') await job.promote([data.runId]);
      };
      throw new RunWaiting(data.runId, step, until - deps.now(), wakeIfDecided);
    }
    if (outcome.status === 'cancelled' && job.stop.aborted) {
      throw new SoarError('SOAR_ENGINE_STOPPED', `run ${data.runId} was stopped by its worker shutting down`);
    }
    log.info({ status: outcome.status, error: outcome.error?.code ?? null }, 'run finished');
    const finalBatch = attempt.succeededBatch;
    if (finalBatch !== null) {
      const batch = await finalBatch;
      if (outcome.status === 'succeeded' && job.completeWith !== null) {
        sendWithCompletion(job, data.runId, batch);
        return { status: outcome.status };
      }
      // The engine said "succeeded" and then reported another outcome: record it the ordinary way.
      await deps.records.write(data.runId, batch);
    }
    if (outcome.status === 'failed') {
      const error = outcome.error ?? { code: 'SOAR_INTERNAL', message: 'run failed without an error' };
      const stored = { code: error.code, message: error.message };
      const retrying = willRetry(job, error);
      if (retrying) await deps.records.markRetrying(data.runId, stored);
      else await deps.records.runFinished(data.runId, 'failed', failure.outputs ?? {}, stored);
      // A final failure is counted once, by onFinalFailure (which also sees failures outside a run).
      if (retrying)
        await deps.records.incrementStat(tenantStatField(tenant, 'runs_retried')).catch(() => undefined);
      throw new RunAttemptFailed(error);
    }
    return { status: outcome.status };
  };
  /**
   * Hands a succeeded run's final record to the job's completion. When it did not land before the
   * completion (a Redis that lost its scripts ran it only after; a lost lock refused it), a job that
   * completed anyway still gets its record, unfenced and without the checkpoint (a completed run drops
   * its checkpoints); a job that did not complete is run again by its next owner, which records it.
   */
  const sendWithCompletion = (job: ActiveJob, runId: string, batch: RunRecordBatch): void => {
    const prepared = deps.records.prepareWrite(runId, batch);
    const repair = async (cause: unknown): Promise<void> => {
      const state = await settledState(job);
      if (state !== 'completed') {
        deps.logger.warn(
          { runId, state, error: toSoarError(cause).code },
          'final run record not written; the job did not complete and runs again',
        );
        return;
      }
      const { checkpoint: _dropped, ...unfenced } = batch;
      await deps.records.write(runId, unfenced);
    };
    job.completeWith?.({
      script: prepared.script,
      keys: prepared.keys,
      args: prepared.args,
      settled(outcome) {
        try {
          if ('error' in outcome) throw outcome.error;
          prepared.applied(outcome.reply);
        } catch (cause) {
          repair(cause).catch((error: unknown) =>
            deps.logger.warn(
              { runId, error: toSoarError(error).message },
              'could not store the final run record',
            ),
          );
        }
      },
    });
  };
  return {
    async handler(job) {
      const stored = parseRunJobData(job.data, job.id);
      let data: RunJobData;
      try {
        if (deps.signingKey !== undefined) verifyRunJob(stored, deps.signingKey);
        data =
          stored.v === STORED_JOB_VERSION
            ? withPlan(stored, await plans.get(stored.playbook.planDigest, job.id))
            : stored;
      } catch (error) {
        const code = toSoarError(error).code;
        if (code !== 'SOAR_QUEUE_REDIS_UNAVAILABLE') {
          deps.logger.error({ runId: stored.runId, code }, 'refused a run job');
          await deps.records.incrementStat('jobs_refused').catch(() => undefined);
        }
        throw error;
      }
      // Two fleet-wide caps, each with its line in enqueue order: the playbook's `concurrency` and
      // its tenant's (tenants file). A run holds the first while it waits for the second only as
      // long as it takes to ask: parked, it gives the first back.
      const gates: Gate[] = [];
      const limit = data.playbook.plan.concurrency;
      if (limit !== null)
        gates.push({ slots: deps.slots, group: data.playbook.name, limit, what: 'playbook' });
      const tenant = runTenant(data);
      const tenantLimit = deps.tenantConcurrency?.(tenant) ?? null;
      if (tenantLimit !== null && deps.tenantSlots !== undefined) {
        gates.push({ slots: deps.tenantSlots, group: tenant, limit: tenantLimit, what: 'tenant' });
      }
      // Most runs have no cap: they go straight to the run.
      if (gates.length === 0) return runJob(job, data);
      const held: Gate[] = [];
      const releaseHeld = async (): Promise<void> => {
        for (const gate of held.splice(0).reverse()) {
          await gate.slots
            .release(gate.group, data.runId, gate.limit, job)
            .then((heads) => job.promote(heads))
            .catch(() => undefined);
        }
      };
      for (const gate of gates) {
        const taken = await gate.slots.take(gate.group, data.runId, gate.limit);
        if (!taken.held) {
          await releaseHeld();
          throw new RunSlotBusy(
            gate.group,
            gate.limit,
            parkedFallbackMs(taken.place, job.attemptsStarted),
            async () => {
              // Parked now: if the slot was freed between our take and the park, nobody woke us.
              await job.promote(await gate.slots.heads(gate.group, gate.limit));
            },
            gate.what,
          );
        }
        held.push(gate);
      }
      try {
        return await runJob(job, data);
      } finally {
        await releaseHeld();
      }
    },
    classify:
      deps.rateLimitScope === 'tenant'
        ? (error) => {
            const action = classifyFailure(error);
            // Parked as delayed, no attempt used: the same as a fleet-wide pause, for this run only.
            return action.kind === 'rate-limit'
              ? { kind: 'delay', delayMs: action.delayMs, message: action.message }
              : action;
          }
        : classifyFailure,
    onFinalFailure(jobId, data, reason) {
      const runId =
        typeof data === 'object' && data !== null && typeof (data as { runId?: unknown }).runId === 'string'
          ? (data as { runId: string }).runId
          : jobId;
      const code = /^(SOAR_[A-Z0-9_]+): /.exec(reason)?.[1];
      const error = code
        ? { code, message: reason.slice(code.length + 2) }
        : { code: 'SOAR_QUEUE_STALLED', message: reason };
      deps.records.markFailed(runId, error, deps.now()).catch((e: unknown) => {
        deps.logger.warn({ runId, error: toSoarError(e).message }, 'could not record the failure');
      });
      const tenant = (data as { tenant?: unknown } | null)?.tenant;
      const name = typeof tenant === 'string' && /^[a-z][a-z0-9_-]{0,63}$/.test(tenant) ? tenant : 'default';
      deps.records.incrementStat(tenantStatField(name, 'runs_failed')).catch(() => undefined);
    },
  };
}
