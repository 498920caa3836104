/**
 * The poll trigger: runs a query operation every `everyMs`, and starts one run per new item ('item'
 * mode) or one run per poll with all new items ('batch' mode).
 *
 * Every page of the query is read (not only the first), so nothing past the first page is lost.
 *
 * Exactly-once per item, across restarts and several pollers:
 *   1. items already in the seen set (`<prefix>:poll:<playbook>:seen`, a zset by first-seen time) are
 *      dropped; with a `cursor` field, items whose field is below the stored cursor are dropped too.
 *      Items AT the cursor are kept (several items can share one timestamp, and the last poll may have
 *      seen only some of them): the seen set dedupes them. Timestamps compare as times, not as text.
 *      A query that returns ids gets the cursor field from the collection's details operation;
 *   2. the run is enqueued with a run id derived from playbook + item id (+ the batch's sorted ids), so
 *      a second poller enqueueing the same item gets "duplicate";
 *   3. only then are the ids added to the seen set and the cursor moved: a crash between 2 and 3 makes
 *      the next poll enqueue the same run id again, which is refused.
 */
import type { FalconPort } from '../engine/ports.ts';
import { ALL_OPERATIONS, findOperation, type OperationSpec } from '../falcon/operations/index.ts';
import type { CompiledPlaybook, CompiledTrigger } from '../playbook/compiled.ts';
import { pollRunId, RUN_RECORD_TTL_MS, slugify, type TalonQueue } from '../queue/index.ts';
import { type Clock, type Logger, SoarError, toSoarError } from '../shared/index.ts';

type PollTrigger = Extract<CompiledTrigger, { type: 'poll' }>;

export interface PollTriggerOptions {
  plan: CompiledPlaybook;
  trigger: PollTrigger;
  falcon: FalconPort;
  talon: TalonQueue;
  logger: Logger;
  clock: Clock;
  /** Start the interval timer. @default true (tests call pollOnce themselves) */
  autoStart?: boolean;
}

export interface PollOutcome {
  /** Items the query returned. */
  seen: number;
  /** Items that were new. */
  fresh: number;
  /** Run ids enqueued by this poll (duplicates refused by Redis are not listed). */
  enqueued: string[];
}

export interface PollHandle {
  pollOnce(): Promise<PollOutcome>;
  stop(): Promise<void>;
}

interface PolledItem {
  id: string;
  value: unknown;
}

