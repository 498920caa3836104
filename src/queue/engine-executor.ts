/**
 * Runs a queued run with the engine: the bridge from job data to `runPlaybook`. Also runs a playbook
 * in this process without a queue (`talon run --dry-run`, or no REDIS_URL), with checkpoints and run
 * events kept in memory for the duration of the call.
 */
import { type RunOptions, type RunResult, runPlaybook } from '../engine/index.ts';
import type { ApprovalPort } from '../actions/approval-types.ts';
import type {
  ActionPort,
  Checkpoint,
  CheckpointStore,
  EnginePorts,
  FalconPort,
  RunEvents,
  StepRecord,
} from '../engine/ports.ts';
import type { CompiledPlaybook, ProtectedHosts } from '../playbook/compiled.ts';
import type { Clock, Logger } from '../shared/index.ts';
import type { RunTrigger } from './job-data.ts';
import type { RunExecutor, RunOutcome } from './processor.ts';
import type { RunRecorder } from './run-recording.ts';

export interface EngineExecutorOptions {
  falcon: FalconPort;
  /** Notifications and HTTP calls (src/actions createActionRunner); absent = steps using them fail. */
  actions?: ActionPort;
  logger: Logger;
  clock: Clock;
  /** What expressions may read through `env` (filtered by each playbook's envAllowed). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The deployment's protected hosts (TALON_PROTECTED_HOSTS), applied to every run. */
  protectedHosts?: ProtectedHosts | null;
  /** Where approval steps wait; without it they fail with SOAR_APPROVAL_UNAVAILABLE. */
  approvals?: ApprovalPort;
}

/** A RunExecutor that runs the job's pinned plan with the engine. */
export function createEngineExecutor(options: EngineExecutorOptions): RunExecutor {
  return async (data, context) => {
    const result = await runPlaybook(
      data.playbook.plan,
      {
        runId: data.runId,
        inputs: data.inputs,
        trigger: { type: data.trigger.type, payload: data.trigger.data, at: data.trigger.at },
        dryRun: data.dryRun,
        startedAt: data.enqueuedAt,
      },
      recordedPorts(options, context.recorder, {
        checkpoints: context.checkpoints,
        events: context.events,
        clock: options.clock,
        logger: options.logger,
      }),
      runOptions(context.signal, context.stop, options),
    );
    if (result.status === 'waiting') {
      const step = result.steps.find((s) => s.status === 'waiting')?.id ?? '?';
      return { ...baseOutcome(result), waitStep: step, waitUntil: result.waitUntil ?? options.clock.now() };
    }
    return baseOutcome(result);
  };
}

/** The run's ports, wrapped by the attempt's recorder when there is one. */
function recordedPorts(
  options: EngineExecutorOptions,
  recorder: RunRecorder | undefined,
  rest: Pick<EnginePorts, 'checkpoints' | 'events' | 'clock' | 'logger'>,
): EnginePorts {
  const { falcon, actions, approvals } = options;
  // Member by member: spreads of conditional objects are slow in Node 20, and this runs once per run.
  const ports: EnginePorts = {
    checkpoints: rest.checkpoints,
    events: rest.events,
    clock: rest.clock,
    logger: rest.logger,
    falcon: recorder ? recorder.falcon(falcon) : falcon,
  };
  if (actions !== undefined) ports.actions = recorder ? recorder.actions(actions) : actions;
  if (approvals !== undefined) ports.approvals = recorder ? recorder.approvals(approvals) : approvals;
  return ports;
}

function runOptions(
  signal: AbortSignal,
  stop: AbortSignal | undefined,
  options: EngineExecutorOptions,
): RunOptions {
  const out: RunOptions = { signal, protectedHosts: options.protectedHosts ?? null };
  if (stop !== undefined) out.stop = stop;
  if (options.env !== undefined) out.env = options.env;
  return out;
}

function baseOutcome(result: RunResult): RunOutcome {
  return { status: result.status, error: result.error, outputs: result.outputs };
}

export interface InProcessRun {
  runId: string;
  plan: CompiledPlaybook;
  inputs: Record<string, unknown>;
  trigger: RunTrigger;
  dryRun: boolean;
}

/**
 * Runs a playbook here and now, without Redis. Checkpoints live in memory, so a crash loses the run's
 * progress: use the queue for anything that must survive a restart.
 */
export async function runInProcess(
  run: InProcessRun,
  options: EngineExecutorOptions & { onStep?(step: StepRecord): void; signal?: AbortSignal },
): Promise<RunResult> {
  const checkpoints = memoryCheckpoints();
  const events: RunEvents = {
    runStarted: async () => undefined,
    stepUpdated: async (_runId, step) => options.onStep?.(step),
    runFinished: async () => undefined,
  };
  return runPlaybook(
    run.plan,
    {
      runId: run.runId,
      inputs: run.inputs,
      trigger: { type: run.trigger.type, payload: run.trigger.data, at: run.trigger.at },
      dryRun: run.dryRun,
    },
    {
      falcon: options.falcon,
      ...(options.actions === undefined ? {} : { actions: options.actions }),
      checkpoints,
      events,
      clock: options.clock,
      logger: options.logger,
      ...(options.approvals === undefined ? {} : { approvals: options.approvals }),
    },
    {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.env === undefined ? {} : { env: options.env }),
      protectedHosts: options.protectedHosts ?? null,
    },
  );
}

function memoryCheckpoints(): CheckpointStore {
  const saved = new Map<string, Checkpoint>();
  const intents = new Map<string, unknown>();
  return {
    load: async () => new Map(saved),
    async save(_runId, checkpoint) {
      saved.set(checkpoint.key, checkpoint);
      intents.delete(checkpoint.key);
    },
    async markIntent(_runId, key, detail) {
      intents.set(key, detail);
    },
    pendingIntents: async () => new Map(intents),
  };
}
