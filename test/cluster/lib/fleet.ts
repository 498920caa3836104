/**
 * Worker fleets and chaos worlds for the Redis Cluster and Sentinel suites: real worker processes
 * (bench/lib/children.ts) on a given REDIS_URL, the multi-write chain of test/chaos, and the check that
 * every run succeeded with every write applied exactly once.
 */
import { expect } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../../bench/lib/world.ts';
import { openTalonQueue, type RunWorker, startTalonWorker } from '../../../src/queue/index.ts';
import {
  type ChainInputs,
  chainInputs,
  inspectWrites,
  testClient,
  unexpected,
  waitForRuns,
} from '../../chaos/lib/chain.ts';
import { uniquePrefix } from '../../helpers/redis.ts';

/** Two or more workers on `redisUrl`: in this process, or as worker processes that can be killed. */
export interface Fleet {
  start(): Promise<void>;
  /** kill -9 worker `index` and start a fresh one in its place (process fleets only). */
  replace(index: number): Promise<void>;
  /** Everything the worker processes printed. */
  output(): string;
  stop(): Promise<void>;
}

/** Worker processes, each one a `talon worker` (bench/lib/worker-process.ts): they can be killed. */
function processFleet(world: BenchWorld, prefix: string, size: number): Fleet {
  const workers: WorkerChild[] = [];
  const retired: WorkerChild[] = [];
  return {
    async start() {
      for (let i = 0; i < size; i++) workers.push(spawnWorker(world.workerEnv(), { prefix }));
      await Promise.all(workers.map((w) => w.ready));
    },
    async replace(index) {
      const victim = workers[index] as WorkerChild;
      await victim.kill9();
      retired.push(victim);
      const fresh = spawnWorker(world.workerEnv(), { prefix });
      workers[index] = fresh;
      await fresh.ready;
    },
    output: () => [...workers, ...retired].map((w) => w.output()).join('\n'),
    async stop() {
      await Promise.all([...workers, ...retired].map((w) => w.kill9()));
    },
  };
}

/**
 * Workers in this process (the same startTalonWorker as `talon worker`): they start at once, for
 * tests where Redis fails, not the workers.
 */
function inProcessFleet(world: BenchWorld, redisUrl: string, prefix: string, size: number): Fleet {
  const workers: RunWorker[] = [];
  return {
    async start() {
      for (let i = 0; i < size; i++)
        workers.push(startTalonWorker({ redisUrl, prefix, falcon: world.falcon }));
    },
    replace: () => Promise.reject(new Error('an in-process fleet cannot be killed')),
    output: () => '',
    async stop() {
      await Promise.all(workers.map((w) => w.close(2000)));
    },
  };
}

/**
 * A chaos world on `redisUrl`: the emulator with slow calls, a queue under a fresh prefix, disjoint
 * inputs for `runs` multi-write runs (test/chaos/lib/chain.ts) and a fleet of
 * two workers (processes that can be killed, or in this process).
 */
export async function chaosWorld(
  redisUrl: string,
  label: string,
  runs: number,
  workers: 'processes' | 'in-process',
) {
  const world = await startBenchWorld(redisUrl, { seed: 23, sizes: { detections: 400 } });
  // Every Falcon call takes a while, so kills land in the middle of steps and requests.
  world.emulator.admin.injectFault({ operationId: '*', latencyMs: 150, count: 10_000_000 });
  const prefix = uniquePrefix(label);
  const talon = openTalonQueue({ redisUrl, prefix });
  const client = testClient(world.emulator, world.clientId, world.clientSecret);
  const inputs = await chainInputs(client, runs);
  const fleet =
    workers === 'processes' ? processFleet(world, prefix, 2) : inProcessFleet(world, redisUrl, prefix, 2);
  return {
    world,
    talon,
    fleet,
    inputs,
    async expectExactlyOnce(runIds: string[]): Promise<number> {
      const records = await waitForRuns(talon, runIds, 120_000);
      expect(
        records.filter((r) => r.status !== 'succeeded').map((r) => [r.runId, r.status, r.error]),
      ).toEqual([]);
      const report = await inspectWrites(world.emulator, client, inputs as ChainInputs[]);
      expect(unexpected(report.updatesPerId, 2)).toEqual([]);
      expect(unexpected(report.iocsPerHash, 1)).toEqual([]);
      expect(unexpected(report.statusPerId, 'closed')).toEqual([]);
      expect(report.statusPerId.size).toBe(runIds.length * 8);
      expect(fleet.output()).not.toContain(world.clientSecret);
      return records.filter((r) => r.attempts > 1).length;
    },
    async close(): Promise<void> {
      await fleet.stop();
      await talon.close();
      await world.close();
    },
  };
}

export type ChaosWorld = Awaited<ReturnType<typeof chaosWorld>>;
