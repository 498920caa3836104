/**
 * Restart Redis (appendonly, fsync always) twice in the middle of a batch of multi-write runs going
 * through two worker processes: no run is lost, every run completes, every write happens exactly once.
 * Redis is this test's own redis-server (src/local), SIGKILLed and restarted on the same port and data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { type LocalRedis, startLocalRedis } from '../../src/local/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  chainInputs,
  enqueueChain,
  explainOnTimeout,
  inspectWrites,
  testClient,
  unexpected,
  waitForRuns,
} from './lib/chain.ts';
import { CHAOS_RUNS } from './lib/chaos-config.ts';
import { redisText, secretHits } from './lib/evidence.ts';

let redis: LocalRedis;
let world: BenchWorld;
let talon: TalonQueue;
let client: FalconClient;
const workers: WorkerChild[] = [];
const prefix = uniquePrefix('chaos-redis');

beforeAll(async () => {
  redis = await startLocalRedis({ appendonly: true });
  world = await startBenchWorld(redis.url, {
    seed: 22,
    sizes: { detections: Math.max(400, CHAOS_RUNS * 20) },
  });
  world.emulator.admin.injectFault({ operationId: '*', latencyMs: 150, count: 10_000_000 });
  talon = openTalonQueue({ redisUrl: redis.url, prefix });
  client = testClient(world.emulator, world.clientId, world.clientSecret);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await talon?.close();
  await world?.close();
  await redis?.stop();
});

describe('Redis restarts in the middle of runs', () => {
  it(`loses none of ${CHAOS_RUNS} runs and applies every write exactly once`, async () => {
    const inputs = await chainInputs(client, CHAOS_RUNS);
    for (let i = 0; i < 2; i++) {
      workers.push(
        // Exactly what `talon worker` runs with (WORKER_DEFAULTS): only the prefix differs.
        spawnWorker(world.workerEnv(), { prefix }),
      );
    }
    await Promise.all(workers.map((w) => w.ready));
    const runIds = await enqueueChain(talon, inputs);
    const finished = async (): Promise<number> => {
      let n = 0;
      for (const id of runIds) {
        const status = (await talon.records.get(id).catch(() => null))?.status;
        if (status === 'succeeded' || status === 'failed') n++;
      }
      return n;
    };
    const writes = (): number => world.emulator.admin.audit().length;

    // First restart while the first runs are writing; second one later in the batch.
    const unfinishedAtRestart: number[] = [];
    const restart = async (): Promise<void> => {
      unfinishedAtRestart.push(runIds.length - (await finished()));
      await redis.kill();
      await redis.restart();
    };
    await waitFor(() => writes() > 0, 60_000, 'the first write');
    await restart();
    const half = Math.ceil(runIds.length / 2);
    await explainOnTimeout(
      () => waitFor(async () => (await finished()) >= half, 240_000, `${half} runs to finish`),
      talon,
      runIds,
      workers,
    );
    if ((await finished()) < runIds.length) await restart();

    const records = await explainOnTimeout(() => waitForRuns(talon, runIds, 300_000), talon, runIds, workers);
    console.info(
      `redis chaos: ${runIds.length} runs; unfinished runs at each restart: ${unfinishedAtRestart.join(', ')}`,
    );
    expect(unfinishedAtRestart[0]).toBeGreaterThan(0);
    expect(records.filter((r) => r.status !== 'succeeded').map((r) => [r.runId, r.status, r.error])).toEqual(
      [],
    );
    const report = await inspectWrites(world.emulator, client, inputs);
    expect(unexpected(report.updatesPerId, 2)).toEqual([]);
    expect(unexpected(report.iocsPerHash, 1)).toEqual([]);
    expect(unexpected(report.statusPerId, 'closed')).toEqual([]);
    expect(report.statusPerId.size).toBe(CHAOS_RUNS * 8);
    expect(workers.every((w) => w.peakRssKb() !== null)).toBe(true);

    const texts: Record<string, string> = { redis: await redisText(talon.redis, prefix) };
    for (const [i, w] of workers.entries()) texts[`worker ${i}`] = w.output();
    expect(
      secretHits(texts, { clientSecret: world.clientSecret, webhookSecret: world.webhookSecret }),
    ).toEqual([]);
  }, 600_000);
});
