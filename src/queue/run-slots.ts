/**
 * Fleet-wide per-playbook concurrency (`concurrency: N` in a playbook): at most N runs of a playbook
 * execute at once across every worker, and runs get the slots in the order they were enqueued.
 *
 *   <prefix>:slots:<playbook>        set of run ids holding a slot
 *   <prefix>:slots:<playbook>:line   zset of run ids waiting, scored by enqueue sequence (run record `seq`)
 *
 * A slot is held exactly as long as its run's BullMQ job lock exists, so a worker that dies frees its
 * slots when its lock expires, with no lease of our own to renew. A run that finds no free slot for it
 * (a slot is free, but runs enqueued earlier wait for it) joins the line and is parked as a delayed
 * job: no attempt used, no worker held. Whoever frees a slot wakes the first runs of the line (BullMQ
 * promote); a parked run also wakes by itself after a fallback delay that grows with its place in the
 * line, so a lost wake-up (a worker killed between release and wake) costs seconds, and 2,000 parked
 * runs do not poll Redis every few seconds each.
 */
import type { LuaScript, RedisClient } from './bullmq.ts';
import type { KeyLayout } from './names.ts';
import { slugify } from './names.ts';

// Shared by the scripts below: drops slot holders whose job lock is gone, and line members whose job
// is gone or finished (removed by hand, failed for good), so they never block the line.
// ARGV[3] is the job key prefix "<prefix>:<queue>:" (lock = prefix .. id .. ':lock').
const PRUNE = `
local function prune(slots, line, jobPrefix, limit)
  for _, member in ipairs(redis.call('SMEMBERS', slots)) do
    if redis.call('EXISTS', jobPrefix .. member .. ':lock') == 0 then redis.call('SREM', slots, member) end
  end
  local free = tonumber(limit) - redis.call('SCARD', slots)
  if free < 1 then return free end
  local guard = 0
  while guard < 100 do
    guard = guard + 1
    local heads = redis.call('ZRANGE', line, 0, free - 1)
    local removed = false
    for _, id in ipairs(heads) do
      local job = jobPrefix .. id
      if redis.call('EXISTS', job) == 0 or redis.call('HEXISTS', job, 'finishedOn') == 1 then
        redis.call('ZREM', line, id)
        removed = true
      end
    end
    if not removed then break end
  end
  return free
end
`;

// KEYS: slots set, line zset, run record hash. ARGV: runId, limit, job key prefix.
// Returns {1} when the run holds a slot, else {0, place in line (0-based)}.
const TAKE_SLOT: LuaScript = {
  name: 'talon-take-slot',
  source: `${PRUNE}
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1} end
local seq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0') or 0
redis.call('ZADD', KEYS[2], 'NX', seq, ARGV[1])
local free = prune(KEYS[1], KEYS[2], ARGV[3], ARGV[2])
local place = redis.call('ZRANK', KEYS[2], ARGV[1])
if free > 0 and place < free then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[1], ARGV[1])
  return {1}
end
return {0, place}`,
};

// KEYS: slots set, job lock, line zset. ARGV: runId, token, job key prefix, limit. Releases only while
// this worker still owns the job (after a takeover the slot belongs to the new owner, same run id);
// returns the runs at the head of the line that may take the free slots (to be woken).
const RELEASE_SLOT: LuaScript = {
  name: 'talon-release-slot',
  source: `${PRUNE}
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('SREM', KEYS[1], ARGV[1]) end
local free = prune(KEYS[1], KEYS[3], ARGV[3], ARGV[4])
if free < 1 then return {} end
return redis.call('ZRANGE', KEYS[3], 0, free - 1)`,
};

// KEYS: slots set, line zset. ARGV: unused, unused, job key prefix, limit. The runs that may take the
// free slots now (a parked run asks once it is parked, in case the slot was freed meanwhile).
const HEADS: LuaScript = {
  name: 'talon-slot-heads',
  source: `${PRUNE}
local free = prune(KEYS[1], KEYS[2], ARGV[3], ARGV[4])
if free < 1 then return {} end
return redis.call('ZRANGE', KEYS[2], 0, free - 1)`,
};

/** What taking a slot gave: the slot, or a place in the line (0 = next). */
export type SlotTake = { held: true } | { held: false; place: number };

export interface RunSlots {
  /** Takes one of the playbook's `limit` slots for the run, or puts it in line. */
  take(playbook: string, runId: string, limit: number): Promise<SlotTake>;
  /**
   * Frees the slot if `fence` still owns the job; returns the run ids at the head of the line that
   * may start now (wake them).
   */
  release(
    playbook: string,
    runId: string,
    limit: number,
    fence: { lockKey: string; token: string },
  ): Promise<string[]>;
  /** The run ids at the head of the line that may start now. */
  heads(playbook: string, limit: number): Promise<string[]>;
}

/**
 * How long a parked run sleeps before it looks again by itself: 5 s at the head, a second more per
 * place, and at least a second per time it was started already, up to 5 min. Each wake is a start and
 * BullMQ fails a job after MAX_STARTED_ATTEMPTS of them: growing with the starts, 1,000 wakes span
 * about 70 hours instead of 83 minutes, so a run waiting behind a long one is not failed for waiting.
 */
export function parkedFallbackMs(place: number, starts = 0): number {
  return Math.min(300_000, Math.max(5_000 + place * 1_000, starts * 1_000));
}

/**
 * Slots in Redis for the deployment behind `keys`; `jobPrefix` is `<prefix>:<queue>:`. With `kind`
 * 'tenant' the groups are tenant names (a tenant's `concurrency`), kept apart from playbook slugs by a
 * '~' no slug contains.
 */
export function createRunSlots(
  redis: RedisClient,
  keys: KeyLayout,
  jobPrefix: string,
  kind: 'playbook' | 'tenant' = 'playbook',
): RunSlots {
  const group = (name: string) => (kind === 'playbook' ? slugify(name) : `~tenant~${name}`);
  const slots = (name: string) => keys.slots(group(name));
  const line = (name: string) => keys.slotLine(group(name));
  const ids = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  return {
    async take(playbook, runId, limit) {
      const result = await redis.runScript(
        TAKE_SLOT,
        [slots(playbook), line(playbook), keys.run(runId)],
        [runId, limit, jobPrefix],
      );
      const [held, place] = Array.isArray(result) ? result : [0, 0];
      return Number(held) === 1 ? { held: true } : { held: false, place: Number(place ?? 0) };
    },
    async release(playbook, runId, limit, fence) {
      return ids(
        await redis.runScript(
          RELEASE_SLOT,
          [slots(playbook), fence.lockKey, line(playbook)],
          [runId, fence.token, jobPrefix, limit],
        ),
      );
    },
    async heads(playbook, limit) {
      return ids(await redis.runScript(HEADS, [slots(playbook), line(playbook)], ['', '', jobPrefix, limit]));
    },
  };
}
