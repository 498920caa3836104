/**
 * Falcon actions of a step: reads (one call, or every page), and writes split into checkpointed
 * units. The write protocol per unit, so a crash at any moment applies each write exactly once:
 *   1. a checkpoint for the unit exists          -> use its output, send nothing;
 *   2. the unit's outcome is uncertain (intent without checkpoint), or the operation is checked
 *      before every write (IOC create)           -> read back the targets, send only what is missing;
 *   3. mark the intent, send the request, save the checkpoint.
 */
import type { OperationSpec } from '../falcon/operations/index.ts';
import type { CompiledStep } from '../playbook/compiled.ts';
import { mapWithConcurrency } from './concurrency.ts';
import { readBatchOf } from './operation-facts.ts';
import type { CountingFalcon } from './counting-falcon.ts';
import type { FalconResult } from './ports.ts';
import { checksBeforeEveryWrite, reconcileWrite } from './reconcile.ts';
import { certainlyNotApplied, engineError } from './run-errors.ts';
import { stoppedError } from './stoppable-falcon.ts';
import { markIntent, type RunState, saveCheckpoint } from './run-state.ts';
import { attributeResources, chunk, type WritePlan, type WriteUnit } from './write-plan.ts';

/** Write requests of one step in flight at once, when the step does not say (foreach concurrency). */
export const DEFAULT_WRITE_CONCURRENCY = 4;

/**
 * Id batches of one read in flight at once. Reads change nothing, so their batches need not wait for
 * each other; every call still takes its turn from the shared rate budget.
 */
export const DEFAULT_READ_CONCURRENCY = 4;

/**
 * Output of a Falcon step: the answer's resources (all pages, all batches), the last answer's meta,
 * the resource count, and for writes the number of targets.
 */
export interface FalconOutput {
  resources: unknown[];
  meta: Record<string, unknown>;
  count: number;
  targets?: number;
}

/** What one step attempt works with. */
export interface StepIo {
  state: RunState;
  step: CompiledStep;
  /** Counts the step's API calls. */
  falcon: CountingFalcon;
  /** Aborts on run cancellation or step timeout. */
  signal: AbortSignal;
  /** Decisions worth showing in the step record. */
  notes: string[];
}

/**
 * What a step keeps of one page or batch: its `select:` projection, or every resource. Applied as
 * each answer arrives, so a step that selects never holds all the full documents at once.
 */
export type KeepResources = (resources: readonly unknown[]) => Promise<unknown[]>;

/** Keeps every resource (a step without `select:`). */
// The answer's own array: nothing else holds it, so no copy is needed.
export const keepAll: KeepResources = async (resources) => resources as unknown[];

/** Calls a read operation once, or pages through it when the step says `paginate`. */
export async function readFalcon(
  io: StepIo,
  spec: OperationSpec,
  params: Record<string, unknown>,
  keep: KeepResources = keepAll,
): Promise<FalconOutput> {
  if (io.step.paginate === null || spec.pagination === 'none') return readByIds(io, spec, params, keep);
  const maxItems = io.step.paginate.maxItems;
  const resources: unknown[] = [];
  let meta: Record<string, unknown> = {};
  // max_items bounds what is fetched, before select: it stops paging, whatever select keeps.
  let fetched = 0;
  for await (const page of io.falcon.pages(spec.operationId, params, { signal: io.signal })) {
    let got = page.resources;
    const over = maxItems === null ? 0 : fetched + got.length - maxItems;
    if (over > 0) got = got.slice(0, got.length - over);
    fetched += got.length;
    append(resources, await keep(got));
    meta = page.meta;
    if (maxItems !== null && fetched >= maxItems) {
      io.notes.push(`stopped paging at max_items ${maxItems}`);
      break;
    }
  }
  return { resources, meta, count: resources.length };
}

/**
 * One read call, or several when the id list is longer than the operation takes in one request
 * (GetDetectSummaries takes 1000), a few at a time: what each answer keeps is concatenated in the
 * order of the ids.
 */
async function readByIds(
  io: StepIo,
  spec: OperationSpec,
  params: Record<string, unknown>,
  keep: KeepResources,
): Promise<FalconOutput> {
  const ids = spec.ids ? params[spec.ids.param] : undefined;
  if (!spec.ids || !Array.isArray(ids) || ids.length <= spec.ids.max) {
    const result = await io.falcon.call(spec.operationId, params, { signal: io.signal });
    const kept = await keep(result.resources);
    return { resources: kept, meta: result.meta, count: kept.length };
  }
  const idParam = spec.ids.param;
  const batches = await mapWithConcurrency(
    chunk(ids, spec.ids.max),
    DEFAULT_READ_CONCURRENCY,
    async (slice) => {
      const page = await io.falcon.call(
        spec.operationId,
        { ...params, [idParam]: slice },
        { signal: io.signal },
      );
      // select runs on each batch as it arrives, so full documents are not all held at once.
      return { kept: await keep(page.resources), meta: page.meta };
    },
  );
  const resources: unknown[] = [];
  for (const batch of batches) append(resources, batch.kept);
  return { resources, meta: batches.at(-1)?.meta ?? {}, count: resources.length };
}

