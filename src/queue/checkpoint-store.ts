/**
 * The Redis CheckpointStore (src/engine/ports.ts). Checkpoints and intents of a run live in two hashes,
 * `<prefix>:run:<runId>:cp` and `<prefix>:run:<runId>:intent`. Every write goes through one Lua script
 * that first compares the job's BullMQ lock (`<prefix>:<queue>:<jobId>:lock`) with this worker's
 * token: a worker that lost its lock (it stalled, another worker took the job over) cannot overwrite
 * what the new owner wrote (bullmq.md §9.3, experiment fence.mjs). Saving a checkpoint also clears the
 * intent of the same key, in the same script, so "intent without checkpoint" means exactly "a write
 * whose outcome is unknown".
 */
import type { Checkpoint, CheckpointStore } from '../engine/ports.ts';
import { SoarError } from '../shared/index.ts';
import type { LuaScript, RedisClient } from './bullmq.ts';
import { type KeyLayout, RUN_RECORD_TTL_MS } from './names.ts';

// KEYS: lock, checkpoints, intents. ARGV: fenced ('1'|'0'), token, mode ('cp'|'intent'), field, json, ttlMs,
// clear ('1': drop what an earlier job of the same run id left, before the first write of a fresh job).
const FENCED_WRITE: LuaScript = {
  name: 'talon-fenced-write',
  source: `
if ARGV[1] == '1' and redis.call('GET', KEYS[1]) ~= ARGV[2] then return -1 end
if ARGV[7] == '1' then redis.call('DEL', KEYS[2], KEYS[3]) end
if ARGV[3] == 'cp' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
  redis.call('HDEL', KEYS[3], ARGV[4])
else
  redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
end
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
return 1`,
};

// KEYS: checkpoints, intents. Both hashes in one command: the engine reads them together at the start.
const LOAD_BOTH: LuaScript = {
  name: 'talon-checkpoints-load',
  source: `return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }`,
};

/** Proof of job ownership: the lock key and this worker's token. Null = unfenced (an in-process run). */
export interface JobFence {
  lockKey: string;
  token: string;
  /**
   * True on the job's first activation ever (BullMQ attemptsStarted 1, no failed attempt): no
   * attempt of this job can have written anything, so load() reads nothing from Redis (one round
   * trip less per run), and the first write clears whatever an older job with the same run id left
   * (its claim expired) so a later resume never mixes two runs' checkpoints.
   */
  fresh?: boolean;
}

/**
 * A CheckpointStore whose writes are fenced by `fence`.
 * @throws SoarError SOAR_QUEUE_LOCK_LOST from save/markIntent when the fence no longer holds.
 */
export function createCheckpointStore(
  redis: RedisClient,
  keys: KeyLayout,
  fence: JobFence | null,
): CheckpointStore {
  // Intents read by load(), kept for the pendingIntents() call that follows it; any write drops them.
  const loadedIntents = new Map<string, unknown>();
  let fresh = fence?.fresh === true;
  const write = async (runId: string, mode: 'cp' | 'intent', field: string, json: string): Promise<void> => {
    loadedIntents.delete(runId);
    // Decided when the write is sent: scripts run in sending order, so only the first one clears.
    const clear = fresh ? '1' : '0';
    fresh = false;
    const result = await redis.runScript(
      FENCED_WRITE,
      [fence?.lockKey ?? keys.jobLock(runId), keys.checkpoints(runId), keys.intents(runId)],
      [fence ? '1' : '0', fence?.token ?? '', mode, field, json, RUN_RECORD_TTL_MS, clear],
    );
    if (result === -1) {
      throw new SoarError(
        'SOAR_QUEUE_LOCK_LOST',
        `run ${runId}: this worker no longer holds the job lock; "${field}" was not written`,
        { details: { runId, key: field } },
      );
    }
  };
  return {
    async load(runId) {
      if (fresh) {
        loadedIntents.set(runId, []);
        return new Map();
      }
      const reply = await redis.runScript(LOAD_BOTH, [keys.checkpoints(runId), keys.intents(runId)], []);
      const [checkpoints, intents] = Array.isArray(reply) ? reply : [];
      // The engine asks for pending intents right after loading: answer that from this same read.
      loadedIntents.set(runId, intents);
      const out = new Map<string, Checkpoint>();
      for (const [field, value] of pairs(checkpoints)) out.set(field, JSON.parse(value) as Checkpoint);
      return out;
    },
    save: (runId, checkpoint) => write(runId, 'cp', checkpoint.key, JSON.stringify(checkpoint)),
    markIntent: (runId, key, detail) => write(runId, 'intent', key, JSON.stringify(detail ?? null)),
    async pendingIntents(runId) {
      const flat = loadedIntents.has(runId)
        ? loadedIntents.get(runId)
        : await redis.call('HGETALL', keys.intents(runId));
      loadedIntents.delete(runId);
      const out = new Map<string, unknown>();
      for (const [field, value] of pairs(flat)) out.set(field, JSON.parse(value));
      return out;
    },
  };
}

/** Turns a flat HGETALL reply (RESP2: [k1, v1, k2, v2...]) into pairs. */
export function pairs(reply: unknown): [string, string][] {
  if (!Array.isArray(reply)) return [];
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])]);
  return out;
}
