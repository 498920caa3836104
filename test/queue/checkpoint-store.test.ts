import { afterAll, describe, expect, it } from 'vitest';
import { connectRedis, createCheckpointStore, createRunRecords, keyLayout } from '../../src/queue/index.ts';
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

describe('createCheckpointStore with deferSaves (the run worker)', () => {
  const checkpoint = (key: string, output: unknown) => ({ key, status: 'succeeded' as const, output, at: 1 });

  it('writes a held save before the next intent, and at the end of the turn when nothing follows', async () => {
    const keys = keyLayout(uniquePrefix('cpd'));
    const lockKey = keys.jobLock('run-h');
    await redis.call('SET', lockKey, 'token-1');
    const store = createCheckpointStore(redis, keys, { lockKey, token: 'token-1' }, { deferSaves: true });
    await store.save('run-h', checkpoint('step:a', 'a'));
    await store.markIntent('run-h', 'step:b', {});
    // The intent's write waited for the held save: both are in Redis now.
    expect(await redis.call('HGET', keys.checkpoints('run-h'), 'step:a')).toContain('"a"');
    expect(await redis.call('HEXISTS', keys.intents('run-h'), 'step:b')).toBe(1);
    await store.save('run-h', checkpoint('step:b', 'b'));
    await new Promise((resolve) => setImmediate(resolve));
    await store.settle();
    expect(await redis.call('HEXISTS', keys.checkpoints('run-h'), 'step:b')).toBe(1);
    expect(await redis.call('HEXISTS', keys.intents('run-h'), 'step:b')).toBe(0);
  });

  it('a held save that lost the lock fails the next write and settle(), and writes nothing', async () => {
    const keys = keyLayout(uniquePrefix('cpd'));
    const lockKey = keys.jobLock('run-z');
    await redis.call('SET', lockKey, 'new-owner');
    const zombie = createCheckpointStore(redis, keys, { lockKey, token: 'old-owner' }, { deferSaves: true });
    await zombie.save('run-z', checkpoint('step:a', 'zombie'));
    await expect(zombie.markIntent('run-z', 'step:b', {})).rejects.toMatchObject({
      code: 'SOAR_QUEUE_LOCK_LOST',
    });
    await expect(zombie.settle()).rejects.toMatchObject({ code: 'SOAR_QUEUE_LOCK_LOST' });
    expect(await redis.call('EXISTS', keys.checkpoints('run-z'), keys.intents('run-z'))).toBe(0);
  });

  it("the run's final record carries the held last checkpoint, fenced by the same lock", async () => {
    const keys = keyLayout(uniquePrefix('cpd'));
    const records = createRunRecords(redis, keys);
    const lockKey = keys.jobLock('run-f');
    await redis.call('SET', lockKey, 'token-1');
    const owner = createCheckpointStore(redis, keys, { lockKey, token: 'token-1' }, { deferSaves: true });
    await owner.save('run-f', checkpoint('step:a', 'a'));
    const held = owner.takePending();
    expect(held).toMatchObject({ lockKey, token: 'token-1', field: 'step:a' });
    expect(owner.takePending()).toBeNull();
    // Failed: the checkpoint is kept for a resume, next to the record.
    await records.write('run-f', {
      finished: { status: 'failed', outputs: {}, error: { code: 'X', message: 'x' }, at: 2 },
      ...(held === null ? {} : { checkpoint: held }),
    });
    expect(await records.status('run-f')).toBe('failed');
    expect(await redis.call('HGET', keys.checkpoints('run-f'), 'step:a')).toContain('"a"');

    // A worker that lost the lock writes neither the checkpoint nor the record.
    await redis.call('SET', keys.jobLock('run-g'), 'new-owner');
    const zombie = createCheckpointStore(
      redis,
      keys,
      { lockKey: keys.jobLock('run-g'), token: 'old-owner' },
      { deferSaves: true },
    );
    await zombie.save('run-g', checkpoint('step:a', 'zombie'));
    const stale = zombie.takePending();
    await expect(
      records.write('run-g', {
        finished: { status: 'succeeded', outputs: {}, error: null, at: 2 },
        ...(stale === null ? {} : { checkpoint: stale }),
      }),
    ).rejects.toMatchObject({ code: 'SOAR_QUEUE_LOCK_LOST' });
    expect(await records.status('run-g')).toBeNull();
    expect(await redis.call('EXISTS', keys.checkpoints('run-g'))).toBe(0);
  });
});