/** Appends without spreading: a spread of a very long array overflows the call stack. */
function append(target: unknown[], items: readonly unknown[]): void {
  for (const item of items) target.push(item);
}

/** Sends the units of a write plan; returns one output per item (one entry without foreach). */
export async function writeFalcon(
  io: StepIo,
  spec: OperationSpec,
  plan: WritePlan,
  itemCount: number,
): Promise<FalconOutput[]> {
  const concurrency = io.step.foreach?.concurrency ?? DEFAULT_WRITE_CONCURRENCY;
  const results = await mapWithConcurrency(plan.units, concurrency, (unit) => sendUnit(io, spec, unit));
  const outputs: FalconOutput[] = Array.from({ length: itemCount }, () => ({
    resources: [],
    meta: {},
    count: 0,
    targets: 0,
  }));
  plan.units.forEach((unit, i) => {
    const result = results[i] as FalconOutput;
    for (const owner of unit.owners) {
      const out = outputs[owner] as FalconOutput;
      out.targets = (out.targets ?? 0) + 1;
      out.meta = result.meta;
    }
    for (const [owner, resources] of attributeResources(unit, result.resources)) {
      append((outputs[owner] as FalconOutput).resources, resources);
    }
  });
  for (const out of outputs) out.count = out.resources.length;
  return outputs;
}

async function sendUnit(io: StepIo, spec: OperationSpec, unit: WriteUnit): Promise<FalconOutput> {
  const { state } = io;
  const done = state.checkpoints.get(unit.key);
  if (done) return done.output as FalconOutput;
  let params = unit.params;
  let found: unknown[] = [];
  const uncertain = state.uncertain.has(unit.key);
  if (uncertain || checksBeforeEveryWrite(spec.operationId)) {
    const readBack = await reconcileWrite(spec, params, {
      falcon: io.falcon,
      signal: io.signal,
      readBatch: readBatchOf(spec),
      intentAt: state.intentAt.get(unit.key) ?? null,
    });
    if (readBack.kind === 'unknown') {
      throw engineError(
        'SOAR_ENGINE_UNKNOWN_OUTCOME',
        `step "${io.step.id}" ${unit.key}: ${readBack.note}; not repeated`,
        { step: io.step.id, operation: spec.operationId, unit: unit.key },
      );
    }
    if (readBack.kind === 'done') {
      io.notes.push(`${unit.key}: ${readBack.note}`);
      const output = { resources: readBack.resources, meta: {}, count: readBack.resources.length };
      await saveCheckpoint(state, {
        key: unit.key,
        status: 'succeeded',
        output,
        at: state.ports.clock.now(),
      });
      return output;
    }
    if (readBack.note !== null) io.notes.push(`${unit.key}: ${readBack.note}`);
    params = readBack.params;
    found = readBack.found;
  }
  return sendAndCheckpoint(io, spec, unit, params, found);
}

async function sendAndCheckpoint(
  io: StepIo,
  spec: OperationSpec,
  unit: WriteUnit,
  params: Record<string, unknown>,
  found: unknown[],
): Promise<FalconOutput> {
  const { state } = io;
  // Stopping: send nothing new, and mark no intent that would make the next worker read back.
  if (state.stop?.aborted) throw stoppedError(state.runId);
  await markIntent(state, unit.key, {
    operation: spec.operationId,
    step: io.step.id,
    targets: unit.targets.length,
  });
  let result: FalconResult;
  try {
    result = await io.falcon.call(spec.operationId, params, { signal: io.signal });
  } catch (error) {
    // A 4xx means Falcon changed nothing, so a retry may send again without reading back first.
    if (certainlyNotApplied(error)) state.uncertain.delete(unit.key);
    throw error;
  }
  noteApiErrors(io, unit.key, result);
  const resources = [...found, ...result.resources];
  const output: FalconOutput = { resources, meta: result.meta, count: resources.length };
  await saveCheckpoint(state, { key: unit.key, status: 'succeeded', output, at: state.ports.clock.now() });
  return output;
}

/**
 * A 2xx answer can still list per-target errors (an id that does not exist): the write went through
 * for the others, so the step succeeds, and the record says what Falcon refused.
 */
function noteApiErrors(io: StepIo, where: string, result: FalconResult): void {
  if (result.errors.length === 0) return;
  const first = result.errors[0];
  const sample = first ? ` (first: ${first.code} ${first.message.slice(0, 120)})` : '';
  io.notes.push(`${where}: Falcon reported ${result.errors.length} error(s)${sample}`);
}
