/**
 * A run's recording: what `talon test --record <run-id>` turns into a test fixture after the run has
 * finished (its checkpoints are gone by then, and a step's checkpoint holds only what its `select:`
 * kept). The run worker wraps the run's ports for each attempt and keeps, in memory:
 *   - the trigger's data (webhook body, stream event, poll item: what expressions read as `trigger`);
 *   - the entity records each Falcon read answered (not the ids of queries: the world is built from
 *     entities), and the operation and parameters of each Falcon write;
 *   - the output of each action that reaches another service (the test's stand-ins), without the
 *     response headers of HTTP calls (they may carry cookies or tokens of that service);
 *   - how each approval step was decided.
 * At the end of the attempt the recording is stored as one JSON field of the run's record hash
 * (`recording:<attempt start>`), so it lives and is pruned exactly as long as the record. Nothing
 * secret is in it: job data holds no secrets, webhook headers and signatures never reach the job,
 * action parameters (where secret names are resolved) are not kept, and Falcon credentials live in
 * the client.
 *
 * Size bound: at most `maxBytes` (default RECORDING_MAX_BYTES, 256 KiB) of JSON per attempt; what does
 * not fit is counted in `omittedBytes` and left out, and `talon test --record` refuses such a run.
 * Redis memory for recordings is therefore at most that bound times the runs kept (retention).
 */
import type { ApprovalPort, ApprovalRecord, ApprovalRequest } from '../actions/approval-types.ts';
import { jsonSizeUpTo } from '../engine/index.ts';
import type { ActionCall, ActionPort, FalconCallOptions, FalconPort, FalconResult } from '../engine/ports.ts';
import { findOperation } from '../falcon/operations/index.ts';
import type { RunTrigger } from './job-data.ts';

/** Largest recording one run attempt keeps, in approximate JSON bytes. */
export const RECORDING_MAX_BYTES = 256 * 1024;

/** Run hash fields holding recordings start with this (one field per attempt). */
export const RECORDING_FIELD_PREFIX = 'recording:';

export interface RecordedRead {
  operation: string;
  /** The entity records of the answer (all pages). */
  resources: unknown[];
  /** Writes this attempt had made before the read: a record read after a write may be its result. */
  writesBefore: number;
}

export interface RecordedWrite {
  operation: string;
  params: Record<string, unknown>;
}

export interface RecordedAction {
  action: string;
  output: unknown;
}

export interface RecordedApproval {
  step: string;
  /** The decision; null when a timeout failed the step. */
  choice: string | null;
  by: string[];
  reason: string | null;
  timedOut: boolean;
}

export interface RunRecording {
  v: 1;
  trigger: { type: RunTrigger['type']; data: unknown };
  reads: RecordedRead[];
  writes: RecordedWrite[];
  actions: RecordedAction[];
  approvals: RecordedApproval[];
  /** Approximate JSON bytes left out because the recording reached its bound. */
  omittedBytes: number;
}

/** Wraps a run attempt's ports and collects its recording. */
export interface RunRecorder {
  falcon(port: FalconPort): FalconPort;
  actions(port: ActionPort): ActionPort;
  approvals(port: ApprovalPort): ApprovalPort;
  /** The recording so far, the trigger's data at least (once: later calls return null until something new is recorded). */
  take(): RunRecording | null;
}

export function createRunRecorder(trigger: RunTrigger, maxBytes = RECORDING_MAX_BYTES): RunRecorder {
  return new AttemptRecorder(trigger, maxBytes);
}

/**
 * One attempt's recorder. A class, not closures: one is made for every run, and methods on a prototype
 * cost nothing per run (closures are allocated, and named by tsx, each time).
 */
class AttemptRecorder implements RunRecorder {
  private recording: RunRecording | null = null;
  private taken = false;
  private used = 0;

  private readonly trigger: RunTrigger;
  private readonly maxBytes: number;

  constructor(trigger: RunTrigger, maxBytes: number) {
    this.trigger = trigger;
    this.maxBytes = maxBytes;
  }

  falcon(port: FalconPort): FalconPort {
    return new RecordingFalcon(port, this);
  }

  actions(port: ActionPort): ActionPort {
    return new RecordingActions(port, this);
  }

  approvals(port: ApprovalPort): ApprovalPort {
    return new RecordingApprovals(port, this);
  }

  take(): RunRecording | null {
    if (this.taken) return null;
    // Even an attempt that read and wrote nothing (a failed check) keeps its trigger's data.
    const whole = this.current();
    this.taken = true;
    return whole;
  }

  private current(): RunRecording {
    if (this.recording === null) {
      this.recording = {
        v: 1,
        trigger: { type: this.trigger.type, data: this.trigger.data ?? null },
        reads: [],
        writes: [],
        actions: [],
        approvals: [],
        omittedBytes: 0,
      };
      this.used = jsonSizeUpTo(this.recording, Number.POSITIVE_INFINITY);
    }
    this.taken = false;
    return this.recording;
  }

