/**
 * Attempts of one step: per-attempt timeout (an AbortSignal handed to the Falcon port), retries of
 * retryable failures with the step's backoff (waits go through the Clock so tests can drive time),
 * and the distinction between a step failure and a run that must stop (RunAbort).
 */
import type { CompiledStep } from '../playbook/compiled.ts';
import type { StepRecord } from './ports.ts';
import { engineError, RunAbort, toRunErrorInfo } from './run-errors.ts';
import type { RunState } from './run-state.ts';
import { emitStep } from './step-record.ts';
import { retryDelayMs, shouldRetryStep } from './step-retry.ts';

/** The cancellation error of a run whose signal aborted. */
export function cancelledError(state: RunState): RunAbort {
  return new RunAbort(engineError('SOAR_ENGINE_CANCELLED', `run ${state.runId} was cancelled`), 'cancel');
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or runs out of attempts.
 * @throws the last error (a SoarError for step failures), or RunAbort to stop the run.
 */
export async function withAttempts<T>(
  state: RunState,
  step: CompiledStep,
  record: StepRecord,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    record.attempts = n;
    const timer = startAttemptTimer(state, step);
    try {
      return await attempt(timer.signal);
    } catch (thrown) {
      if (thrown instanceof RunAbort) throw thrown;
      if (state.signal.aborted) throw cancelledError(state);
      const error = timer.timedOut()
        ? engineError('SOAR_ENGINE_STEP_TIMEOUT', `step "${step.id}" timed out after ${step.timeoutMs} ms`, {
            step: step.id,
            attempt: n,
          })
        : thrown;
      if (!shouldRetryStep(step.retry, n, error)) throw error;
      const delayMs = retryDelayMs(step.retry, n, error);
      state.ports.logger.warn(
        { runId: state.runId, step: step.id, attempt: n, delayMs, error: toRunErrorInfo(error) },
        'step attempt failed; retrying',
      );
      await emitStep(state, record);
      await sleepUnlessCancelled(state, delayMs);
    } finally {
      timer.stop();
    }
  }
}

async function sleepUnlessCancelled(state: RunState, ms: number): Promise<void> {
  try {
    await state.ports.clock.sleep(ms, state.signal);
  } catch {
    throw cancelledError(state);
  }
}

interface AttemptTimer {
  signal: AbortSignal;
  timedOut(): boolean;
  stop(): void;
}

// Shared by every attempt of a step without a timeout (most steps): nothing made per attempt.
const neverTimedOut = (): boolean => false;
const nothingToStop = (): void => {};

/** A signal that aborts when the run is cancelled or the step's timeout passes on the run's clock. */
function startAttemptTimer(state: RunState, step: CompiledStep): AttemptTimer {
  if (step.timeoutMs === null) return { signal: state.signal, timedOut: neverTimedOut, stop: nothingToStop };
  const timeout = new AbortController();
  const stopper = new AbortController();
  let fired = false;
  state.ports.clock.sleep(step.timeoutMs, stopper.signal).then(
    () => {
      fired = true;
      timeout.abort(engineError('SOAR_ENGINE_STEP_TIMEOUT', `step "${step.id}" timed out`));
    },
    () => {},
  );
  return {
    signal: AbortSignal.any([state.signal, timeout.signal]),
    timedOut: () => fired,
    stop: () => stopper.abort(),
  };
}
