/**
 * Run events of one run attempt, coalesced before they reach the run records. A one-step run used to
 * cost four record writes (started, step running, step succeeded, finished); most of them describe a
 * state that lasted microseconds. Here every event is buffered and the buffer is written:
 *   - `flushAfterMs` after the first unwritten event, so a step that takes a while shows as running
 *     (and a long run shows each step as it finishes) with at most that delay;
 *   - at once, together with everything unwritten, when the run finishes (`runFinished`) or the
 *     processor asks (`flush`, before it records a retry or a failure).
 * Run records are observability, not durability: a crash loses at most `flushAfterMs` of records, and
 * the run's next attempt writes them again. Checkpoints never go through here.
 */
import type { RunEvents, RunStatus, StepRecord } from '../engine/ports.ts';
import type { HeldCheckpoint } from './checkpoint-store.ts';
import type { RunRecordBatch, RunRecords } from './run-records.ts';

/** How long an event may wait before it is written. */
export const RUN_EVENT_FLUSH_MS = 200;

export interface BufferedRunEvents extends RunEvents {
  /** Writes whatever is buffered; resolves when it is stored. */
  flush(): Promise<void>;
  /**
   * The run's final batch, as `runFinished` would write it (everything unwritten, the held checkpoint
   * and the recording), for the caller to send itself; resolves once the writes before it are stored,
   * so whatever connection sends it, it lands after them.
   */
  takeFinal(
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<RunRecordBatch>;
}

export interface RunEventBufferOptions {
  records: RunRecords;
  now(): number;
  /** Attempts of this run that started before this one (see RunRecordBatch). @default 0 */
  attemptsBefore?: number;
  /** @default RUN_EVENT_FLUSH_MS */
  flushAfterMs?: number;
  /**
   * Called with the last step record of each write while the run goes on (BullMQ job progress for the
   * dashboard); not for the final write: the job completes right after it.
   */
  onWrite?(lastStep: StepRecord): void;
  /** The run's last checkpoint, if one is held, to write with the final record in the same script. */
  takeCheckpoint?(): HeldCheckpoint | null;
  /** The attempt's recording (run-recording.ts), to write with the final record. */
  takeRecording?(): { field: string; json: string } | null;
  /** The run's per-tenant stats prefix, carried by every write (RunRecordBatch.tenantStats). */
  tenantStats?: string;
  /** A timed write failed (records are best effort: the run goes on). */
  onError?(error: unknown): void;
}

/** Coalescing RunEvents for the attempt of one run (`runId`). */
export function createRunEventBuffer(runId: string, options: RunEventBufferOptions): BufferedRunEvents {
  const delay = options.flushAfterMs ?? RUN_EVENT_FLUSH_MS;
  let startedAt: number | undefined;
  // Latest record per step, in the order steps first changed since the last write.
  const steps = new Map<string, StepRecord>();
  let timer: NodeJS.Timeout | null = null;
  // Writes go out one after another, so a later state never lands before an earlier one.
  let writing: Promise<void> = Promise.resolve();

  const take = (finished?: RunRecordBatch['finished']): RunRecordBatch | null => {
    if (startedAt === undefined && steps.size === 0 && finished === undefined) return null;
    // Assigned field by field: spreads of conditional objects cost more than the rest of the batch.
    const batch: RunRecordBatch = {};
    if (options.tenantStats !== undefined) batch.tenantStats = options.tenantStats;
    if (startedAt !== undefined) {
      batch.startedAt = startedAt;
      batch.attemptsBefore = options.attemptsBefore ?? 0;
    }
    if (steps.size > 0) batch.steps = [...steps.values()];
    if (finished !== undefined) batch.finished = finished;
    startedAt = undefined;
    steps.clear();
    return batch;
  };
  const takeFinal = (finished: NonNullable<RunRecordBatch['finished']>): RunRecordBatch => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const batch = take(finished) as RunRecordBatch;
    const checkpoint = options.takeCheckpoint?.() ?? null;
    if (checkpoint !== null) batch.checkpoint = checkpoint;
    const recording = options.takeRecording?.() ?? null;
    if (recording !== null) batch.recording = recording;
    return batch;
  };
  const write = (finished?: RunRecordBatch['finished']): Promise<void> => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const batch = finished === undefined ? take() : takeFinal(finished);
    if (batch === null) return writing;
    const last = finished === undefined ? batch.steps?.at(-1) : undefined;
    const done = writing.then(async () => {
      await options.records.write(runId, batch);
      if (last) options.onWrite?.(last);
    });
    // A failed write must not block the ones after it; the caller of this write still sees it fail.
    writing = done.catch(() => undefined);
    return done;
  };
  const schedule = (): void => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      write().catch((error: unknown) => options.onError?.(error));
    }, delay);
    timer.unref();
  };

  return {
    async runStarted(_runId, at) {
      startedAt = at;
      schedule();
    },
    async stepUpdated(_runId, step) {
      // Re-inserted so the map keeps the order of the latest changes.
      steps.delete(step.id);
      steps.set(step.id, step);
      schedule();
    },
    runFinished(_runId, status: RunStatus, outputs, error) {
      return write({ status, outputs, error, at: options.now() });
    },
    flush: () => write(),
    async takeFinal(status, outputs, error) {
      const batch = takeFinal({ status, outputs, error, at: options.now() });
      await writing;
      return batch;
    },
  };
}
