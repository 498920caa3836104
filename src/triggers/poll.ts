/**
 * The poll trigger: runs a query operation every `everyMs`, and starts one run per new item ('item'
 * mode) or one run per poll with all new items ('batch' mode).
 *
 * Exactly-once per item, across restarts and several pollers:
 *   1. items already in the seen set (`<prefix>:poll:<playbook>:seen`, a zset by first-seen time) are
 *      dropped; with a `cursor` field, items whose field is not above the stored cursor are dropped too;
 *   2. the run is enqueued with a run id derived from playbook + item id (+ the batch's sorted ids), so
 *      a second poller enqueueing the same item gets "duplicate";
 *   3. only then are the ids added to the seen set and the cursor moved: a crash between 2 and 3 makes
 *      the next poll enqueue the same run id again, which is refused.
 */
import type { FalconPort } from '../engine/ports.ts';
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
    let result: { resources: unknown[] };
    try {
      result = await options.falcon.call(trigger.operationId, { ...trigger.with });
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
    const items = result.resources.map(toItem);
    const cursor = trigger.cursor === null ? null : await talon.redis.call('GET', cursorKey);
    const fresh: PolledItem[] = [];
    for (const item of items) {
      if (
        cursor !== null &&
        trigger.cursor !== null &&
        !isAfterCursor(item.value, trigger.cursor, String(cursor))
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

function isAfterCursor(value: unknown, field: string, cursor: string): boolean {
  const v = fieldOf(value, field);
  if (v === null) return true;
  return compareCursor(v, typeof v === 'number' ? Number(cursor) : cursor) > 0;
}

/** Orders cursor values: numerically when both are numbers, as text otherwise (ISO timestamps sort). */
function compareCursor(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const na = Number(a);
  const nb = Number(b);
  if (typeof a === 'number' || typeof b === 'number') return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
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
