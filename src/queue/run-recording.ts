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
import type { ApprovalPort, ApprovalRecord } from '../actions/approval-types.ts';
import { jsonSizeUpTo } from '../engine/index.ts';
import type { ActionPort, FalconPort, FalconResult } from '../engine/ports.ts';
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
  let recording: RunRecording | null = null;
  let taken = false;
  let used = 0;
  const fresh = (): RunRecording => ({
    v: 1,
    trigger: { type: trigger.type, data: trigger.data ?? null },
    reads: [],
    writes: [],
    actions: [],
    approvals: [],
    omittedBytes: 0,
  });
  const current = (): RunRecording => {
    if (recording === null) {
      recording = fresh();
      used = jsonSizeUpTo(recording, Number.POSITIVE_INFINITY);
    }
    taken = false;
    return recording;
  };
  /**
   * Adds the entry `make()` builds with `push` when `measured` fits in what is left of the bound.
   * Measuring stops at the bound and `make` (which copies) runs only for what is kept: a run reading
   * 20,000 summaries must not pay for a full walk or copy of them. The first entry that does not fit
   * makes the recording unusable (`talon test --record` refuses it), so nothing is measured after it,
   * and omittedBytes is a lower bound.
   */
  const keep = <T>(measured: unknown, make: () => T, push: (r: RunRecording, entry: T) => void): void => {
    const r = current();
    if (r.omittedBytes > 0) return;
    const left = maxBytes - used;
    const size = jsonSizeUpTo(measured, left + maxBytes);
    if (size > left) {
      r.omittedBytes = Math.max(1, size - left);
      return;
    }
    used += size;
    push(r, make());
  };
  const noteCall = (operation: string, params: Record<string, unknown>, answers: FalconResult[]): void => {
    const spec = findOperation(operation);
    if (spec === undefined) return;
    const name = `${spec.collection}.${spec.pep8}`;
    if (spec.kind === 'write') {
      keep(
        { operation: name, params },
        (): RecordedWrite => ({ operation: name, params: structuredClone(params) }),
        (r, write) => r.writes.push(write),
      );
      return;
    }
    if (spec.resources !== 'entities') return;
    const resources = answers.flatMap((a) => a.resources).filter((x) => typeof x === 'object' && x !== null);
    if (resources.length === 0) return;
    const writesBefore = current().writes.length;
    keep(
      { operation: name, resources, writesBefore },
      (): RecordedRead => ({ operation: name, resources: structuredClone(resources), writesBefore }),
      (r, read) => r.reads.push(read),
    );
  };
  const noteApproval = (record: ApprovalRecord): void => {
    if (record.status === 'open' || record.decision === null) return;
    const r = current();
    if (r.approvals.some((a) => a.step === record.stepId)) return;
    const approval: RecordedApproval = {
      step: record.stepId,
      choice: record.decision.choice,
      by: [...record.decision.by],
      reason: record.decision.reason,
      timedOut: record.status === 'timed_out',
    };
    keep(
      approval,
      () => approval,
      (rec, entry) => rec.approvals.push(entry),
    );
  };
  return {
    falcon: (port) => ({
      async call(operation, params, options) {
        const answer = await port.call(operation, params, options);
        noteCall(operation, params, [answer]);
        return answer;
      },
      async *pages(operation, params, options) {
        const answers: FalconResult[] = [];
        try {
          for await (const page of port.pages(operation, params, options)) {
            answers.push(page);
            yield page;
          }
        } finally {
          noteCall(operation, params, answers);
        }
      },
    }),
    actions: (port) => ({
      has: (name) => port.has(name),
      whenOutcomeUnknown: (name, params) => port.whenOutcomeUnknown(name, params),
      async run(name, params, call) {
        const output = await port.run(name, params, call);
        const kept = withoutResponseHeaders(output);
        keep(
          { action: name, output: kept },
          (): RecordedAction => ({ action: name, output: structuredClone(kept) }),
          (r, entry) => r.actions.push(entry),
        );
        return output;
      },
    }),
    approvals: (port) => ({
      async open(request, now) {
        const record = await port.open(request, now);
        noteApproval(record);
        return record;
      },
      async expire(runId, stepId, now) {
        const record = await port.expire(runId, stepId, now);
        noteApproval(record);
        return record;
      },
    }),
    take() {
      if (taken) return null;
      // Even an attempt that read and wrote nothing (a failed check) keeps its trigger's data.
      const whole = current();
      taken = true;
      return whole;
    },
  };
}

/** An HTTP answer's headers may carry the service's cookies or tokens: a recording keeps the rest. */
function withoutResponseHeaders(output: unknown): unknown {
  if (typeof output !== 'object' || output === null || Array.isArray(output) || !('headers' in output))
    return output;
  const { headers: _headers, ...rest } = output as Record<string, unknown>;
  return rest;
}
