/**
 * Steps whose action reaches another service (notify.*, http.request) through ports.actions.
 * Such a call cannot be read back, so each call (one per foreach item) follows a smaller protocol
 * than Falcon writes:
 *   (1) a checkpoint for the call exists -> reuse its output, send nothing;
 *   (2) an intent without a checkpoint (a crash after the intent, maybe after the send) -> ask the
 *       action: 'resend' (notifications, idempotent HTTP: at-least-once, noted in the step record)
 *       or 'fail' (a POST could act twice: the run stops with SOAR_ENGINE_UNKNOWN_OUTCOME);
 *   (3) otherwise mark the intent, call, checkpoint the output.
 * A failure that says the request never left (`details.sent === false`) clears the uncertainty, so
 * a step retry in this process does not mistake it for a lost send.
 */
import { toSoarError } from '../shared/index.ts';
import type { CompiledStep } from '../playbook/compiled.ts';
import type { ActionPort } from './ports.ts';
import { engineError, RunAbort } from './run-errors.ts';
import { markIntent, type RunState, saveCheckpoint } from './run-state.ts';

/** Checkpoint key of one call: per item for foreach steps. */
export function callKey(step: CompiledStep, index: number): string {
  return step.foreach === null ? `step:${step.id}:call` : `step:${step.id}:item:${index}:call`;
}

/** The action port, or a clear error where this process has none wired. */
export function actionPortOf(state: RunState, step: CompiledStep, name: string): ActionPort {
  const port = state.ports.actions;
  if (port === undefined || !port.has(name)) {
    throw engineError(
      'SOAR_ENGINE_UNKNOWN_ACTION',
      `step "${step.id}" uses ${name}, which this process cannot run (no action runner is configured)`,
      { step: step.id },
    );
  }
  return port;
}

/** Runs one call of `name` under the protocol above. `notes` collects what a person should know. */
export async function callExternal(
  state: RunState,
  step: CompiledStep,
  name: string,
  params: Record<string, unknown>,
  index: number,
  signal: AbortSignal,
  notes: string[],
): Promise<unknown> {
  const port = actionPortOf(state, step, name);
  const key = callKey(step, index);
  const done = state.checkpoints.get(key);
  if (done) return done.output;
  if (state.uncertain.has(key)) {
    const item = step.foreach === null ? '' : ` (item ${index})`;
    if (port.whenOutcomeUnknown(name, params) === 'fail') {
      throw new RunAbort(
        engineError(
          'SOAR_ENGINE_UNKNOWN_OUTCOME',
          `step "${step.id}"${item}: a crash interrupted ${name} after it may have been sent; it is not safe to send again (set resend_if_unknown: true to accept a repeat); check the service, then re-run by hand`,
          { step: step.id },
        ),
        'fail',
      );
    }
    notes.push(`${name}${item}: sent again after a crash; the service may have received it twice`);
  }
  await markIntent(state, key, { action: name });
  let output: unknown;
  try {
    output = await port.run(name, params, {
      runId: state.runId,
      stepId: step.id,
      playbook: state.plan.name,
      signal,
      falcon: state.ports.falcon,
    });
  } catch (error) {
    if (toSoarError(error).details['sent'] === false) state.uncertain.delete(key);
    throw error;
  }
  await saveCheckpoint(state, { key, status: 'succeeded', output, at: state.ports.clock.now() });
  return output;
}
