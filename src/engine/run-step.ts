/**
 * One step of a run: resume from its checkpoint, `if`, `foreach`, render `with`, enforce
 * `limits.max_targets` before any write, dry-run reports, attempts, `on_error`, and its record.
 */
import { type ApprovalOutput, runApproval } from '../actions/approval.ts';
import { findAction } from '../actions/registry.ts';
import type { OperationSpec } from '../falcon/operations/index.ts';
import { isErrorCode } from '../shared/index.ts';
import type { CompiledStep, ExpressionContext } from '../playbook/compiled.ts';
import { runCoreAction } from './core-actions.ts';
import { countingFalcon } from './counting-falcon.ts';
import { holdsPlaceholder, placeholderReadResources, placeholderResources } from './dry-run.ts';
import { actionPortOf, callExternal } from './external-step.ts';
import {
  compileValue,
  conditionHolds,
  type ExpressionSite,
  evaluateItems,
  selectResources,
} from './expressions.ts';
import {
  type FalconOutput,
  type KeepResources,
  keepAll,
  readFalcon,
  type StepIo,
  writeFalcon,
} from './falcon-step.ts';
import { mapWithConcurrency } from './concurrency.ts';
import { countParamOf, operationOf, writeTargetOf } from './operation-facts.ts';
import { assertOutputFits } from './output-size.ts';
import { checksBeforeEveryWrite } from './reconcile.ts';
import { guardResponseStep, type ResponseGuardResult } from './response-guard.ts';
import type { StepRecord } from './ports.ts';
import { engineError, RunAbort, type RunErrorInfo, toRunErrorInfo } from './run-errors.ts';
import { type RunState, saveCheckpoint } from './run-state.ts';
import { withAttempts } from './step-attempts.ts';
import { emitStep, finishRecord, newStepRecord } from './step-record.ts';
import { planWrites, sampleTargets, type WritePlan } from './write-plan.ts';

/** How a step ended. `output` is what later expressions see as `steps.<id>`. */
export interface StepOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  output: unknown;
  record: StepRecord;
  error: RunErrorInfo | null;
}

/**
 * Runs one step. Returns a failed outcome for a step failure (the caller applies `on_error`); throws
 * RunAbort when the whole run must stop.
 */
export async function runStep(
  state: RunState,
  step: CompiledStep,
  context: ExpressionContext,
): Promise<StepOutcome> {
  const record = newStepRecord(step.id);
  state.records.push(record);
  const done = state.checkpoints.get(`step:${step.id}`);
  if (done) {
    record.status = done.status;
    record.resumed = true;
    record.targets = targetsOf(done.output);
    if (step.action.kind === 'falcon' && operationOf(step, step.action.operationId).response) {
      state.responseBudget.resumed += record.targets ?? 0;
    }
    await emitStep(state, record);
    const error = done.status === 'failed' ? failedOutputError(done.output) : null;
    return { status: done.status, output: done.output, record, error };
  }
  const falcon = countingFalcon(state.ports.falcon);
  const io: StepIo = { state, step, falcon, signal: state.signal, notes: [] };
  record.status = 'running';
  record.startedAt = state.ports.clock.now();
  await emitStep(state, record);
  try {
    const skipped = step.if !== null && !(await conditionHolds(step.if, context, where(step, 'if')));
    const output = skipped ? null : await runAction(io, record, context);
    assertOutputFits(step.id, output);
    return await finish(io, record, skipped ? 'skipped' : 'succeeded', output, null);
  } catch (thrown) {
    if (thrown instanceof RunAbort && thrown.kind === 'wait') {
      // Parked, not finished: no checkpoint, the step runs again (and reads the decision) on wake-up.
      record.status = 'waiting';
      await emitStep(state, record);
      throw thrown;
    }
    if (thrown instanceof RunAbort) {
      record.error = codeAndMessage(toRunErrorInfo(thrown.reason));
      await finish(io, record, 'failed', null, null, false);
      throw thrown;
    }
    const error = toRunErrorInfo(thrown);
    const output = { error: codeAndMessage(error) };
    return await finish(io, record, 'failed', output, error, step.onError === 'continue');
  }
}

async function finish(
  io: StepIo,
  record: StepRecord,
  status: StepOutcome['status'],
  output: unknown,
  error: RunErrorInfo | null,
  checkpoint = true,
): Promise<StepOutcome> {
  const { state, step } = io;
  const now = state.ports.clock.now();
  record.apiCalls = io.falcon.calls();
  record.error = error === null ? record.error : codeAndMessage(error);
  if (io.notes.length > 0) record.notes = [...io.notes];
  finishRecord(record, status, now);
  // A failed step is checkpointed only when the run goes on past it (on_error: continue); a failure
  // that ends the run is not, so a retried job tries the step again.
  if (checkpoint && (status !== 'failed' || step.onError === 'continue')) {
    await saveCheckpoint(state, { key: `step:${step.id}`, status, output, at: now });
  }
  await emitStep(state, record);
  return { status, output, record, error };
}

