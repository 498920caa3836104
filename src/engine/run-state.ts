import type { CompiledPlaybook, ProtectedHosts } from '../playbook/compiled.ts';
import type { Checkpoint, EnginePorts, StepRecord } from './ports.ts';
import { outputTooLarge } from './output-size.ts';
import type { ResponseBudget, ResponseHost } from './response-guard.ts';
import { RunAbort } from './run-errors.ts';

/** What a dry run reports for one write step instead of calling it. */
export interface DryRunChange {
  step: string;
  /** The operation or action as the playbook names it (`uses:`). */
  uses: string;
  /** The operation id (Falcon steps) or action name. */
  operation: string;
  /** The full rendered parameters of every request the write would send, items included. */
  requestParams: Record<string, unknown>[];
  /** Some value is a placeholder for an id an earlier dry-run write would create (`dry-run:<step>/<n>`). */
  placeholders: boolean;
  /** Targets (ids, indicators, or items) the write would touch. */
  targets: number;
  /** Requests the write would send (batches across items). */
  requests: number;
  /** A few of the targets, for a person to recognise them. */
  sample: string[];
  /** The rendered parameters of the first request, with the target list shortened to its count. */
  params: Record<string, unknown>;
  /** Response actions only: their kinds and every host they would act on (id and hostname). */
  response?: { kinds: string[]; hosts: ResponseHost[] };
}

/** Everything one run of the engine shares between its steps. */
export interface RunState {
  runId: string;
  plan: CompiledPlaybook;
  ports: EnginePorts;
  dryRun: boolean;
  /** Aborts when the run is cancelled (operator, shutdown). */
  signal: AbortSignal;
  /** Aborted when the worker stops between requests (RunOptions.stop). */
  stop?: AbortSignal;
  /** Checkpoints loaded at the start plus those saved since, by key. */
  checkpoints: Map<string, Checkpoint>;
  /**
   * Unit keys whose write may or may not have been applied: intents pending when the run started,
   * plus intents marked in this process whose request then failed without a clear refusal (5xx,
   * timeout). A 4xx refusal or a saved checkpoint takes the key out.
   */
  uncertain: Set<string>;
  /** When each intent was marked (epoch ms), for read-backs that look for what was created since. */
  intentAt: Map<string, number>;
  changes: DryRunChange[];
  /** Hosts the run's response actions acted on so far (limits.response_hosts). */
  responseBudget: ResponseBudget;
  /** Protected hosts of the playbook and of the deployment. */
  protectedHosts: ProtectedHosts[];
  /** Records of the steps reached so far, in order. */
  records: StepRecord[];
}

/**
 * Saves a checkpoint and remembers it. An output the store cannot serialize fails the run
 * (SOAR_ENGINE_OUTPUT_TOO_LARGE). A store failure (Redis gone, or SOAR_QUEUE_LOCK_LOST when
 * another worker owns the job now) stops the whole run at once: going on could repeat a write.
 */
export async function saveCheckpoint(state: RunState, checkpoint: Checkpoint): Promise<void> {
  if (state.dryRun) return;
  try {
    await state.ports.checkpoints.save(state.runId, checkpoint);
  } catch (error) {
    // The store could not even serialize it (runStep bounds step outputs first; this is the backstop).
    if (error instanceof RangeError) {
      const stepId = checkpoint.key.split(':')[1] ?? checkpoint.key;
      throw new RunAbort(outputTooLarge(stepId, 'too large to serialize'), 'fail');
    }
    throw new RunAbort(error, 'infrastructure');
  }
  state.checkpoints.set(checkpoint.key, checkpoint);
  state.uncertain.delete(checkpoint.key);
}

/** Records that a write is about to go out; see saveCheckpoint for failures. */
export async function markIntent(
  state: RunState,
  key: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const at = state.ports.clock.now();
  try {
    await state.ports.checkpoints.markIntent(state.runId, key, { ...detail, at });
  } catch (error) {
    throw new RunAbort(error, 'infrastructure');
  }
  state.uncertain.add(key);
  state.intentAt.set(key, at);
}