/** Starts polling (or, with autoStart false, returns a handle to poll by hand). */
export function startPollTrigger(options: PollTriggerOptions): PollHandle {
  const { plan, trigger, talon } = options;
  const slug = slugify(plan.name);
  const seenKey = talon.keys.pollSeen(slug);
  const cursorKey = talon.keys.pollCursor(slug);
  let running: Promise<PollOutcome> | null = null;

  const pollOnce = async (): Promise<PollOutcome> => {
    let items: PolledItem[];
    try {
      items = [];
      for await (const page of options.falcon.pages(trigger.operationId, { ...trigger.with }))
        items.push(...page.resources.map(toItem));
      if (trigger.cursor !== null) items = await withCursorValues(options.falcon, trigger, items);
    } catch (error) {
      throw new SoarError(
        'SOAR_TRIGGERS_POLL_FAILED',
        `poll of "${plan.name}": ${toSoarError(error).message}`,
        {
          cause: error,
          details: { playbook: plan.name, operation: trigger.operationId },
        },
      );
    }
    const cursor = trigger.cursor === null ? null : await talon.redis.call('GET', cursorKey);
    const fresh: PolledItem[] = [];
    for (const item of items) {
      if (
        cursor !== null &&
        trigger.cursor !== null &&
        !isAtOrAfterCursor(item.value, trigger.cursor, String(cursor))
      ) {
        continue;
      }
      if ((await talon.redis.call('ZSCORE', seenKey, item.id)) === null) fresh.push(item);
    }
    const enqueued: string[] = [];
    const now = options.clock.now();
    const batches =
      trigger.mode === 'batch' ? (fresh.length > 0 ? [fresh] : []) : fresh.map((item) => [item]);
    for (const batch of batches) {
      const ids = batch.map((item) => item.id).sort();
      const data =
        trigger.mode === 'batch'
          ? { ids, items: batch.map((i) => i.value) }
          : { id: ids[0], item: batch[0]?.value };
      const added = await talon.enqueue({
        plan,
        inputs: {},
        trigger: { type: 'poll', at: now, source: trigger.operationId, data },
        runId: pollRunId(plan.name, ids.join(',')),
        ...(trigger.tenant === undefined ? {} : { tenant: trigger.tenant }),
      });
      if (added.outcome === 'added') enqueued.push(added.runId);
      await talon.redis.call('ZADD', seenKey, ...batch.flatMap((item) => [now, item.id]));
    }
    await talon.redis.call('ZREMRANGEBYSCORE', seenKey, '-inf', now - RUN_RECORD_TTL_MS);
    if (trigger.cursor !== null) await moveCursor(talon, cursorKey, fresh, trigger.cursor);
    if (enqueued.length > 0)
      options.logger.info({ playbook: plan.name, runs: enqueued.length }, 'poll enqueued runs');
    return { seen: items.length, fresh: fresh.length, enqueued };
  };

  const tick = (): void => {
    if (running) return;
    running = pollOnce()
      .catch((error: unknown) => {
        options.logger.warn({ playbook: plan.name, error: toSoarError(error).message }, 'poll failed');
        return { seen: 0, fresh: 0, enqueued: [] };
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = options.autoStart === false ? null : setInterval(tick, trigger.everyMs);
  if (timer) setImmediate(tick);
  return {
    pollOnce,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

function toItem(resource: unknown): PolledItem {
  if (typeof resource === 'string' || typeof resource === 'number')
    return { id: String(resource), value: resource };
  if (typeof resource === 'object' && resource !== null) {
    const r = resource as Record<string, unknown>;
    const id = r['id'] ?? r['composite_id'] ?? r['detection_id'] ?? r['incident_id'];
    if (typeof id === 'string' || typeof id === 'number') return { id: String(id), value: resource };
  }
  return { id: JSON.stringify(resource), value: resource };
}

function fieldOf(value: unknown, field: string): string | number | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = (value as Record<string, unknown>)[field];
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

function isAtOrAfterCursor(value: unknown, field: string, cursor: string): boolean {
  const v = fieldOf(value, field);
  if (v === null) return true;
  return compareCursor(v, typeof v === 'number' ? Number(cursor) : cursor) >= 0;
}

// An RFC 3339 / ISO 8601 timestamp: compared as an instant (2026-01-01T10:00:00Z equals
// 2026-01-01T11:00:00+01:00, and .5Z sorts after Z), never as text.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Orders cursor values: numbers as numbers, timestamps as times, other text as text. */
export function compareCursor(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  if (TIMESTAMP.test(a) && TIMESTAMP.test(b)) {
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    if (!Number.isNaN(ta) && !Number.isNaN(tb) && ta !== tb) return ta - tb;
    if (!Number.isNaN(ta) && !Number.isNaN(tb)) return fractionOf(a) - fractionOf(b);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sub-millisecond digits Date.parse drops (2026-01-01T00:00:00.0001Z), as a fraction of a ms. */
function fractionOf(text: string): number {
  const digits = /\.(\d+)/.exec(text)?.[1] ?? '';
  return digits.length > 3 ? Number(`0.${digits.slice(3)}`) : 0;
}

/**
 * The details operation of a query's collection (the one that takes ids and answers entities),
 * preferring the query's API version: how a cursor field is read when the query returns ids.
 */
export function detailsOperationFor(query: OperationSpec): OperationSpec | undefined {
  const version = /\/v(\d+)$/.exec(query.path)?.[1];
  const candidates = ALL_OPERATIONS.filter(
    (op) =>
      op.collection === query.collection &&
      op.kind === 'read' &&
      op.resources === 'entities' &&
      op.ids !== undefined &&
      op.pagination === 'none' &&
      op.deprecated?.removed !== true,
  );
  return candidates.find((op) => op.path.endsWith(`/v${version}`)) ?? candidates[0];
}

const ID_FIELDS = ['id', 'composite_id', 'detection_id', 'incident_id', 'device_id'] as const;

/** Replaces id items by their entities (for the cursor field) when the query returned ids. */
async function withCursorValues(
  falcon: FalconPort,
  trigger: PollTrigger,
  items: PolledItem[],
): Promise<PolledItem[]> {
  const ids = items.filter((item) => typeof item.value === 'string').map((item) => item.id);
  if (ids.length === 0) return items;
  const query = findOperation(trigger.operationId);
  const details = query ? detailsOperationFor(query) : undefined;
  if (!details?.ids) return items;
  const wanted = new Set(ids);
  const byId = new Map<string, unknown>();
  for (let i = 0; i < ids.length; i += details.ids.max) {
    const batch = ids.slice(i, i + details.ids.max);
    const answer = await falcon.call(details.operationId, { [details.ids.param]: batch });
    for (const entity of answer.resources) {
      // Entities name their id differently (composite_id, detection_id, device_id...): match any.
      const r = (entity ?? {}) as Record<string, unknown>;
      for (const field of ID_FIELDS) {
        const value = r[field];
        if (typeof value === 'string' && wanted.has(value)) byId.set(value, entity);
      }
    }
  }
  return items.map((item) => {
    const entity = byId.get(item.id);
    return entity === undefined ? item : { id: item.id, value: entity };
  });
}

async function moveCursor(talon: TalonQueue, key: string, items: PolledItem[], field: string): Promise<void> {
  let max: string | number | null = null;
  for (const item of items) {
    const value = fieldOf(item.value, field);
    if (value !== null && (max === null || compareCursor(value, max) > 0)) max = value;
  }
  if (max === null) return;
  const current = await talon.redis.call('GET', key);
  if (
    current === null ||
    compareCursor(max, typeof max === 'number' ? Number(current) : String(current)) > 0
  ) {
    await talon.redis.call('SET', key, String(max));
  }
}
