/**
 * The fleet-wide Falcon rate-limit budget: a token bucket in Redis shared by every worker of one
 * tenant (bullmq.md §9.2). The Falcon client calls `acquire` before every request and `penalize` when
 * Falcon answers 429; a penalty blocks the bucket for every worker until the retry time, and (through
 * `onPenalty`) pauses the run queue so no worker starts a new run meanwhile.
 * The bucket refills by the time Redis reports (TIME inside the script), so client clocks don't matter.
 */
import { type Clock, systemClock } from '../shared/index.ts';
import type { LuaScript, RedisClient } from './bullmq.ts';
import { type KeyLayout, shortHash } from './names.ts';

/** Same shape as src/falcon's RateBudget (the client takes it structurally). */
export interface RateBudget {
  acquire(operationId: string, signal?: AbortSignal): Promise<void>;
  penalize(retryAfterMs: number): Promise<void>;
}

export interface RateBudgetOptions {
  /** Tenant identity (member CID or client id); hashed into the key. */
  tenant: string;
  /** Sustained requests per minute for the whole fleet. @default 5400 (90% of Falcon's 6000) */
  perMinute?: number;
  /** Bucket size: requests that may go out at once after a quiet period. @default 100 */
  burst?: number;
  clock?: Clock;
  /** Called after a 429 penalty (the worker pauses the queue here). */
  onPenalty?(retryAfterMs: number): Promise<void> | void;
  /** Called with how long `acquire` waited, when it waited. */
  onWait?(waitMs: number): void;
}

// KEYS: bucket, blocked. ARGV: capacity, tokens per ms, ttl ms. Returns 0 (token taken) or ms to wait.
const TAKE_TOKEN: LuaScript = {
  name: 'talon-take-token',
  source: `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return wait`,
};

// KEYS: blocked, stats. ARGV: ms. Extends the block, never shortens it.
const PENALIZE: LuaScript = {
  name: 'talon-penalize',
  source: `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
redis.call('HINCRBY', KEYS[2], 'falcon_429', 1)
return 1`,
};

/** Longest single sleep before the bucket is asked again (a penalty may be lifted or extended). */
const MAX_SLEEP_MS = 1000;

/** A Redis-backed RateBudget for one tenant. */
export function createRedisRateBudget(
  redis: RedisClient,
  keys: KeyLayout,
  options: RateBudgetOptions,
): RateBudget {
  const tenant = shortHash(options.tenant);
  const perMinute = options.perMinute ?? 5400;
  const burst = options.burst ?? 100;
  const clock = options.clock ?? systemClock;
  const perMs = perMinute / 60_000;
  const ttlMs = Math.max(60_000, Math.ceil(burst / perMs) * 2);
  return {
    async acquire(_operationId, signal) {
      let waited = 0;
      for (;;) {
        const wait = Number(
          await redis.runScript(
            TAKE_TOKEN,
            [keys.rateBucket(tenant), keys.rateBlocked(tenant)],
            [burst, perMs.toString(), ttlMs],
          ),
        );
        if (wait <= 0) break;
        const sleep = Math.min(wait, MAX_SLEEP_MS);
        waited += sleep;
        await clock.sleep(sleep, signal);
      }
      if (waited > 0) options.onWait?.(waited);
    },
    async penalize(retryAfterMs) {
      const ms = Math.max(1, Math.round(retryAfterMs));
      await redis.runScript(PENALIZE, [keys.rateBlocked(tenant), keys.stats()], [ms]);
      await options.onPenalty?.(ms);
    },
  };
}
