/**
 * Splits a write step into units: one request each, small enough for the operation's id limit, each
 * with its own checkpoint key. Pure, so the split is the same on every attempt and after a crash
 * (the inputs come from checkpointed outputs of earlier steps).
 */

/** The array parameter that carries a write's targets and the most one request may carry. */
export interface WriteTarget {
  param: string;
  max: number;
}

/** One write request of a step. */
export interface WriteUnit {
  /** Checkpoint and intent key: step:<id>:batch:<n> or step:<id>:item:<i>:batch:<n>. */
  key: string;
  item: number;
  batch: number;
  params: Record<string, unknown>;
  /** The targets this unit carries (ids or indicator objects). */
  targets: readonly unknown[];
}

export interface WritePlan {
  units: WriteUnit[];
  /** Targets across the whole step, counted before anything is written (limits.max_targets). */
  targetCount: number;
  /** Items that carry no targets at all (an empty ids list): nothing to send for them. */
  emptyItems: number[];
}

/** The checkpoint key of one unit of a step. */
export function unitKey(stepId: string, item: number | null, batch: number): string {
  return item === null ? `step:${stepId}:batch:${batch}` : `step:${stepId}:item:${item}:batch:${batch}`;
}

/**
 * Plans the requests of a write step. `paramsPerItem` holds the rendered `with` of each foreach item
 * (one entry without foreach). A single id in the target parameter is sent as a list of one; a write
 * whose operation has no target parameter counts one target per item.
 */
export function planWrites(
  stepId: string,
  paramsPerItem: readonly Record<string, unknown>[],
  target: WriteTarget | null,
  foreach: boolean,
): WritePlan {
  const units: WriteUnit[] = [];
  const emptyItems: number[] = [];
  let targetCount = 0;
  paramsPerItem.forEach((params, item) => {
    const itemKey = foreach ? item : null;
    const raw = target === null ? undefined : params[target.param];
    // One id where the API takes a list (a JSONata path that matched a single value) is a list of one.
    const value = typeof raw === 'string' || typeof raw === 'number' ? [raw] : raw;
    if (target === null || !Array.isArray(value)) {
      targetCount += 1;
      units.push({ key: unitKey(stepId, itemKey, 0), item, batch: 0, params, targets: [value ?? item] });
      return;
    }
    targetCount += value.length;
    if (value.length === 0) {
      emptyItems.push(item);
      return;
    }
    chunk(value, target.max).forEach((slice, batch) => {
      units.push({
        key: unitKey(stepId, itemKey, batch),
        item,
        batch,
        params: { ...params, [target.param]: slice },
        targets: slice,
      });
    });
  });
  return { units, targetCount, emptyItems };
}

/** Splits `values` into consecutive slices of at most `size` (size < 1 is treated as 1). */
export function chunk<T>(values: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(size));
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += step) out.push(values.slice(i, i + step));
  return out;
}

/** A few targets for dry-run reports and logs: ids as they are, objects by their `value` or `id`. */
export function sampleTargets(targets: readonly unknown[], count = 5): string[] {
  return targets.slice(0, count).map((t) => {
    if (typeof t === 'string' || typeof t === 'number') return String(t);
    if (t && typeof t === 'object') {
      const o = t as Record<string, unknown>;
      const label = o['value'] ?? o['id'] ?? o['name'];
      if (typeof label === 'string') return label;
    }
    return JSON.stringify(t) ?? String(t);
  });
}
