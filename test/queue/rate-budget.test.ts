import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, createRedisRateBudget, keyLayout, shortHash } from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const redis = connectRedis(testRedisUrl());
afterAll(() => redis.close());

describe('createRedisRateBudget', () => {
  it('shares one bucket between budgets of the same tenant and makes callers wait when it is empty', async () => {
    const keys = keyLayout(uniquePrefix('rb'));
    const waits: number[] = [];
    const options = { tenant: 'cid-1', perMinute: 600, burst: 3, onWait: (ms: number) => waits.push(ms) };
    const a = createRedisRateBudget(redis, keys, options);
    const b = createRedisRateBudget(redis, keys, options);
    await a.acquire('op');
    await b.acquire('op');
    await a.acquire('op');
    expect(waits).toEqual([]);
    // 600/min = one token per 100 ms: the fourth call, from either budget, has to wait for a refill.
    await b.acquire('op');
    expect(waits.length).toBe(1);
    expect(waits[0]).toBeGreaterThan(0);
    const other = createRedisRateBudget(redis, keys, { ...options, tenant: 'cid-2' });
    await other.acquire('op');
    expect(waits.length).toBe(1);
  });

  it('blocks every budget of the tenant after a 429 penalty and counts it', async () => {
    const keys = keyLayout(uniquePrefix('rb'));
    const penalties: number[] = [];
    const waits: number[] = [];
    const budget = createRedisRateBudget(redis, keys, {
      tenant: 't',
      onPenalty: (ms) => {
        penalties.push(ms);
      },
      onWait: (ms) => waits.push(ms),
    });
    await budget.penalize(300);
    expect(penalties).toEqual([300]);
    expect(Number(await redis.call('PTTL', keys.rateBlocked(shortHash('t'))))).toBeGreaterThan(0);
    await budget.acquire('op');
    expect(waits[0]).toBeGreaterThan(0);
    expect(Number(await redis.call('HGET', keys.stats(), 'falcon_429'))).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
    const keys = keyLayout(uniquePrefix('rb'));
    const budget = createRedisRateBudget(redis, keys, { tenant: 't' });
    await budget.penalize(60_000);
    const controller = new AbortController();
    const pending = budget.acquire('op', controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });
});
