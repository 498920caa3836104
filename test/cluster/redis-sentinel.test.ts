/**
 * Talon behind Redis Sentinel: one master, one replica, three sentinels (src/local/redis-sentinel.ts,
 * `redis-server --sentinel`), REDIS_URL redis+sentinel://.../talon-master. Example playbooks run through
 * a worker, then a `SENTINEL FAILOVER` moves the master while worker processes are in the middle of
 * multi-write runs: every run completes and every write happens exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedisSentinel, startLocalRedisSentinel } from '../../src/local/index.ts';
import type { RunWorker } from '../../src/queue/index.ts';
import { enqueueChain } from '../chaos/lib/chain.ts';
import { runExampleThroughQueue } from '../e2e/example-runs.ts';
import { startWorld, startWorldWorker, type World } from '../e2e/world.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type ChaosWorld, chaosWorld } from './lib/fleet.ts';

let sentinel: LocalRedisSentinel;

beforeAll(async () => {
  sentinel = await startLocalRedisSentinel({ replicas: 1, sentinels: 3 });
}, 60_000);

afterAll(async () => {
  await sentinel?.stop();
});

describe('example playbooks through a worker behind Redis Sentinel', () => {
  let world: World;
  let worker: RunWorker;

  beforeAll(async () => {
    world = await startWorld({ seed: 5, redisUrl: sentinel.url });
    worker = startWorldWorker(world, { concurrency: 2 });
  });

  afterAll(async () => {
    await worker?.close(5000);
    await world?.close();
  });

  it.each(['triage-critical-detections', 'webhook-block-hash'])(
    '%s runs to success, writes once',
    async (name) => {
      world.emulator.admin.reset();
      await runExampleThroughQueue(world, name);
    },
  );
});

describe('Sentinel failover during runs', () => {
  let chaos: ChaosWorld;
  afterAll(async () => chaos?.close());

  it('follows the new master; no run is lost and every write happens exactly once', async () => {
    chaos = await chaosWorld(sentinel.url, 'sentinel-failover', 4, 'in-process');
    await chaos.fleet.start();
    const runIds = await enqueueChain(chaos.talon, chaos.inputs);
    await waitFor(async () => chaos.world.emulator.admin.audit().length >= 3, 30_000, 'the first writes');
    const before = sentinel.masterPort();
    const startedAt = Date.now();
    const after = await sentinel.failover();
    const switchMs = Date.now() - startedAt;
    expect(after).not.toBe(before);
    const resumed = await chaos.expectExactlyOnce(runIds);
    console.info(
      `sentinel failover: master :${before} -> :${after} in ${switchMs} ms; ${runIds.length} runs all succeeded, ${resumed} resumed`,
    );
  }, 180_000);
});
