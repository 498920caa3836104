/**
 * Count-bounded retention of finished runs: Redis keeps the newest `keep` succeeded/cancelled runs and,
 * in a line of their own, the newest `keep` failed runs; older ones lose their record, step hash,
 * checkpoints and intents. Failed runs are counted apart so a flood of succeeded runs never pushes out
 * a failed run that still needs attention (`talon runs resume` needs its checkpoints); a failed run is
 * only dropped once `keep` newer runs failed too, or when its record expires (RUN_RECORD_TTL_MS).
 *
 * The final-record script (run-records.ts) adds each finished run to `keys.finishedRuns()` or
 * `keys.failedRuns()` by finish time; the run worker's trimmer drops what lies beyond `keep`, in
 * batches, in the background, once every TRIM_EVERY finished runs: per run that is one sorted-set add
 * (inside the final-record script) and, past the cap, a share of one delete script per batch, whatever
 * the number of runs kept.
 */
import type { LuaScript, RedisClient } from './bullmq.ts';
import { type KeyLayout, RUN_RECORD_TTL_MS } from './names.ts';

/** The run worker trims after this many finished runs (of its own). */
export const TRIM_EVERY = 25;
/** Run ids looked at per trim script; a trim repeats until nothing lies beyond the cap. */
const TRIM_BATCH = 200;

// KEYS: one finished-runs index. ARGV: keep, batch, expiredBefore (epoch ms). Entries finished before
// `expiredBefore` point at records their TTL removed already: dropped first. Returns the oldest ids beyond
// the newest `keep`, at most `batch` of them.
const PICK_BEYOND: LuaScript = {
  name: 'talon-runs-beyond',
  source: `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[1])
if excess <= 0 then return {} end
return redis.call('ZRANGE', KEYS[1], 0, math.min(excess, tonumber(ARGV[2])) - 1)`,
};

// KEYS: run index, finished index, failed index, then per run: run hash, steps hash, checkpoints,
// intents. ARGV: the run ids, in the same order. Deletes a run only while it is finished (or its record
// is gone): a failed run that `talon runs resume` put back in the queue meanwhile is 'queued' again and
// keeps everything; it just leaves the indexes of finished runs, which its next final record adds it
// back to. Returns how many runs it deleted. One script for a whole batch: a trim costs one command,
// not one per run.
const FORGET_FINISHED: LuaScript = {
  name: 'talon-runs-forget',
  source: `
local deleted = 0
for i, id in ipairs(ARGV) do
  local k = 3 + (i - 1) * 4
  local s = redis.call('HGET', KEYS[k + 1], 'status')
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  if not s or s == 'succeeded' or s == 'failed' or s == 'cancelled' then
    redis.call('DEL', KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4])
    redis.call('ZREM', KEYS[1], id)
    deleted = deleted + 1
  end
end
return deleted`,
};

/**
 * Deletes each of `runIds` that is finished (record, steps, checkpoints, intents, index entries);
 * unfinished runs are kept. One script for all of them. Returns how many were deleted.
 */
export async function forgetFinishedRuns(
  redis: RedisClient,
  keys: KeyLayout,
  runIds: readonly string[],
): Promise<number> {
  if (runIds.length === 0) return 0;
  const runKeys = runIds.flatMap((id) => [
    keys.run(id),
    keys.runSteps(id),
    keys.checkpoints(id),
    keys.intents(id),
  ]);
  const deleted = await redis.runScript(
    FORGET_FINISHED,
    [keys.runIndex(), keys.finishedRuns(), keys.failedRuns(), ...runKeys],
    runIds,
  );
  return Number(deleted) || 0;
}

// KEYS: finished index, failed index, then one run hash per id. ARGV: the run ids, in the same order.
// Adds each finished run (it has a finishedAt) to the index of its status, unless it is there already.
// Returns how many it added. One script per page: an upgraded deployment with many runs costs a few
// commands at the first worker start, not one per run.
const BACKFILL_PAGE: LuaScript = {
  name: 'talon-runs-backfill',
  source: `
local added = 0
for i, id in ipairs(ARGV) do
  local row = redis.call('HMGET', KEYS[2 + i], 'status', 'finishedAt')
  local status, finishedAt = row[1], row[2]
  if finishedAt then
    local index = nil
    if status == 'failed' then index = KEYS[2]
    elseif status == 'succeeded' or status == 'cancelled' then index = KEYS[1] end
    if index then added = added + redis.call('ZADD', index, 'NX', finishedAt, id) end
  end
end
return added`,
};

/** Run ids read from the run index per backfill script. */
const BACKFILL_PAGE_SIZE = 500;

/**
 * Adds the finished runs recorded before the finished/failed indexes existed (an upgraded deployment)
 * to them, once per deployment, so retention counts them and `talon runs list --status failed` lists
 * them. Pages through the run index; idempotent (ZADD NX), so workers starting together do no harm.
 * Returns how many runs it added.
 */
export async function backfillFinishedRuns(redis: RedisClient, keys: KeyLayout): Promise<number> {
  if (Number(await redis.call('EXISTS', keys.finishedRunsBackfilled())) === 1) return 0;
  let added = 0;
  for (let start = 0; ; start += BACKFILL_PAGE_SIZE) {
    const reply = await redis.call('ZRANGE', keys.runIndex(), start, start + BACKFILL_PAGE_SIZE - 1);
    const ids = Array.isArray(reply) ? reply.map(String) : [];
    if (ids.length > 0) {
      const result = await redis.runScript(
        BACKFILL_PAGE,
        [keys.finishedRuns(), keys.failedRuns(), ...ids.map((id) => keys.run(id))],
        ids,
      );
      added += Number(result) || 0;
    }
    if (ids.length < BACKFILL_PAGE_SIZE) break;
  }
  await redis.call('SET', keys.finishedRunsBackfilled(), '1');
  return added;
}

export interface RunTrimmer {
  /** A run finished: every TRIM_EVERY calls a trim starts in the background (one at a time). */
  noteFinished(): void;
  /** Trims both indexes down to `keep` now. Returns how many runs were deleted. */
  trim(): Promise<number>;
  /** Resolves when no trim is running (close waits for it). */
  idle(): Promise<void>;
}

/**
 * The trimmer of one worker. `keep` is the number of succeeded/cancelled runs kept, and separately of
 * failed runs. `onError` hears a failed background trim (the next one tries again).
 */
export function createRunTrimmer(
  redis: RedisClient,
  keys: KeyLayout,
  options: { keep: number; now(): number; onError?(error: unknown): void },
): RunTrimmer {
  let sinceTrim = 0;
  let running: Promise<number> | null = null;
  const trimIndex = async (index: string): Promise<number> => {
    let deleted = 0;
    for (;;) {
      const picked = await redis.runScript(
        PICK_BEYOND,
        [index],
        [options.keep, TRIM_BATCH, options.now() - RUN_RECORD_TTL_MS],
      );
      const ids = Array.isArray(picked) ? picked.map(String) : [];
      if (ids.length === 0) return deleted;
      deleted += await forgetFinishedRuns(redis, keys, ids);
      if (ids.length < TRIM_BATCH) return deleted;
    }
  };
  const trim = (): Promise<number> => {
    running ??= (async () => {
      try {
        return (await trimIndex(keys.finishedRuns())) + (await trimIndex(keys.failedRuns()));
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return {
    noteFinished() {
      if (++sinceTrim < TRIM_EVERY || running !== null) return;
      sinceTrim = 0;
      trim().catch((error: unknown) => options.onError?.(error));
    },
    trim,
    async idle() {
      await running?.catch(() => undefined);
    },
  };
}