async function runAction(io: StepIo, record: StepRecord, context: ExpressionContext): Promise<unknown> {
  const { state, step } = io;
  const contexts = await itemContexts(step, context);
  const paramsList: Record<string, unknown>[] = [];
  // Compiled once per step, rendered once per item: a foreach over thousands of hashes renders the
  // same few expressions thousands of times.
  const renderWith = compileValue(step.with, where(step, 'with'));
  for (const itemContext of contexts) {
    paramsList.push(asParams(step, await renderWith(itemContext)));
  }
  const action = step.action;
  let outputs: unknown[];
  if (action.kind === 'falcon') {
    const spec = operationOf(step, action.operationId);
    // Guard rails of response actions, before any request of the step (response-guard.ts).
    const response = await guardResponseStep({
      stepId: step.id,
      spec,
      paramsList,
      falcon: io.falcon,
      signal: state.signal,
      budget: state.responseBudget,
      limit: state.plan.responseHosts ?? undefined,
      protectedHosts: state.protectedHosts,
      listHostnames: state.dryRun,
    });
    if (response) io.notes.push(`response ${response.kinds.join('/')} on ${response.hosts.length} host(s)`);
    outputs =
      action.write || spec.kind === 'write' || (response !== null && state.dryRun)
        ? await keepOfWrites(step, contexts, await runWrite(io, record, spec, paramsList, response))
        : await perItem(io, record, paramsList, (params, signal, i) =>
            state.dryRun && holdsPlaceholder(params)
              ? placeholderRead(io, spec, params)
              : readFalcon({ ...io, signal }, spec, params, keeper(step, contexts[i] ?? context)),
          );
  } else if (action.kind === 'action') {
    const name = action.name;
    actionPortOf(state, step, name);
    // Actions that act on endpoints (rtr.run_command) pass the same guard rails as the operations.
    const response = await guardActionResponse(io, name, paramsList);
    if (state.dryRun) return dryRunCalls(state, step, name, paramsList, response);
    outputs = await perItem(io, record, paramsList, (params, signal, i) =>
      callExternal(state, step, name, params, i, signal, io.notes),
    );
  } else if (action.name === 'approval') {
    outputs = [await approvalOutput(io, paramsList[0] ?? {})];
  } else {
    const name = action.name;
    outputs = await perItem(io, record, paramsList, async (params) => {
      const output = runCoreAction(name, params, {
        logger: state.ports.logger,
        runId: state.runId,
        stepId: step.id,
      });
      // Log lines travel with the step record, so `talon run` prints them beside the step table.
      if (name === 'core.log' || name === 'log')
        io.notes.push(`log: ${(output as { message: string }).message}`);
      return output;
    });
  }
  return step.foreach === null ? outputs[0] : outputs;
}

/** The response guard rails for an action that declares `responseAs`, or null for other actions. */
async function guardActionResponse(
  io: StepIo,
  name: string,
  paramsList: readonly Record<string, unknown>[],
): Promise<ResponseGuardResult | null> {
  const responseAs = findAction(name)?.declaration.responseAs;
  if (!responseAs) return null;
  const { state, step } = io;
  const mapped = paramsList.map((params) => responseAs(params));
  const response = await guardResponseStep({
    stepId: step.id,
    spec: operationOf(step, mapped[0]?.operation ?? ''),
    paramsList: mapped.map((m) => m.params),
    falcon: io.falcon,
    signal: state.signal,
    budget: state.responseBudget,
    limit: state.plan.responseHosts ?? undefined,
    protectedHosts: state.protectedHosts,
    listHostnames: state.dryRun,
  });
  if (response) io.notes.push(`response ${response.kinds.join('/')} on ${response.hosts.length} host(s)`);
  return response;
}

