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
  batch: number;
  params: Record<string, unknown>;
  /** The targets this unit carries (ids or indicator objects). */
  targets: readonly unknown[];
  /** For each target, the foreach item it came from (0 without foreach). */
  owners: readonly number[];
}

/** The requests of one write step, decided before any is sent. */
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

/** How the items of a write step map to requests. */
export interface WriteLayout {
  /** The step has `foreach`: units are keyed by item. */
  foreach: boolean;
  /**
   * Foreach items that differ only in their targets share requests. The engine turns it on for
   * writes it checks before every request (IOC create), where one request per item would also cost
   * one read per item; other writes keep one request per item, as the author wrote them (a list of
   * ids passed without foreach is batched anyway).
   */
  share: boolean;
  /**
   * For a write without an id parameter: the list parameter whose length counts as its targets for
   * limits.max_targets (create_scan's `hosts`). Nothing is split by it.
   */
  countParam?: string;
}

/**
 * Plans the requests of a write step. `paramsPerItem` holds the rendered `with` of each foreach item
 * (one entry without foreach). A single id in the target parameter is sent as a list of one; a write
 * whose operation has no target parameter counts one target per item. With `share`, 900 hashes to
 * block are one IOC create of 900 indicators, not 900 calls.
 */
export function planWrites(
  stepId: string,
  paramsPerItem: readonly Record<string, unknown>[],
  target: WriteTarget | null,
  layout: WriteLayout,
): WritePlan {
  const { foreach } = layout;
  const merged = foreach && layout.share && target !== null ? coalesce(stepId, paramsPerItem, target) : null;
  if (merged) return merged;
  const units: WriteUnit[] = [];
  const emptyItems: number[] = [];
  let targetCount = 0;
  paramsPerItem.forEach((params, item) => {
    const itemKey = foreach ? item : null;
    const value = target === null ? undefined : targetList(params[target.param]);
    if (target === null || value === undefined) {
      // One request; for limits.max_targets it counts what it acts on (a scan's hosts), else 1.
      const counted = layout.countParam === undefined ? undefined : params[layout.countParam];
      const targets =
        Array.isArray(counted) && counted.length > 0
          ? counted
          : [target === null ? item : (params[target.param] ?? item)];
      targetCount += targets.length;
      units.push({
        key: unitKey(stepId, itemKey, 0),
        batch: 0,
        params,
        targets,
        owners: targets.map(() => item),
      });
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
        batch,
        params: { ...params, [target.param]: slice },
        targets: slice,
        owners: slice.map(() => item),
      });
    });
  });
  return { units, targetCount, emptyItems };
}

/** A target parameter as a list: one id where the API takes a list is a list of one. */
function targetList(raw: unknown): unknown[] | undefined {
  if (typeof raw === 'string' || typeof raw === 'number') return [raw];
  return Array.isArray(raw) ? raw : undefined;
}

/** One plan for all items when every item's params are the same apart from the targets; else null. */
function coalesce(
  stepId: string,
  paramsPerItem: readonly Record<string, unknown>[],
  target: WriteTarget,
): WritePlan | null {
  const first = paramsPerItem[0];
  if (paramsPerItem.length < 2 || first === undefined) return null;
  const shared = JSON.stringify({ ...first, [target.param]: null });
  const targets: unknown[] = [];
  const owners: number[] = [];
  const emptyItems: number[] = [];
  for (const [item, params] of paramsPerItem.entries()) {
    const list = targetList(params[target.param]);
    if (list === undefined || JSON.stringify({ ...params, [target.param]: null }) !== shared) return null;
    if (list.length === 0) emptyItems.push(item);
    for (const t of list) {
      targets.push(t);
      owners.push(item);
    }
  }
  const ownerSlices = chunk(owners, target.max);
  const units = chunk(targets, target.max).map((slice, batch) => ({
    key: unitKey(stepId, null, batch),
    batch,
    params: { ...first, [target.param]: slice },
    targets: slice,
    owners: ownerSlices[batch] ?? [],
  }));
  return { units, targetCount: targets.length, emptyItems };
}

/**
 * Which item each resource of a shared request's answer belongs to: the target it matches (the same
 * id, or the same type and value for indicators); a resource that matches none goes to the unit's
 * first item, so nothing is lost.
 */
export function attributeResources(unit: WriteUnit, resources: readonly unknown[]): Map<number, unknown[]> {
  const out = new Map<number, unknown[]>();
  const add = (owner: number, resource: unknown): void => {
    const list = out.get(owner);
    if (list) list.push(resource);
    else out.set(owner, [resource]);
  };
  const single = unit.owners.every((o) => o === unit.owners[0]);
  // One index over the targets instead of a scan per resource: a unit holds up to 2,000 indicators.
  const findTarget = single ? () => -1 : targetFinder(unit.targets);
  for (const resource of resources) {
    add(unit.owners[findTarget(resource)] ?? unit.owners[0] ?? 0, resource);
  }
  return out;
}

/**
 * Finds the first target a resource answers for: the same value, the same id (a target given as an
 * id string or an object with `id`), or for targets without an id the same value (case-insensitive,
 * as Falcon stores hashes lower-case) and, when the target names one, the same type. -1 for none.
 */
function targetFinder(targets: readonly unknown[]): (resource: unknown) => number {
  const byIdentity = new Map<unknown, number>();
  const byId = new Map<unknown, number>();
  const byValue = new Map<string, number>();
  const byTypedValue = new Map<string, number>();
  const first = <K>(map: Map<K, number>, key: K, index: number): void => {
    if (!map.has(key)) map.set(key, index);
  };
  targets.forEach((target, index) => {
    first(byIdentity, target, index);
    if (typeof target === 'string') first(byId, target, index);
    if (typeof target !== 'object' || target === null) return;
    const t = target as Record<string, unknown>;
    if (t['id'] !== undefined) first(byId, t['id'], index);
    else if (typeof t['value'] === 'string') {
      const value = t['value'].toLowerCase();
      if (t['type'] === undefined) first(byValue, value, index);
      else first(byTypedValue, typedKey(t['type'], value), index);
    }
  });
  return (resource) => {
    let best = byIdentity.get(resource) ?? -1;
    const consider = (index: number | undefined): void => {
      if (index !== undefined && (best === -1 || index < best)) best = index;
    };
    if (typeof resource === 'object' && resource !== null) {
      const r = resource as Record<string, unknown>;
      if (r['id'] !== undefined) consider(byId.get(r['id']));
      if (typeof r['value'] === 'string') {
        const value = r['value'].toLowerCase();
        consider(byValue.get(value));
        consider(byTypedValue.get(typedKey(r['type'], value)));
      }
    }
    return best;
  };
}

function typedKey(type: unknown, lowerValue: string): string {
  return `${typeof type}:${String(type)}\u0000${lowerValue}`;
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
