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
  const targets: unknown[] = [];
  const owners: number[] = [];
  const emptyItems: number[] = [];
  for (let item = 0; item < paramsPerItem.length; item++) {
    const params = paramsPerItem[item] as Record<string, unknown>;
    const list = targetList(params[target.param]);
    if (list === undefined || !sameParamsBesides(params, first, target.param)) return null;
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
 * Whether two items' params would send the same request apart from `targetParam`: equal as JSON
 * (what JSON.stringify of both would show, members in any order), compared in place. Thousands of
 * foreach items are compared with the first, and a string per item was most of coalescing's cost.
 */
function sameParamsBesides(
  params: Record<string, unknown>,
  first: Record<string, unknown>,
  targetParam: string,
): boolean {
  if (params === first) return true;
  return sameMembers(params, first, targetParam);
}

function sameMembers(a: Record<string, unknown>, b: Record<string, unknown>, skip: string | null): boolean {
  let counted = 0;
  for (const key of Object.keys(a)) {
    if (key === skip || jsonAbsent(a[key])) continue;
    counted += 1;
    if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
  }
  for (const key of Object.keys(b)) if (key !== skip && !jsonAbsent(b[key])) counted -= 1;
  return counted === 0;
}

/** A member JSON.stringify leaves out of an object. */
function jsonAbsent(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Equal as JSON text: plain data (what rendered params are) compared in place, anything else as JSON. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // Values JSON prints alike although they differ (NaN and Infinity are both null).
    return JSON.stringify(a) === JSON.stringify(b);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const list = b as unknown[];
    if (a.length !== list.length) return false;
    // In a list JSON prints what it leaves out of an object as null.
    for (let i = 0; i < a.length; i++) if (!sameJson(asListed(a[i]), asListed(list[i]))) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return JSON.stringify(a) === JSON.stringify(b);
  return sameMembers(a as Record<string, unknown>, b as Record<string, unknown>, null);
}

function asListed(value: unknown): unknown {
  return jsonAbsent(value) ? null : value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  );
}

/**
 * Which item each resource of a shared request's answer belongs to: the target it matches (the same
 * id, or the same type and value for indicators); a resource that matches none goes to the unit's
 * first item, so nothing is lost.
 */
export function attributeResources(unit: WriteUnit, resources: readonly unknown[]): Map<number, unknown[]> {
  const out = new Map<number, unknown[]>();
  const { owners } = unit;
  const firstOwner = owners[0] ?? 0;
  const single = owners.every((o) => o === firstOwner);
  if (single) {
    if (resources.length > 0) out.set(firstOwner, [...resources]);
    return out;
  }
  // One index over the targets instead of a scan per resource: a unit holds up to 2,000 indicators.
  const targets = targetIndex(unit.targets);
  for (const resource of resources) {
    const owner = owners[findTarget(targets, resource)] ?? firstOwner;
    const list = out.get(owner);
    if (list) list.push(resource);
    else out.set(owner, [resource]);
  }
  return out;
}

/** The first target index for each way a resource can name a target (see findTarget). */
interface TargetIndex {
  byIdentity: Map<unknown, number>;
  byId: Map<unknown, number>;
  byValue: Map<string, number>;
  byTypedValue: Map<string, number>;
}

function targetIndex(targets: readonly unknown[]): TargetIndex {
  const index: TargetIndex = {
    byIdentity: new Map(),
    byId: new Map(),
    byValue: new Map(),
    byTypedValue: new Map(),
  };
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    setFirst(index.byIdentity, target, i);
    if (typeof target === 'string') setFirst(index.byId, target, i);
    if (typeof target !== 'object' || target === null) continue;
    const t = target as Record<string, unknown>;
    if (t['id'] !== undefined) setFirst(index.byId, t['id'], i);
    else if (typeof t['value'] === 'string') {
      const value = t['value'].toLowerCase();
      if (t['type'] === undefined) setFirst(index.byValue, value, i);
      else setFirst(index.byTypedValue, typedKey(t['type'], value), i);
    }
  }
  return index;
}

function setFirst<K>(map: Map<K, number>, key: K, index: number): void {
  if (!map.has(key)) map.set(key, index);
}

/**
 * Finds the first target a resource answers for: the same value, the same id (a target given as an
 * id string or an object with `id`), or for targets without an id the same value (case-insensitive,
 * as Falcon stores hashes lower-case) and, when the target names one, the same type. -1 for none.
 */
function findTarget(index: TargetIndex, resource: unknown): number {
  let best = index.byIdentity.get(resource) ?? -1;
  if (typeof resource !== 'object' || resource === null) return best;
  const r = resource as Record<string, unknown>;
  if (r['id'] !== undefined) best = earlier(best, index.byId.get(r['id']));
  if (typeof r['value'] === 'string') {
    const value = r['value'].toLowerCase();
    if (index.byValue.size > 0) best = earlier(best, index.byValue.get(value));
    if (index.byTypedValue.size > 0) best = earlier(best, index.byTypedValue.get(typedKey(r['type'], value)));
  }
  return best;
}

function earlier(best: number, index: number | undefined): number {
  return index !== undefined && (best === -1 || index < best) ? index : best;
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
