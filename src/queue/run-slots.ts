/**
 * Fleet-wide per-playbook concurrency (`concurrency: N` in a playbook): at most N runs of a playbook
 * execute at once across every worker. A slot is a member of `<prefix>:slots:<playbook>` (a set of
 * run ids); a slot is held exactly as long as its run's BullMQ job lock exists, so a worker that dies
 * frees its slots when its lock expires, with no lease of our own to renew.
 * A run that finds no free slot is put back as delayed (no attempt used) and tried again later.
 */
import type { LuaScript, RedisClient } from './bullmq.ts';
import type { KeyLayout } from './names.ts';
import { slugify } from './names.ts';

// KEYS: slots set. ARGV: runId, limit, lock key prefix ("<prefix>:<queue>:"). Returns 1 if held.
const TAKE_SLOT: LuaScript = {
  name: 'talon-take-slot',
  source: `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
for _, member in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[3] .. member .. ':lock') == 0 then redis.call('SREM', KEYS[1], member) end
end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1`,
};

// KEYS: slots set, job lock. ARGV: runId, token. Releases only while this worker still owns the job:
// after a takeover the slot belongs to the new owner (same run id).
const RELEASE_SLOT: LuaScript = {
  name: 'talon-release-slot',
  source: `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
return redis.call('SREM', KEYS[1], ARGV[1])`,
};

export interface RunSlots {
  /** True when the run holds (or now took) one of the playbook's `limit` slots. */
  take(playbook: string, runId: string, limit: number): Promise<boolean>;
  /** Frees the slot if `fence` still owns the job. */
  release(playbook: string, runId: string, fence: { lockKey: string; token: string }): Promise<void>;
}

/** Slots in Redis for the deployment behind `keys`; `lockPrefix` is `<prefix>:<queue>:`. */
export function createRunSlots(redis: RedisClient, keys: KeyLayout, lockPrefix: string): RunSlots {
  const key = (playbook: string) => `${keys.prefix}:slots:${slugify(playbook)}`;
  return {
    async take(playbook, runId, limit) {
      return (await redis.runScript(TAKE_SLOT, [key(playbook)], [runId, limit, lockPrefix])) === 1;
    },
    async release(playbook, runId, fence) {
      await redis.runScript(RELEASE_SLOT, [key(playbook), fence.lockKey], [runId, fence.token]);
    },
  };
}
