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
  return new RunEventBuffer(runId, options);
}

/**
 * A class, not closures: one is made for every run, and methods on a prototype cost nothing per run
 * (closures are allocated, and named by tsx, each time).
 */
class RunEventBuffer implements BufferedRunEvents {
  private readonly runId: string;
  private readonly options: RunEventBufferOptions;
  private readonly delay: number;
  private startedAt: number | undefined = undefined;
  /** Latest record per step, in the order steps first changed since the last write. */
  private readonly steps = new Map<string, StepRecord>();
  private timer: NodeJS.Timeout | null = null;
  /** Writes go out one after another, so a later state never lands before an earlier one. */
  private writing: Promise<void> = Promise.resolve();

  constructor(runId: string, options: RunEventBufferOptions) {
    this.runId = runId;
    this.options = options;
    this.delay = options.flushAfterMs ?? RUN_EVENT_FLUSH_MS;
  }

  async runStarted(_runId: string, at: number): Promise<void> {
    this.startedAt = at;
    this.schedule();
  }

  async stepUpdated(_runId: string, step: StepRecord): Promise<void> {
    // Re-inserted so the map keeps the order of the latest changes.
    this.steps.delete(step.id);
    this.steps.set(step.id, step);
    this.schedule();
  }

  runFinished(
    _runId: string,
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<void> {
    return this.write({ status, outputs, error, at: this.options.now() });
  }

  flush(): Promise<void> {
    return this.write();
  }

  async takeFinal(
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<RunRecordBatch> {
    const batch = this.finalBatch({ status, outputs, error, at: this.options.now() });
    await this.writing;
    return batch;
  }

  private take(finished?: RunRecordBatch['finished']): RunRecordBatch | null {
    if (this.startedAt === undefined && this.steps.size === 0 && finished === undefined) return null;
    // Assigned field by field: spreads of conditional objects cost more than the rest of the batch.
    const batch: RunRecordBatch = {};
    if (this.options.tenantStats !== undefined) batch.tenantStats = this.options.tenantStats;
    if (this.startedAt !== undefined) {
      batch.startedAt = this.startedAt;
      batch.attemptsBefore = this.options.attemptsBefore ?? 0;
    }
    if (this.steps.size > 0) batch.steps = [...this.steps.values()];
    if (finished !== undefined) batch.finished = finished;
    this.startedAt = undefined;
    this.steps.clear();
    return batch;
  }

  private finalBatch(finished: NonNullable<RunRecordBatch['finished']>): RunRecordBatch {
    this.cancelTimer();
    const batch = this.take(finished) as RunRecordBatch;
    const checkpoint = this.options.takeCheckpoint?.() ?? null;
    if (checkpoint !== null) batch.checkpoint = checkpoint;
    const recording = this.options.takeRecording?.() ?? null;
    if (recording !== null) batch.recording = recording;
    return batch;
  }

  private write(finished?: RunRecordBatch['finished']): Promise<void> {
    this.cancelTimer();
    const batch = finished === undefined ? this.take() : this.finalBatch(finished);
    if (batch === null) return this.writing;
    const last = finished === undefined ? batch.steps?.at(-1) : undefined;
    const done = this.writing.then(async () => {
      await this.options.records.write(this.runId, batch);
      if (last) this.options.onWrite?.(last);
    });
    // A failed write must not block the ones after it; the caller of this write still sees it fail.
    this.writing = done.catch(() => undefined);
    return done;
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(writeAfterDelay, this.delay, this);
    this.timer.unref();
  }

  /**
   * Only for the timer (writeAfterDelay), once it fired: the delay after the first unwritten event ran
   * out. Anything else must use flush(), which also clears a pending timer.
   */
  writeOnTimer(): void {
    this.timer = null;
    this.write().catch((error: unknown) => this.options.onError?.(error));
  }
}

function writeAfterDelay(buffer: RunEventBuffer): void {
  buffer.writeOnTimer();
}