/** An approval step: its decision, or RunAbort 'wait' to park the run until a decision or the deadline. */
async function approvalOutput(io: StepIo, params: Record<string, unknown>): Promise<ApprovalOutput> {
  const { state, step } = io;
  const outcome = await runApproval(params, {
    port: state.ports.approvals ?? null,
    runId: state.runId,
    stepId: step.id,
    playbook: state.plan.name,
    now: () => state.ports.clock.now(),
    dryRun: state.dryRun,
  });
  if (outcome.kind === 'wait') throw new RunAbort(null, 'wait', outcome.untilMs);
  const { output } = outcome;
  for (const vote of output.votes) {
    io.notes.push(
      `${vote.by} chose ${vote.choice} via ${vote.channel} at ${vote.at}${vote.reason ? `: ${vote.reason}` : ''}`,
    );
  }
  io.notes.push(
    output.timed_out
      ? `timed out${output.escalated ? ' after escalation' : ''}: ${output.decision} at ${output.at}`
      : `decision ${output.decision} by ${output.by.join(', ') || 'nobody'} via ${output.channel}`,
  );
  return output;
}

/** Runs a read or core action once per item, bounded by foreach concurrency, under attempts. */
async function perItem(
  io: StepIo,
  record: StepRecord,
  paramsList: Record<string, unknown>[],
  action: (params: Record<string, unknown>, signal: AbortSignal, index: number) => Promise<unknown>,
): Promise<unknown[]> {
  // Items that succeeded keep their output across attempts of the step; only failed ones run again.
  const done = new Map<number, unknown>();
  const concurrency = io.step.foreach?.concurrency ?? 1;
  return withAttempts(io.state, io.step, record, (signal) =>
    mapWithConcurrency(paramsList, concurrency, async (params, i) => {
      if (done.has(i)) return done.get(i);
      const output = await action(params, signal, i);
      done.set(i, output);
      return output;
    }),
  );
}

/** What a Falcon step keeps of each answer: its `select:` evaluated in the item's context, or all. */
function keeper(step: CompiledStep, context: ExpressionContext): KeepResources {
  const select = step.select ?? null;
  if (select === null) return keepAll;
  return (resources) => selectResources(select, context, resources, where(step, 'select'));
}

/**
 * `select:` on a write step projects each item's answers once they are all in (write answers are
 * small and their per-batch checkpoints keep them whole, for read-backs). Dry-run outputs have none.
 */
async function keepOfWrites(
  step: CompiledStep,
  contexts: ExpressionContext[],
  outputs: unknown[],
): Promise<unknown[]> {
  if ((step.select ?? null) === null) return outputs;
  const kept: unknown[] = [];
  for (const [i, output] of outputs.entries()) {
    const out = output as FalconOutput & { dryRun?: boolean };
    const context = contexts[i];
    if (out.dryRun === true || context === undefined) {
      kept.push(out);
      continue;
    }
    const resources = await keeper(step, context)(out.resources);
    kept.push({ ...out, resources, count: resources.length });
  }
  return kept;
}

async function runWrite(
  io: StepIo,
  record: StepRecord,
  spec: OperationSpec,
  paramsList: Record<string, unknown>[],
  response: ResponseGuardResult | null,
): Promise<unknown[]> {
  const { state, step } = io;
  const countParam = countParamOf(spec);
  const plan = planWrites(step.id, paramsList, writeTargetOf(spec), {
    foreach: step.foreach !== null,
    share: checksBeforeEveryWrite(spec.operationId),
    ...(countParam === undefined ? {} : { countParam }),
  });
  record.targets = plan.targetCount;
  const limit = state.plan.maxTargets;
  if (limit !== null && plan.targetCount > limit) {
    throw new RunAbort(
      engineError(
        'SOAR_ENGINE_MAX_TARGETS',
        `step "${step.id}" would write to ${plan.targetCount} targets with ${spec.operationId}, above limits.max_targets ${limit}; nothing was written`,
        { step: step.id, operation: spec.operationId, targets: plan.targetCount, limit },
      ),
      'fail',
    );
  }
  if (state.dryRun) return dryRunOutputs(state, step, spec, plan, paramsList, response);
  return withAttempts(state, step, record, (signal) =>
    writeFalcon({ ...io, signal }, spec, plan, paramsList.length),
  );
}

/** A dry run sends no notification and no HTTP call: it lists them as changes instead. */
function dryRunCalls(
  state: RunState,
  step: CompiledStep,
  name: string,
  paramsList: Record<string, unknown>[],
  response: ResponseGuardResult | null = null,
): unknown {
  state.changes.push({
    step: step.id,
    uses: step.uses,
    requestParams: paramsList,
    placeholders: holdsPlaceholder(paramsList),
    operation: name,
    targets: paramsList.length,
    requests: paramsList.length,
    sample: [],
    params: paramsList[0] ?? {},
    ...(response === null ? {} : { response: { kinds: response.kinds, hosts: response.hosts } }),
  });
  const outputs = paramsList.map(() => ({ dryRun: true }));
  return step.foreach === null ? outputs[0] : outputs;
}

