/**
 * Kill -9 a random worker at random moments while a batch of multi-write runs goes through two
 * worker processes. Every run must complete after restarts, and the emulator's audit log must show
 * every write exactly once: each detection updated twice (in_progress, closed), each hash one IOC.
 * Size: TALON_CHAOS_RUNS runs (npm run test:chaos: 50).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
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
import { CHAOS_FULL, CHAOS_RUNS, chaosRandom } from './lib/chaos-config.ts';
import { redisText, secretHits } from './lib/evidence.ts';

const WORKERS = 2;
// Exactly what `talon worker` and docker-compose run with (WORKER_DEFAULTS): only the prefix differs.
const knobs = (prefix: string) => ({ prefix });

let world: BenchWorld;
let talon: TalonQueue;
let client: FalconClient;
let prefix: string;
const workers: WorkerChild[] = [];
const retired: WorkerChild[] = [];

beforeAll(async () => {
  prefix = uniquePrefix('chaos-kill');
  world = await startBenchWorld(testRedisUrl(), {
    seed: 21,
    sizes: { detections: Math.max(400, CHAOS_RUNS * 20) },
  });
  // Every Falcon call takes a little while, so kills land in the middle of steps and requests.
  world.emulator.admin.injectFault({ operationId: '*', latencyMs: 250, count: 10_000_000 });
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  client = testClient(world.emulator, world.clientId, world.clientSecret);
});

afterAll(async () => {
  await Promise.all([...workers, ...retired].map((w) => w.kill9()));
  await talon?.close();
  await world?.close();
});

/** A random whole number in [min, max], from the run's printed seed. */
const random = chaosRandom('kill-workers');
const randomInt = (min: number, max: number): number => random.int(min, max);

describe('kill -9 of workers at random moments', () => {
  it(`completes ${CHAOS_RUNS} multi-write runs with every write applied exactly once`, async () => {
    const inputs = await chainInputs(client, CHAOS_RUNS);
    const auditBefore = world.emulator.admin.audit().length;
    expect(auditBefore).toBe(0);
    for (let i = 0; i < WORKERS; i++) workers.push(spawnWorker(world.workerEnv(), knobs(prefix)));
    await Promise.all(workers.map((w) => w.ready));
    const runIds = await enqueueChain(talon, inputs);

    const finished = async (): Promise<number> => {
      let n = 0;
      for (const id of runIds) {
        const status = (await talon.records.get(id))?.status;
        if (status === 'succeeded' || status === 'failed') n++;
      }
      return n;
    };
    let kills = 0;
    // npm test (a handful of runs) kills once: each kill costs a lock lapse and a stalled check (~15 s).
    const maxKills = CHAOS_FULL ? Math.ceil(CHAOS_RUNS / 2) : 1;
    // Kills go on at their own pace, without waiting for replacements to start: a replacement starting
    // (seconds, on a loaded machine) must not give the surviving worker time to finish every run.
    while (kills < maxKills && (await finished()) < runIds.length) {
      // Kill only a started worker, while something runs, at a random moment into it.
      await waitFor(
        async () =>
          (await finished()) === runIds.length ||
          (workers.some((w) => w.isReady()) && ((await talon.queue.counts())['active'] ?? 0) > 0),
        60_000,
        'a started worker and an active run',
      );
      // The random delay IS the chaos (when the kill lands), not a wait for a condition. npm test's few
      // runs can all end within two seconds of the first one starting: its one kill lands within 0.7 s.
      await new Promise((resolve) =>
        setTimeout(resolve, CHAOS_FULL ? randomInt(300, 2000) : randomInt(100, 700)),
      );
      if ((await finished()) === runIds.length) break;
      const started = workers.flatMap((w, i) => (w.isReady() ? [i] : []));
      const index = started[randomInt(0, started.length - 1)] as number;
      const victim = workers[index] as WorkerChild;
      await victim.kill9();
      retired.push(victim);
      kills++;
      workers[index] = spawnWorker(world.workerEnv(), knobs(prefix));
    }

    const records = await explainOnTimeout(() => waitForRuns(talon, runIds, 240_000), talon, runIds, [
      ...workers,
      ...retired,
    ]);
    const resumed = records.filter((r) => r.attempts > 1).length;
    console.info(`kill chaos: ${runIds.length} runs, ${kills} kills, ${resumed} runs resumed after a kill`);
    // The full suite kills several times (npm test, with a handful of runs, at least once).
    expect(kills).toBeGreaterThanOrEqual(CHAOS_FULL ? 5 : 1);
    expect(records.filter((r) => r.status !== 'succeeded').map((r) => [r.runId, r.status, r.error])).toEqual(
      [],
    );
    const report = await inspectWrites(world.emulator, client, inputs);
    expect(unexpected(report.updatesPerId, 2)).toEqual([]);
    expect(unexpected(report.iocsPerHash, 1)).toEqual([]);
    expect(unexpected(report.statusPerId, 'closed')).toEqual([]);
    expect(report.statusPerId.size).toBe(CHAOS_RUNS * 8);
    // Resumed attempts happened (a run picked up after a kill counts a second attempt).
    expect(records.some((r) => r.attempts > 1)).toBe(true);

    const texts: Record<string, string> = { redis: await redisText(talon.redis, prefix) };
    for (const [i, w] of [...workers, ...retired].entries()) texts[`worker ${i}`] = w.output();
    expect(
      secretHits(texts, { clientSecret: world.clientSecret, webhookSecret: world.webhookSecret }),
    ).toEqual([]);
  }, 600_000);
});
