import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { SoarError } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const redis = connectRedis(testRedisUrl());
afterAll(() => redis.close());

describe('createCheckpointStore', () => {
  it('saves and loads checkpoints while the job lock holds the token', async () => {
    const keys = keyLayout(uniquePrefix('cp'));
    const lockKey = keys.jobLock('run-a');
    await redis.call('SET', lockKey, 'token-1');
    const store = createCheckpointStore(redis, keys, { lockKey, token: 'token-1' });
    await store.save('run-a', { key: 'step:find', status: 'succeeded', output: { ids: [1, 2] }, at: 5 });
    const loaded = await store.load('run-a');
    expect(loaded.get('step:find')).toEqual({
      key: 'step:find',
      status: 'succeeded',
      output: { ids: [1, 2] },
      at: 5,
    });
  });

  it('refuses with SOAR_QUEUE_LOCK_LOST and keeps the owner data when the token is stale', async () => {
    const keys = keyLayout(uniquePrefix('cp'));
    const lockKey = keys.jobLock('run-b');
    await redis.call('SET', lockKey, 'new-owner');
    const owner = createCheckpointStore(redis, keys, { lockKey, token: 'new-owner' });
    const zombie = createCheckpointStore(redis, keys, { lockKey, token: 'old-owner' });
    await owner.save('run-b', { key: 'step:tag', status: 'succeeded', output: 'owner', at: 1 });
    const error = await zombie
      .save('run-b', { key: 'step:tag', status: 'failed', output: 'zombie', at: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SoarError);
    expect((error as SoarError).code).toBe('SOAR_QUEUE_LOCK_LOST');
    await expect(zombie.markIntent('run-b', 'step:x', {})).rejects.toMatchObject({
      code: 'SOAR_QUEUE_LOCK_LOST',
    });
    expect((await owner.load('run-b')).get('step:tag')?.output).toBe('owner');
    expect((await owner.pendingIntents('run-b')).size).toBe(0);
  });

  it("a fresh job's store skips the load and its first write drops an older job's leftovers", async () => {
    const keys = keyLayout(uniquePrefix('cp'));
    const lockKey = keys.jobLock('run-f');
    await redis.call('SET', lockKey, 'token-1');
    const older = createCheckpointStore(redis, keys, { lockKey, token: 'token-1' });
    await older.save('run-f', { key: 'step:old', status: 'succeeded', output: 'old', at: 1 });
    await older.markIntent('run-f', 'step:pending', {});
    const fresh = createCheckpointStore(redis, keys, { lockKey, token: 'token-1', fresh: true });
    expect((await fresh.load('run-f')).size).toBe(0);
    expect((await fresh.pendingIntents('run-f')).size).toBe(0);
    await fresh.save('run-f', { key: 'step:new', status: 'succeeded', output: 'new', at: 2 });
    await fresh.save('run-f', { key: 'step:next', status: 'succeeded', output: 'next', at: 3 });
    // A resumed attempt (not fresh) reads exactly what the fresh job wrote.
    const resumed = createCheckpointStore(redis, keys, { lockKey, token: 'token-1' });
    expect([...(await resumed.load('run-f')).keys()].sort()).toEqual(['step:new', 'step:next']);
    expect((await resumed.pendingIntents('run-f')).size).toBe(0);
  });

  it('refuses when the lock expired (no lock key at all)', async () => {
    const keys = keyLayout(uniquePrefix('cp'));
    const store = createCheckpointStore(redis, keys, { lockKey: keys.jobLock('run-c'), token: 't' });
    await expect(
      store.save('run-c', { key: 'step:a', status: 'succeeded', output: null, at: 1 }),
    ).rejects.toMatchObject({ code: 'SOAR_QUEUE_LOCK_LOST' });
  });

  it('keeps an intent pending until the checkpoint of the same key is saved', async () => {
    const keys = keyLayout(uniquePrefix('cp'));
    const store = createCheckpointStore(redis, keys, null);
    await store.markIntent('run-d', 'step:tag:batch:0', { ids: ['a', 'b'] });
    await store.markIntent('run-d', 'step:tag:batch:1', { ids: ['c'] });
    expect([...(await store.pendingIntents('run-d')).keys()].sort()).toEqual([
      'step:tag:batch:0',
      'step:tag:batch:1',
    ]);
    await store.save('run-d', { key: 'step:tag:batch:0', status: 'succeeded', output: 2, at: 3 });
    const pending = await store.pendingIntents('run-d');
    expect([...pending.entries()]).toEqual([['step:tag:batch:1', { ids: ['c'] }]]);
  });
});
