/**
 * Shared shapes and helpers of the read-backs (reconcile.ts picks one per operationId).
 */
import type { FalconPort } from './ports.ts';
import { httpStatusOf } from './run-errors.ts';
import type { WriteParams } from './write-params.ts';
import { chunk } from './write-plan.ts';

/** What a read-back found. */
export type ReadBack =
  /** Every target is already in the desired state: send nothing. `resources` stand in for the answer. */
  | { kind: 'done'; resources: unknown[]; note: string }
  /** Send the write with these params (the targets still missing); `found` joins the step output. */
  | { kind: 'write'; params: Record<string, unknown>; found: unknown[]; note: string | null }
  /** No way to tell; the caller must not repeat the write. */
  | { kind: 'unknown'; note: string };

/** What a read-back may use: the Falcon port, the attempt's signal, the read batch size. */
export interface ReadBackContext {
  falcon: FalconPort;
  signal: AbortSignal;
  /** Most ids one read-back request may carry (the read operation's ids.max). */
  readBatch: number;
  /** When the uncertain request's intent was marked (epoch ms), if known. */
  intentAt: number | null;
}

/** Splits targets into those in the desired state and those that still need the write. */
export function partition(
  ids: readonly string[],
  entities: readonly Record<string, unknown>[],
  idField: string,
  matches: (entity: Record<string, unknown>) => boolean,
): { done: Record<string, unknown>[]; missing: string[] } {
  const byId = new Map(entities.map((e) => [String(e[idField]), e]));
  const done: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const entity = byId.get(id);
    if (entity && matches(entity)) done.push(entity);
    else missing.push(id);
  }
  return { done, missing };
}

/** Reads entities by id through `operation`, in batches the operation accepts. */
export async function readEntities(
  operation: string,
  ids: readonly string[],
  context: ReadBackContext,
  idParam = 'ids',
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const slice of chunk(ids, context.readBatch)) {
    let resources: unknown[];
    try {
      resources = (await context.falcon.call(operation, { [idParam]: slice }, { signal: context.signal }))
        .resources;
    } catch (error) {
      // Falcon answers 404 when none of the ids exists (falcon-api.md §11; docs/emulator.md).
      if (httpStatusOf(error) !== 404) throw error;
      resources = [];
    }
    for (const r of resources) if (isRecord(r)) out.push(r);
  }
  return out;
}

/** The read-back result for id-addressed writes: done, or a write limited to the ids still missing. */
export function outcome(
  write: WriteParams,
  ids: readonly string[],
  missing: string[],
  what: string,
  idParam = 'ids',
): ReadBack {
  if (missing.length === 0) {
    return { kind: 'done', resources: [], note: `read back ${ids.length} ${what}: already applied` };
  }
  const note =
    missing.length === ids.length
      ? null
      : `read back ${ids.length} ${what}: ${ids.length - missing.length} already applied, re-sent ${missing.length}`;
  return { kind: 'write', params: write.withTargets(idParam, missing), found: [], note };
}

/** The entries of `source` named in `keys` that have a value. */
export function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return out;
}

/** A value as a list of strings (a scalar becomes a list of one, nothing an empty list). */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null ? [] : [String(value)];
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
