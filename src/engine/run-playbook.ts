/**
 * runPlaybook: runs a compiled playbook once, durably.
 *
 * Memoization contract (read before changing anything here):
 * - Every finished step is checkpointed under `step:<id>` (status + output); a run started again with
 *   the same runId skips those steps and reuses their outputs (StepRecord.resumed = true). A step that
 *   failed and ended the run is NOT checkpointed, so the next attempt runs it again.
 * - Write requests are checkpointed one by one under `step:<id>[:item:<i>]:batch:<n>`, with an intent
 *   marked before each request goes out. An intent without a checkpoint is an unknown outcome and is
 *   reconciled by reading Falcon back (reconcile.ts) instead of repeating the request.
 * - Outputs are deterministic given the checkpoints: later steps render the same params on resume.
 *
 * Outcomes: the promise resolves with a RunResult for everything the playbook decides (succeeded,
 * failed, cancelled) and rejects only when the checkpoint store fails or the job lock is lost (the
 * original error, e.g. SOAR_QUEUE_LOCK_LOST), so the queue can hand the job to another worker.
 */
import type { CompiledPlaybook, ExpressionContext, ProtectedHosts } from '../playbook/compiled.ts';
import { renderValue } from './expressions.ts';
import type { Checkpoint, EnginePorts, FalconPort, RunStatus, StepRecord } from './ports.ts';
import { resolveInputs } from './resolve-inputs.ts';
import { RunAbort, type RunErrorInfo, toRunErrorInfo } from './run-errors.ts';
import type { DryRunChange, RunState } from './run-state.ts';
import { cancelledError } from './step-attempts.ts';
import { runStep } from './run-step.ts';
import { stoppableFalcon, stoppedError } from './stoppable-falcon.ts';
import { newStepRecord } from './step-record.ts';

/** One run to execute: what the queue stores in the job. */
export interface RunRequest {
  runId: string;
  inputs: Readonly<Record<string, unknown>>;
  trigger: {
    type: string;
    /** What expressions see as `trigger` (webhook body, poll items); null for manual and cron runs. */
    payload: unknown;
    /** Epoch ms the trigger fired. */
    at: number;
  };
  /** Perform reads, report what each write would change, write nothing. @default false */
  dryRun?: boolean;
  /** Epoch ms the run first started, stable across resumes (the job's timestamp). @default now */
  startedAt?: number;
}

/** Per-process options: not part of the job. */
export interface RunOptions {
  /** Aborting it cancels the run: in-flight requests are aborted, no further step starts. */
  signal?: AbortSignal;
  /**
   * Aborting it stops the run between two requests (a worker shutting down after its grace period):
   * the request in flight finishes and is checkpointed, no further Falcon request is sent, and
   * runPlaybook rejects with SOAR_ENGINE_STOPPED so the queue hands the run back to resume elsewhere.
   */
  stop?: AbortSignal;
  /** The process environment; expressions see only the names the playbook lists in envAllowed. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The deployment's protected hosts (TALON_PROTECTED_HOSTS), on top of the playbook's own. */
  protectedHosts?: ProtectedHosts | null;
}

/** How a run ended, with its step records; what the queue stores and the CLI prints. */
export interface RunResult {
  runId: string;
  /** 'waiting': parked at an approval step (see `waitUntil`); the queue wakes it on a decision. */
  status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled' | 'waiting'>;
  /** For 'waiting': epoch ms of the approval's deadline. */
  waitUntil?: number;
  outputs: Record<string, unknown>;
  steps: StepRecord[];
  /** API calls made by this invocation (steps resumed from checkpoints made none). */
  apiCalls: number;
  /** Code, message and retryability of the failure; null on success. */
  error: RunErrorInfo | null;
  dryRun: boolean;
  /** Dry run only: what each write step would have changed. */
  changes: DryRunChange[];
  startedAt: number;
  finishedAt: number;
}

/**
 * Runs `plan` for `run` through `ports`.
 * @throws the checkpoint store's error when it fails (e.g. SOAR_QUEUE_LOCK_LOST); see the header.
 */
export async function runPlaybook(
  plan: CompiledPlaybook,
  run: RunRequest,
  given: EnginePorts,
  options: RunOptions = {},
): Promise<RunResult> {
  const ports: EnginePorts =
    options.stop === undefined
      ? given
      : withFalcon(given, stoppableFalcon(given.falcon, options.stop, run.runId));
  const startedAt = ports.clock.now();
  const signal = options.signal ?? new AbortController().signal;
  const stop = options.stop;
  const dryRun = run.dryRun === true;
  const state: RunState = {
    runId: run.runId,
    plan,
    ports,
    dryRun,
    signal,
    checkpoints: new Map(),
    uncertain: new Set(),
    intentAt: new Map(),
    changes: [],
    responseBudget: { hosts: new Set(), resumed: 0 },
    protectedHosts: [plan.protectedHosts, options.protectedHosts].filter(
      (p): p is ProtectedHosts => p !== null && p !== undefined,
    ),
    records: [],
  };
  if (options.stop !== undefined) state.stop = options.stop;
  await runStartedEvent(state, startedAt);
  let context: ExpressionContext;
  try {
    context = baseContext(plan, run, resolveInputs(plan, run.inputs), options.env ?? {}, startedAt);
  } catch (error) {
    return finishRun(state, 'failed', {}, toRunErrorInfo(error), startedAt);
  }
  await loadDurableState(state);
  try {
    for (const step of plan.steps) {
      if (signal.aborted) throw cancelledError(state);
      if (stop?.aborted) throw stoppedError(run.runId);
      const outcome = await runStep(state, step, context);
      context = withStepOutput(context, step.id, outcome.output);
      if (outcome.status === 'failed' && step.onError === 'fail')
        return finishRun(state, 'failed', {}, outcome.error, startedAt);
    }
    const outputs = await renderValue(plan.outputs, context, `${plan.file}: outputs`);
    return finishRun(state, 'succeeded', (outputs ?? {}) as Record<string, unknown>, null, startedAt);
  } catch (thrown) {
    if (!(thrown instanceof RunAbort))
      return finishRun(state, 'failed', {}, toRunErrorInfo(thrown), startedAt);
    if (thrown.kind === 'infrastructure') throw thrown.reason;
    if (thrown.kind === 'wait') return waiting(state, startedAt, thrown.untilMs ?? ports.clock.now());
    const status = thrown.kind === 'cancel' ? 'cancelled' : 'failed';
    return finishRun(state, status, {}, toRunErrorInfo(thrown.reason), startedAt);
  }
}

