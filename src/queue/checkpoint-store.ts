/**
 * The Redis CheckpointStore (src/engine/ports.ts). Checkpoints and intents of a run live in two hashes,
 * `<prefix>:run:<runId>:cp` and `<prefix>:run:<runId>:intent`. Every write goes through one Lua script
 * that first compares the job's BullMQ lock (`<prefix>:<queue>:<jobId>:lock`) with this worker's
 * token: a worker that lost its lock (it stalled, another worker took the job over) cannot overwrite
 * what the new owner wrote (bullmq.md §9.3, experiment fence.mjs). Saving a checkpoint also clears the
 * intent of the same key, in the same script, so "intent without checkpoint" means exactly "a write
 * whose outcome is unknown".
 *
 * With `deferSaves` (the run worker), a checkpoint save is held until the end of the current turn of
 * the event loop (setImmediate), the store's next write, or `takePending()`: the run worker hands a
 * run's last checkpoint to the run's final record, so both go to Redis in ONE fenced script (one round
 * trip less per run). Nothing the engine does while a save is held can need it durable: every Falcon
 * write and external call first marks its intent, and that write sends the held save ahead of it on
 * the same connection (scripts run in sending order) and fails if the held save failed. A crash while
 * a save is held is a crash before the save.
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

/** A checkpoint handed over to be written by another fenced script (RunRecordBatch.checkpoint). */
export interface HeldCheckpoint {
  /** The job lock to compare with `token`; null = unfenced. */
  lockKey: string | null;
  token: string;
  field: string;
  json: string;
  /** '1': first write of a fresh job, drop leftovers of an older job with the same run id first. */
  clear: '0' | '1';
}

/** The run worker's store: saves may be held and handed to the run's final record. */
export interface DeferringCheckpointStore extends CheckpointStore {
  /** The held save, if any, now owned by the caller (it must write it fenced, or fail the run). */
  takePending(): HeldCheckpoint | null;
  /** Sends a held save and waits for it; rethrows a failure of any earlier held save. */
  settle(): Promise<void>;
}

/**
 * A CheckpointStore whose writes are fenced by `fence`.
 * @throws SoarError SOAR_QUEUE_LOCK_LOST from save/markIntent when the fence no longer holds.
 */
export function createCheckpointStore(
  redis: RedisClient,
  keys: KeyLayout,
  fence: JobFence | null,
): CheckpointStore;
export function createCheckpointStore(
  redis: RedisClient,
  keys: KeyLayout,
  fence: JobFence | null,
  options: { deferSaves: true },
): DeferringCheckpointStore;
export function createCheckpointStore(
  redis: RedisClient,
  keys: KeyLayout,
  fence: JobFence | null,
  options?: { deferSaves?: boolean },
): DeferringCheckpointStore {
  // Intents read by load(), kept for the pendingIntents() call that follows it; any write drops them.
  const loadedIntents = new Map<string, unknown>();
  let fresh = fence?.fresh === true;
  // Decided when a write is sent (or handed over): scripts run in sending order, so only the first clears.
  const takeClear = (): '0' | '1' => {
    const clear = fresh ? '1' : '0';
    fresh = false;
    return clear;
  };
  // The held save (deferSaves) and the first failure of a held save sent on its own.
  let held: { runId: string; field: string; json: string; timer: NodeJS.Immediate } | null = null;
  let heldSent: Promise<void> = Promise.resolve();
  let heldFailure: { error: unknown } | null = null;
  const sendHeld = (): Promise<void> => {
    if (held !== null) {
      const { runId, field, json, timer } = held;
      clearImmediate(timer);
      held = null;
      heldSent = send(runId, 'cp', field, json, takeClear()).catch((error: unknown) => {
        heldFailure ??= { error };
      });
    }
    return heldSent.then(() => {
      if (heldFailure !== null) throw heldFailure.error;
    });
  };
  const write = async (runId: string, mode: 'cp' | 'intent', field: string, json: string): Promise<void> => {
    loadedIntents.delete(runId);
    // A held save that failed fails every later write, unsent.
    if (heldFailure !== null) throw heldFailure.error;
    // A held save goes out first (same connection: Redis runs it first); its failure fails this write.
    const before = held !== null ? sendHeld() : null;
    const sent = send(runId, mode, field, json, takeClear());
    if (before !== null) await Promise.all([before, sent]);
    else await sent;
  };
  const send = async (
    runId: string,
    mode: 'cp' | 'intent',
    field: string,
    json: string,
    clear: '0' | '1',
  ): Promise<void> => {
    const result = await redis.runScript(
      FENCED_WRITE,
      [fence?.lockKey ?? keys.jobLock(runId), keys.checkpoints(runId), keys.intents(runId)],
      [fence ? '1' : '0', fence?.token ?? '', mode, field, json, RUN_RECORD_TTL_MS, clear],
      // An intent is what tells a resumed run "this write may have happened: check, do not repeat".
      // With replicas it is acknowledged by one before the Falcon write starts (WAIT, REDIS_URL
      // wait/waitMs), so a master failover right after it cannot lose it; WAIT also covers the held
      // checkpoint sent ahead of it on the same connection.
      { replicated: mode === 'intent' },
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
    async save(runId, checkpoint) {
      const json = JSON.stringify(checkpoint);
      if (options?.deferSaves !== true) return write(runId, 'cp', checkpoint.key, json);
      loadedIntents.delete(runId);
      if (heldFailure !== null) throw heldFailure.error;
      // The previous held save goes out now; a failure surfaces at the next write or settle().
      if (held !== null) void sendHeld().catch(() => undefined);
      held = {
        runId,
        field: checkpoint.key,
        json,
        timer: setImmediate(() => void sendHeld().catch(() => undefined)),
      };
    },
    takePending() {
      if (held === null) return null;
      const { field, json, timer } = held;
      clearImmediate(timer);
      held = null;
      return { lockKey: fence?.lockKey ?? null, token: fence?.token ?? '', field, json, clear: takeClear() };
    },
    settle: sendHeld,
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
