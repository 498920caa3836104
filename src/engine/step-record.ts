import type { StepRecord } from './ports.ts';
import type { RunState } from './run-state.ts';

/** A fresh record for a step that has not started. */
export function newStepRecord(id: string): StepRecord {
  return {
    id,
    status: 'pending',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    attempts: 0,
    apiCalls: 0,
    targets: null,
    error: null,
    resumed: false,
  };
}

/** Marks a record finished at `now`. */
export function finishRecord(record: StepRecord, status: StepRecord['status'], now: number): void {
  record.status = status;
  record.finishedAt = now;
  record.durationMs = record.startedAt === null ? null : now - record.startedAt;
}

/**
 * Sends a copy of the record to the run's event sink. Records are for people; failing to store one
 * must not fail a run whose writes are already checkpointed, so a sink failure is only logged.
 */
export async function emitStep(state: RunState, record: StepRecord): Promise<void> {
  try {
    await state.ports.events.stepUpdated(state.runId, { ...record });
  } catch (error) {
    state.ports.logger.warn(
      { runId: state.runId, step: record.id, error: error instanceof Error ? error.message : String(error) },
      'could not store step record',
    );
  }
}