function dryRunOutputs(
  state: RunState,
  step: CompiledStep,
  spec: OperationSpec,
  plan: WritePlan,
  paramsList: Record<string, unknown>[],
  response: ResponseGuardResult | null,
): unknown[] {
  const target = writeTargetOf(spec);
  const first = plan.units[0]?.params ?? paramsList[0] ?? {};
  const shown = { ...first };
  if (target && Array.isArray(shown[target.param])) {
    shown[target.param] = `[${plan.targetCount} ${target.param}]`;
  }
  const requestParams = plan.units.map((u) => u.params);
  state.changes.push({
    step: step.id,
    uses: step.uses,
    requestParams,
    placeholders: holdsPlaceholder(requestParams),
    operation: spec.operationId,
    targets: plan.targetCount,
    requests: plan.units.length,
    sample: sampleTargets(plan.units.flatMap((u) => u.targets)),
    params: shown,
    ...(response === null ? {} : { response: { kinds: response.kinds, hosts: response.hosts } }),
  });
  const perItem = paramsList.map(() => 0);
  for (const owner of plan.units.flatMap((u) => u.owners)) perItem[owner] = (perItem[owner] ?? 0) + 1;
  const counter = { next: 1 };
  return perItem.map((targets, item) => {
    const resources = placeholderResources(spec, step.id, plan, item, counter);
    return { resources, meta: {}, count: resources.length, targets, dryRun: true };
  });
}

/** A dry-run read that would carry ids only a dry-run write made up: not sent, answered in kind. */
async function placeholderRead(
  io: StepIo,
  spec: OperationSpec,
  params: Record<string, unknown>,
): Promise<unknown> {
  io.notes.push(`${io.step.uses}: not sent, it would read ids a dry-run write only pretended to create`);
  const resources = placeholderReadResources(spec, params);
  return { resources, meta: {}, count: resources.length, dryRun: true };
}

/** One expression context per item (foreach), or the step's context alone. */
async function itemContexts(step: CompiledStep, context: ExpressionContext): Promise<ExpressionContext[]> {
  if (step.foreach === null) return [context];
  const value = await evaluateItems(step.foreach.items, context, where(step, 'foreach'));
  // JSONata gives a single value for a one-element sequence and nothing for an empty one.
  const items = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
  return items.map((item, index) => itemContext(context, item, index));
}

/**
 * The context of one foreach item. Written out member by member, not `{ ...context, item, index }`:
 * Node 20's V8 builds a spread followed by more members on a slow path (~2 µs an object, against
 * ~0.1 µs for a literal), and the objects it builds are slower to read as well; a foreach over
 * thousands of items paid for both, once per item and again in every expression it rendered.
 */
function itemContext(context: ExpressionContext, item: unknown, index: number): ExpressionContext {
  const { inputs, steps, run, trigger, env } = context;
  // Every member but `resources` (bound per answer by `select:`, never on a step's context) is
  // required here, so a member added to ExpressionContext fails to type-check until it is copied.
  const copy: ItemContext = { inputs, steps, run, trigger, env, item, index };
  return copy;
}

type ItemContext = {
  [K in Exclude<keyof ExpressionContext, 'resources'>]-?: Exclude<ExpressionContext[K], undefined>;
};

function asParams(step: CompiledStep, rendered: unknown): Record<string, unknown> {
  if (rendered !== null && typeof rendered === 'object' && !Array.isArray(rendered)) {
    return rendered as Record<string, unknown>;
  }
  throw engineError('SOAR_ENGINE_BAD_VALUE', `step "${step.id}" with: must render to a map`, {
    step: step.id,
  });
}

/** Where an expression sits, for error messages: the step and its field. */
function where(step: CompiledStep, field: string): ExpressionSite {
  return { step: step.id, field };
}

/** The target count a checkpointed write output carries (summed over foreach items), or null. */
function targetsOf(output: unknown): number | null {
  const list = Array.isArray(output) ? output : [output];
  let total: number | null = null;
  for (const entry of list) {
    const targets = (entry as { targets?: unknown } | null)?.targets;
    if (typeof targets === 'number') total = (total ?? 0) + targets;
  }
  return total;
}

function codeAndMessage(error: RunErrorInfo): { code: string; message: string } {
  return { code: error.code, message: error.message };
}

function failedOutputError(output: unknown): RunErrorInfo | null {
  const error = (output as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (!error || typeof error.message !== 'string') return null;
  const code = isErrorCode(error.code) ? error.code : 'SOAR_ENGINE_STEP_FAILED';
  return toRunErrorInfo(engineError(code, error.message));
}