/**
 * The context of the steps after `stepId`, with its output: a new object (earlier steps' contexts
 * are kept as they were), built member by member (object spreads are slow in Node 20).
 */
function withStepOutput(context: ExpressionContext, stepId: string, output: unknown): ExpressionContext {
  const steps: Record<string, unknown> = {};
  for (const id in context.steps) steps[id] = context.steps[id];
  steps[stepId] = output;
  // The run's context: the members baseContext makes (item, index and resources are per item or page).
  return { inputs: context.inputs, steps, run: context.run, trigger: context.trigger, env: context.env };
}

/** `ports` with another Falcon port, copied member by member (a spread is slow in Node 20). */
function withFalcon(ports: EnginePorts, falcon: FalconPort): EnginePorts {
  const out: EnginePorts = {
    falcon,
    checkpoints: ports.checkpoints,
    events: ports.events,
    clock: ports.clock,
    logger: ports.logger,
  };
  if (ports.actions !== undefined) out.actions = ports.actions;
  if (ports.approvals !== undefined) out.approvals = ports.approvals;
  return out;
}

async function loadDurableState(state: RunState): Promise<void> {
  // A dry run neither reads nor writes checkpoints: it must show what a fresh run would do.
  if (state.dryRun) return;
  const loaded: Map<string, Checkpoint> = await state.ports.checkpoints.load(state.runId);
  for (const [key, checkpoint] of loaded) state.checkpoints.set(key, checkpoint);
  const pending = await state.ports.checkpoints.pendingIntents(state.runId);
  for (const [key, detail] of pending) {
    if (state.checkpoints.has(key)) continue;
    state.uncertain.add(key);
    const at = (detail as { at?: unknown } | null)?.at;
    if (typeof at === 'number') state.intentAt.set(key, at);
  }
  if (loaded.size > 0 || pending.size > 0) {
    state.ports.logger.info(
      { runId: state.runId, checkpoints: loaded.size, uncertainWrites: state.uncertain.size },
      'resuming run from checkpoints',
    );
  }
}

function baseContext(
  plan: CompiledPlaybook,
  run: RunRequest,
  inputs: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  now: number,
): ExpressionContext {
  const visible: Record<string, string> = {};
  for (const name of plan.envAllowed) {
    const value = env[name];
    if (value !== undefined) visible[name] = value;
  }
  return {
    inputs,
    steps: {},
    run: {
      id: run.runId,
      playbook: plan.name,
      trigger: run.trigger.type,
      started_at: new Date(run.startedAt ?? now).toISOString(),
    },
    // Expressions read the trigger's data directly (`trigger.<field>` of a webhook body or poll batch);
    // its type and time are on `run`.
    trigger: run.trigger.payload ?? {},
    env: visible,
  };
}

async function finishRun(
  state: RunState,
  status: RunResult['status'],
  outputs: Record<string, unknown>,
  error: RunErrorInfo | null,
  startedAt: number,
): Promise<RunResult> {
  const stored = error === null ? null : { code: error.code, message: error.message };
  try {
    await state.ports.events.runFinished(state.runId, status, outputs, stored);
  } catch (eventError) {
    eventNotStored(state, eventError);
  }
  const steps = allStepRecords(state);
  return {
    runId: state.runId,
    status,
    outputs,
    steps,
    apiCalls: steps.reduce((sum, s) => sum + s.apiCalls, 0),
    error,
    dryRun: state.dryRun,
    changes: state.changes,
    startedAt,
    finishedAt: state.ports.clock.now(),
  };
}

/** Steps the run never reached are listed as pending, so a record always shows the whole playbook. */
function allStepRecords(state: RunState): StepRecord[] {
  return state.plan.steps.map(
    (step) => state.records.find((r) => r.id === step.id) ?? newStepRecord(step.id),
  );
}

/** A run parked at an approval: not finished, so no runFinished event; the queue records it waiting. */
function waiting(state: RunState, startedAt: number, untilMs: number): RunResult {
  const steps = allStepRecords(state);
  return {
    runId: state.runId,
    status: 'waiting',
    waitUntil: untilMs,
    outputs: {},
    steps,
    apiCalls: steps.reduce((sum, s) => sum + s.apiCalls, 0),
    error: null,
    dryRun: state.dryRun,
    changes: state.changes,
    startedAt,
    finishedAt: state.ports.clock.now(),
  };
}

/** Run events are best effort: a run is not failed because its record could not be written. */
async function runStartedEvent(state: RunState, at: number): Promise<void> {
  try {
    await state.ports.events.runStarted(state.runId, at);
  } catch (error) {
    eventNotStored(state, error);
  }
}

function eventNotStored(state: RunState, error: unknown): void {
  state.ports.logger.warn(
    { runId: state.runId, error: error instanceof Error ? error.message : String(error) },
    'could not store run event',
  );
}