  /**
   * Adds the entry `make()` builds with `push` when `measured` fits in what is left of the bound.
   * Measuring stops at the bound and `make` (which copies) runs only for what is kept: a run reading
   * 20,000 summaries must not pay for a full walk or copy of them. The first entry that does not fit
   * makes the recording unusable (`talon test --record` refuses it), so nothing is measured after it,
   * and omittedBytes is a lower bound.
   */
  private keep<T>(measured: unknown, make: () => T, push: (r: RunRecording, entry: T) => void): void {
    const r = this.current();
    if (r.omittedBytes > 0) return;
    const left = this.maxBytes - this.used;
    const size = jsonSizeUpTo(measured, left + this.maxBytes);
    if (size > left) {
      r.omittedBytes = Math.max(1, size - left);
      return;
    }
    this.used += size;
    push(r, make());
  }

  noteCall(operation: string, params: Record<string, unknown>, answers: FalconResult[]): void {
    const spec = findOperation(operation);
    if (spec === undefined) return;
    const name = `${spec.collection}.${spec.pep8}`;
    if (spec.kind === 'write') {
      this.keep(
        { operation: name, params },
        (): RecordedWrite => ({ operation: name, params: structuredClone(params) }),
        (r, write) => r.writes.push(write),
      );
      return;
    }
    if (spec.resources !== 'entities') return;
    const resources = answers.flatMap((a) => a.resources).filter((x) => typeof x === 'object' && x !== null);
    if (resources.length === 0) return;
    const writesBefore = this.current().writes.length;
    this.keep(
      { operation: name, resources, writesBefore },
      (): RecordedRead => ({ operation: name, resources: structuredClone(resources), writesBefore }),
      (r, read) => r.reads.push(read),
    );
  }

  noteAction(name: string, output: unknown): void {
    const kept = withoutResponseHeaders(output);
    this.keep(
      { action: name, output: kept },
      (): RecordedAction => ({ action: name, output: structuredClone(kept) }),
      (r, entry) => r.actions.push(entry),
    );
  }

  noteApproval(record: ApprovalRecord): void {
    if (record.status === 'open' || record.decision === null) return;
    const r = this.current();
    if (r.approvals.some((a) => a.step === record.stepId)) return;
    const approval: RecordedApproval = {
      step: record.stepId,
      choice: record.decision.choice,
      by: [...record.decision.by],
      reason: record.decision.reason,
      timedOut: record.status === 'timed_out',
    };
    this.keep(
      approval,
      () => approval,
      (rec, entry) => rec.approvals.push(entry),
    );
  }
}

/** A port of the run, wrapped to note what passes through it in the attempt's recording. */
abstract class RecordingPort<Port> {
  protected readonly port: Port;
  protected readonly recorder: AttemptRecorder;

  constructor(port: Port, recorder: AttemptRecorder) {
    this.port = port;
    this.recorder = recorder;
  }
}

/** The run's Falcon port, noting each read's entities and each write's parameters. */
class RecordingFalcon extends RecordingPort<FalconPort> implements FalconPort {
  async call(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): Promise<FalconResult> {
    const answer = await this.port.call(operation, params, options);
    this.recorder.noteCall(operation, params, [answer]);
    return answer;
  }

  async *pages(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): AsyncIterable<FalconResult> {
    const answers: FalconResult[] = [];
    try {
      for await (const page of this.port.pages(operation, params, options)) {
        answers.push(page);
        yield page;
      }
    } finally {
      this.recorder.noteCall(operation, params, answers);
    }
  }
}

/** The run's action port, noting each action's output. */
class RecordingActions extends RecordingPort<ActionPort> implements ActionPort {
  has(name: string): boolean {
    return this.port.has(name);
  }

  whenOutcomeUnknown(name: string, params: Readonly<Record<string, unknown>>): 'resend' | 'fail' {
    return this.port.whenOutcomeUnknown(name, params);
  }

  async run(name: string, params: Readonly<Record<string, unknown>>, call: ActionCall): Promise<unknown> {
    const output = await this.port.run(name, params, call);
    this.recorder.noteAction(name, output);
    return output;
  }
}

/** The run's approval port, noting how each approval was decided. */
class RecordingApprovals extends RecordingPort<ApprovalPort> implements ApprovalPort {
  async open(request: ApprovalRequest, now: number): Promise<ApprovalRecord> {
    const record = await this.port.open(request, now);
    this.recorder.noteApproval(record);
    return record;
  }

  async expire(runId: string, stepId: string, now: number): Promise<ApprovalRecord> {
    const record = await this.port.expire(runId, stepId, now);
    this.recorder.noteApproval(record);
    return record;
  }
}

/** An HTTP answer's headers may carry the service's cookies or tokens: a recording keeps the rest. */
function withoutResponseHeaders(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output) || !('headers' in output))
    return output;
  const { headers: _headers, ...rest } = output as Record<string, unknown>;
  return rest;
}
