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
  /** Sends a held save and waits for it; rethrows its failure, or that of any earlier held save. */
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
  return new FencedCheckpointStore(redis, keys, fence, options?.deferSaves === true);
}

/** A held save (deferSaves) waiting for the end of the turn, the next write or takePending(). */
interface HeldSave {
  runId: string;
  field: string;
  json: string;
  timer: NodeJS.Immediate;
}

/**
 * The store of one run attempt. A class, not closures: one is made for every run, and methods on a
 * prototype cost nothing per run (closures are allocated, and named by tsx, each time).
 */
class FencedCheckpointStore implements DeferringCheckpointStore {
  private readonly redis: RedisClient;
  private readonly keys: KeyLayout;
  private readonly fence: JobFence | null;
  private readonly deferSaves: boolean;
  /** Intents read by load(), kept for the pendingIntents() call that follows it; any write drops them. */
  private readonly loadedIntents = new Map<string, unknown>();
  private fresh: boolean;
  /** The held save (deferSaves). */
  private held: HeldSave | null = null;
  private heldSent: Promise<void> = Promise.resolve();
  /** The first failure of a held save sent on its own. */
  private heldFailure: { error: unknown } | null = null;

  constructor(redis: RedisClient, keys: KeyLayout, fence: JobFence | null, deferSaves: boolean) {
    this.redis = redis;
    this.keys = keys;
    this.fence = fence;
    this.deferSaves = deferSaves;
    this.fresh = fence?.fresh === true;
  }

  async load(runId: string): Promise<Map<string, Checkpoint>> {
    if (this.fresh) {
      this.loadedIntents.set(runId, []);
      return new Map();
    }
    const { keys } = this;
    const reply = await this.redis.runScript(LOAD_BOTH, [keys.checkpoints(runId), keys.intents(runId)], []);
    const [checkpoints, intents] = Array.isArray(reply) ? reply : [];
    // The engine asks for pending intents right after loading: answer that from this same read.
    this.loadedIntents.set(runId, intents);
    const out = new Map<string, Checkpoint>();
    for (const [field, value] of pairs(checkpoints)) out.set(field, JSON.parse(value) as Checkpoint);
    return out;
  }

  async save(runId: string, checkpoint: Checkpoint): Promise<void> {
    const json = JSON.stringify(checkpoint);
    if (!this.deferSaves) return this.write(runId, 'cp', checkpoint.key, json);
    this.loadedIntents.delete(runId);
    if (this.heldFailure !== null) throw this.heldFailure.error;
    // The previous held save goes out now; a failure surfaces at the next write or settle().
    if (this.held !== null) void this.settle().catch(() => undefined);
    this.held = {
      runId,
      field: checkpoint.key,
      json,
      timer: setImmediate(sendHeldLater, this),
    };
  }

  takePending(): HeldCheckpoint | null {
    const held = this.held;
    if (held === null) return null;
    clearImmediate(held.timer);
    this.held = null;
    return {
      lockKey: this.fence?.lockKey ?? null,
      token: this.fence?.token ?? '',
      field: held.field,
      json: held.json,
      clear: this.takeClear(),
    };
  }

  /** Sends a held save and waits for it; rethrows its failure, or that of any earlier held save. */
  settle(): Promise<void> {
    const held = this.held;
    if (held !== null) {
      clearImmediate(held.timer);
      this.held = null;
      this.heldSent = this.send(held.runId, 'cp', held.field, held.json, this.takeClear()).catch(
        (error: unknown) => {
          this.heldFailure ??= { error };
        },
      );
    }
    return this.heldSent.then(() => {
      if (this.heldFailure !== null) throw this.heldFailure.error;
    });
  }

  markIntent(runId: string, key: string, detail?: unknown): Promise<void> {
    return this.write(runId, 'intent', key, JSON.stringify(detail ?? null));
  }

  async pendingIntents(runId: string): Promise<Map<string, unknown>> {
    const flat = this.loadedIntents.has(runId)
      ? this.loadedIntents.get(runId)
      : await this.redis.call('HGETALL', this.keys.intents(runId));
    this.loadedIntents.delete(runId);
    const out = new Map<string, unknown>();
    for (const [field, value] of pairs(flat)) out.set(field, JSON.parse(value));
    return out;
  }

  /** Decided when a write is sent (or handed over): scripts run in sending order, so only the first clears. */
  private takeClear(): '0' | '1' {
    const clear = this.fresh ? '1' : '0';
    this.fresh = false;
    return clear;
  }

  private async write(runId: string, mode: 'cp' | 'intent', field: string, json: string): Promise<void> {
    this.loadedIntents.delete(runId);
    // A held save that failed fails every later write, unsent.
    if (this.heldFailure !== null) throw this.heldFailure.error;
    // A held save goes out first (same connection: Redis runs it first); its failure fails this write.
    const before = this.held !== null ? this.settle() : null;
    const sent = this.send(runId, mode, field, json, this.takeClear());
    if (before !== null) await Promise.all([before, sent]);
    else await sent;
  }

  private async send(
    runId: string,
    mode: 'cp' | 'intent',
    field: string,
    json: string,
    clear: '0' | '1',
  ): Promise<void> {
    const { fence, keys } = this;
    const result = await this.redis.runScript(
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
  }
}

/** The end of the turn a save was held in: it goes out on its own (a failure surfaces later). */
function sendHeldLater(store: FencedCheckpointStore): void {
  void store.settle().catch(() => undefined);
}

/** Turns a flat HGETALL reply (RESP2: [k1, v1, k2, v2...]) into pairs. */
export function pairs(reply: unknown): [string, string][] {
  if (!Array.isArray(reply)) return [];
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])]);
  return out;
}
