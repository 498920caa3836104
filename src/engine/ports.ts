/**
 * CONTRACT: the ports through which the engine touches the world. The engine imports no got, bullmq,
 * ioredis, http or fs; src/queue and src/falcon provide implementations, tests may hand-write small
 * fakes of these interfaces for pure unit tests (integration tests use the real ones).
 * Change this file only together with every implementation.
 */
import type { ApprovalPort } from '../actions/approval-types.ts';
import type { Clock, Logger } from '../shared/index.ts';

/** One parsed Falcon answer (envelope). `resources` is always an array. */
export interface FalconResult {
  status: number;
  resources: unknown[];
  meta: Record<string, unknown>;
  errors: { code: number; message: string; id?: string }[];
  traceId: string | null;
}

/** Per-call options: the signal aborts the request (step timeout, run cancellation). */
export interface FalconCallOptions {
  signal?: AbortSignal;
}

/** The Falcon client as the engine sees it. src/falcon's FalconClient satisfies this structurally. */
export interface FalconPort {
  /** Calls one operation by operationId or PEP 8 name with keyword parameters. */
  call(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): Promise<FalconResult>;
  /** Yields each page of a query operation (offset or after style) until the end. */
  pages(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): AsyncIterable<FalconResult>;
}

/** A step's (or one batch's) durable result. */
export interface Checkpoint {
  /** "step:<id>" or "step:<id>:batch:<n>" or "step:<id>:item:<n>". */
  key: string;
  status: 'succeeded' | 'failed' | 'skipped';
  output: unknown;
  /** Epoch ms. */
  at: number;
}

/**
 * Durable checkpoints of one run, in Redis. `save` must refuse (throw a SoarError with code
 * SOAR_QUEUE_LOCK_LOST) when the caller no longer holds the run's job lock, so a worker that lost its
 * job cannot overwrite what the new owner wrote.
 */
export interface CheckpointStore {
  load(runId: string): Promise<Map<string, Checkpoint>>;
  save(runId: string, checkpoint: Checkpoint): Promise<void>;
  /** Marks a write as started before its request goes out (for reconciliation after a crash). */
  markIntent(runId: string, key: string, detail: unknown): Promise<void>;
  /** Intents recorded but never followed by a checkpoint: writes whose outcome is unknown. */
  pendingIntents(runId: string): Promise<Map<string, unknown>>;
}

/** Where a step is in its life. */
/** 'waiting': an approval step waits for people; the run is parked (it holds no worker). */
export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped';

/** Per-step record for `talon runs show`. */
export interface StepRecord {
  id: string;
  status: StepStatus;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  attempts: number;
  apiCalls: number;
  /** Items a write step targeted. */
  targets: number | null;
  error: { code: string; message: string } | null;
  /** True when the output came from a checkpoint (resumed run). */
  resumed: boolean;
  /**
   * What the engine had to decide on the way, for people reading the record: writes reconciled after
   * a crash, IOCs that already existed, idempotent writes re-issued. Absent when there is nothing.
   */
  notes?: readonly string[];
}

/** Where a run is in its life. */
/** 'waiting': parked at an approval step until a decision or its deadline. */
export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

/** Events the engine emits while it runs; the queue layer stores them as the run record. */
export interface RunEvents {
  runStarted(runId: string, at: number): Promise<void>;
  stepUpdated(runId: string, step: StepRecord): Promise<void>;
  runFinished(
    runId: string,
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<void>;
}

/** One call of an action that reaches another service (notify.*, http.request) or composes Falcon calls. */
export interface ActionCall {
  runId: string;
  stepId: string;
  playbook: string;
  signal: AbortSignal;
  /** The run's Falcon client (rtr.run_command runs a batch of RTR calls through it). */
  falcon?: FalconPort;
}

/**
 * Actions that reach services other than Falcon. src/actions' createActionRunner satisfies this; it
 * resolves named secrets at call time, so params (and job data) only ever hold secret names.
 */
export interface ActionPort {
  has(name: string): boolean;
  /** After a crash between sending and checkpointing: send again (at-least-once) or fail the run. */
  whenOutcomeUnknown(name: string, params: Readonly<Record<string, unknown>>): 'resend' | 'fail';
  run(name: string, params: Readonly<Record<string, unknown>>, call: ActionCall): Promise<unknown>;
}

/** Everything the engine touches outside itself. */
export interface EnginePorts {
  /** Absent where no action runner is wired (a step using one then fails SOAR_ENGINE_UNKNOWN_ACTION). */
  actions?: ActionPort;
  falcon: FalconPort;
  checkpoints: CheckpointStore;
  events: RunEvents;
  clock: Clock;
  logger: Logger;
  /** Where approval steps record their requests and read decisions; absent: approval steps fail. */
  approvals?: ApprovalPort;
}
