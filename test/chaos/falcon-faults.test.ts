/**
 * Falcon misbehaving while multi-write runs go through two worker processes: about 10% of calls
 * answer 5xx, bursts of 429, every token revoked mid-run (twice), 2 s latency spikes. Every run must
 * complete with the right final state and every write exactly once; the extra requests the faults
 * cost must stay bounded (compared with the same batch of runs without faults).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import { createFalconClient, type FalconClient } from '../../src/falcon/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import {
  type ChainInputs,
  chainInputs,
  enqueueChain,
  inspectWrites,
  testClient,
  unexpected,
  waitForRuns,
} from './lib/chain.ts';
import { CHAOS_RUNS } from './lib/chaos-config.ts';
import { redisText, secretHits } from './lib/evidence.ts';

let world: BenchWorld;
let talon: TalonQueue;
let client: FalconClient;
const workers: WorkerChild[] = [];
const prefix = uniquePrefix('chaos-faults');

beforeAll(async () => {
  world = await startBenchWorld(testRedisUrl(), {
    seed: 23,
    sizes: { detections: Math.max(400, CHAOS_RUNS * 20) },
  });
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  client = testClient(world.emulator, world.clientId, world.clientSecret);
  for (let i = 0; i < 2; i++) workers.push(spawnWorker(world.workerEnv(), { prefix }));
  await Promise.all(workers.map((w) => w.ready));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()));
  await talon?.close();
  await world?.close();
});

/** Falcon API requests (token calls excluded) the emulator answered so far. */
function apiRequests(): number {
  const { byOperation } = world.emulator.admin.stats();
  return Object.entries(byOperation)
    .filter(([operation]) => operation !== 'oauth2AccessToken')
    .reduce((sum, [, n]) => sum + n, 0);
}

async function runBatch(inputs: ChainInputs[]): Promise<void> {
  const runIds = await enqueueChain(talon, inputs);
  const records = await waitForRuns(talon, runIds, 300_000);
  expect(records.filter((r) => r.status !== 'succeeded').map((r) => [r.runId, r.status, r.error])).toEqual(
    [],
  );
  const report = await inspectWrites(world.emulator, client, inputs);
  expect(unexpected(report.updatesPerId, 2)).toEqual([]);
  expect(unexpected(report.iocsPerHash, 1)).toEqual([]);
  expect(unexpected(report.statusPerId, 'closed')).toEqual([]);
  expect(report.statusPerId.size).toBe(inputs.length * 8);
}

describe('Falcon faults during runs', () => {
  it(`completes ${CHAOS_RUNS} runs through 5xx, 429 bursts, revoked tokens and latency spikes, with bounded extra requests`, async () => {
    // Baseline: the same kind of batch with no faults.
    await runBatch(await chainInputs(client, CHAOS_RUNS));
    const baseline = apiRequests();
    expect(baseline).toBeGreaterThan(CHAOS_RUNS * 4);

    // Same detections back to 'new', counters and audit log cleared; fresh hashes.
    world.emulator.admin.reset();
    const inputs = await chainInputs(client, CHAOS_RUNS);
    const offset = apiRequests();
    const injected = { status5xx: 0, status429: 0, revocations: 0, spikes: 0 };
    // Fault plan by progress through the batch (fraction of the baseline's requests).
    const at = (fraction: number): number => offset + Math.round(baseline * fraction);
    const burst429 = [at(0.15), at(0.55)];
    // Two revocations: a request may live through 429 waits and retries across both of them.
    const revoke = [at(0.3), at(0.7)];
    const spikes = [at(0.45), at(0.85)];
    let next5xx = offset + 10;
    const admin = world.emulator.admin;
    const injector = setInterval(() => {
      const seen = apiRequests();
      if (seen >= next5xx) {
        const status = [500, 502, 503][injected.status5xx % 3] as number;
        admin.injectFault({ operationId: '*', status, count: 1 });
        injected.status5xx++;
        next5xx += 10;
      }
      if (burst429[0] !== undefined && seen >= burst429[0]) {
        burst429.shift();
        admin.injectFault({ operationId: '*', status: 429, count: 4, retryAfterSeconds: 1 });
        injected.status429 += 4;
      }
      if (revoke[0] !== undefined && seen >= revoke[0]) {
        revoke.shift();
        admin.revokeTokens();
        injected.revocations++;
      }
      if (spikes[0] !== undefined && seen >= spikes[0]) {
        spikes.shift();
        admin.injectFault({ operationId: '*', latencyMs: 2000, count: 2 });
        injected.spikes += 2;
      }
    }, 5);
    try {
      await runBatch(inputs);
    } finally {
      clearInterval(injector);
    }
    const faulted = apiRequests() - offset;
    const extra = faulted - baseline;
    // Each failed call costs at most its retry plus a read-back of a write whose outcome is unknown;
    // a revoked token can fail every request in flight once (4 runs at once, 2 workers).
    const bound = 2 * (injected.status5xx + injected.status429) + injected.revocations * 8 + injected.spikes;
    console.info(
      `fault chaos: baseline ${baseline} requests, with faults ${faulted} (extra ${extra}, bound ${bound}); injected ${JSON.stringify(injected)}; token calls ${admin.stats().byOperation['oauth2AccessToken'] ?? 0}`,
    );
    expect(injected.status5xx).toBeGreaterThan(0);
    expect(injected.revocations).toBe(2);
    expect(extra).toBeLessThanOrEqual(bound);

    const texts: Record<string, string> = { redis: await redisText(talon.redis, prefix) };
    for (const [i, w] of workers.entries()) texts[`worker ${i}`] = w.output();
    expect(
      secretHits(texts, { clientSecret: world.clientSecret, webhookSecret: world.webhookSecret }),
    ).toEqual([]);
  }, 600_000);

  it('a request that outlives two token revocations renews twice and succeeds', async () => {
    const falcon = createFalconClient(world.falcon);
    await falcon.call('detects.query_detects', { limit: 1 });
    const admin = world.emulator.admin;
    admin.revokeTokens();
    admin.injectFault({ operationId: 'QueryDetects', status: 429, count: 1, retryAfterSeconds: 1 });
    const since = admin.requests().at(-1)?.seq ?? 0;
    const call = falcon.call('detects.query_detects', { limit: 1 });
    // Revoke again while the request waits out its 429 (after its first 401 and renewal).
    await waitFor(() => admin.requests(since).some((r) => r.status === 429), 10_000, 'the 429');
    admin.revokeTokens();
    const result = await call;
    expect(result.resources).toHaveLength(1);
    const statuses = admin
      .requests(since)
      .filter((r) => r.operationId === 'QueryDetects')
      .map((r) => r.status);
    expect(statuses).toEqual([401, 429, 401, 200]);
  });
});
