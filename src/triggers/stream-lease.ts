/**
 * The stream lease: one scheduler of the fleet holds a tenant's Event Streams connection at a time.
 * The lease is a Redis key `<holder>|<fencing token>` with a TTL, renewed by its holder; a standby
 * takes it when it expires (the holder died), with the next fencing token. Offsets are committed
 * only through commitOffset, which checks the lease in the same script, so a holder that lost its
 * lease (paused, partitioned) can never move an offset again.
 */
import type { LuaScript, TalonQueue } from '../queue/index.ts';

const ACQUIRE: LuaScript = {
  name: 'talon-stream-lease-acquire',
  source: `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence`,
};

const RENEW: LuaScript = {
  name: 'talon-stream-lease-renew',
  source: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
};

const RELEASE: LuaScript = {
  name: 'talon-stream-lease-release',
  source: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`,
};

// Moves an offset forward only, and only for the holder of the lease.
const COMMIT: LuaScript = {
  name: 'talon-stream-commit',
  source: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local wanted = tonumber(ARGV[2])
if wanted > current then redis.call('SET', KEYS[2], ARGV[2]) return wanted end
return current`,
};

export interface StreamLease {
  /** `<holder>|<fence>` as stored. */
  readonly value: string;
  readonly fence: number;
}

export interface LeaseStore {
  tryAcquire(holder: string, ttlMs: number): Promise<StreamLease | null>;
  /** False when the lease is no longer ours. */
  renew(lease: StreamLease, ttlMs: number): Promise<boolean>;
  release(lease: StreamLease): Promise<void>;
  /** The committed offset of a partition (0 = none). */
  committed(partition: number): Promise<number>;
  /** Commits `offset` (never backwards); false when the lease is no longer ours. */
  commit(lease: StreamLease, partition: number, offset: number): Promise<boolean>;
}

/** The lease and offsets of one tenant. */
export function leaseStore(talon: TalonQueue, tenant: string): LeaseStore {
  const { keys, redis } = talon;
  const lease = keys.streamLease(tenant);
  return {
    async tryAcquire(holder, ttlMs) {
      const fence = await redis.runScript(ACQUIRE, [lease, keys.streamFence(tenant)], [holder, ttlMs]);
      if (fence === null || fence === undefined) return null;
      return { value: `${holder}|${String(fence)}`, fence: Number(fence) };
    },
    async renew(held, ttlMs) {
      return Number(await redis.runScript(RENEW, [lease], [held.value, ttlMs])) === 1;
    },
    async release(held) {
      await redis.runScript(RELEASE, [lease], [held.value]);
    },
    async committed(partition) {
      const value = await redis.call('GET', keys.streamOffset(tenant, partition));
      const n = Number(value ?? 0);
      return Number.isSafeInteger(n) && n > 0 ? n : 0;
    },
    async commit(held, partition, offset) {
      const result = await redis.runScript(
        COMMIT,
        [lease, keys.streamOffset(tenant, partition)],
        [held.value, offset],
      );
      return Number(result) >= 0;
    },
  };
}
