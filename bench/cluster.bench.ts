// Redis Cluster beside one Redis: the same world (emulator, playbook, runs) through the same worker
// processes, once on one redis-server and once on a local Redis Cluster (3 masters + 3 replicas,
// src/local/redis-cluster.ts), in one run. The playbook is playbooks/webhook-block-hash.yaml (one
// Falcon read, one Falcon write guarded by an intent, a log step), each run blocking its own hash.
// Prints runs/s for each and the ratio cluster/single. The cluster is measured twice: with the default
// replica wait (WAIT 1 replica after each intent, REDIS_URL wait=1) and with wait=0, so the cost of
// the wait is visible on its own. Rate limits are lifted so the queue, not Falcon, is measured.
// Usage: npm run bench cluster [runs]
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { startLocalRedis, startLocalRedisCluster } from '../src/local/index.ts';
import { loadPlaybookFile } from '../src/playbook/index.ts';
import { openTalonQueue } from '../src/queue/index.ts';
import { spawnWorker, type WorkerChild } from './lib/children.ts';
import { pollUntil, round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { reportBench } from './report.ts';

const RUNS = Number(process.argv[2] ?? 300);
const WORKERS = 2;
const PLAYBOOK = resolve(import.meta.dirname, '../playbooks/webhook-block-hash.yaml');

const loaded = await loadPlaybookFile(PLAYBOOK);
if (!loaded.playbook) throw new Error(`playbook does not compile: ${JSON.stringify(loaded.diagnostics)}`);
const plan = loaded.playbook;

const redis = await startLocalRedis();
const cluster = await startLocalRedisCluster({ masters: 3, replicasPerMaster: 1 });

/** Runs RUNS runs through WORKERS worker processes on `redisUrl`; runs per second, from first enqueue to last finish. */
async function measure(label: string, redisUrl: string): Promise<number> {
  const world = await startBenchWorld(redisUrl, {
    seed: 31,
    rateLimitPerMinute: 10_000_000,
    requestLogSize: 0,
  });
  const prefix = `bench-cluster-${label}`;
  const talon = openTalonQueue({ redisUrl, prefix });
  const workers: WorkerChild[] = [];
  for (let i = 0; i < WORKERS; i++)
    workers.push(
      spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), {
        prefix,
        concurrency: 8,
        falconPerMinute: 1_000_000,
      }),
    );
  await Promise.all(workers.map((w) => w.ready));
  const start = performance.now();
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    const sha256 = createHash('sha256').update(`${label}-${i}`).digest('hex');
    const { runId } = await talon.enqueue({
      plan,
      inputs: {},
      trigger: { type: 'webhook', at: Date.now(), source: 'bench', data: { sha256, reason: 'bench' } },
    });
    runIds.push(runId);
  }
  let done = 0;
  let failed = 0;
  const finished = await pollUntil(
    async () => {
      done = 0;
      failed = 0;
      for (const id of runIds) {
        const status = (await talon.records.get(id))?.status;
        if (status === 'succeeded') done++;
        else if (status === 'failed') failed++;
      }
      return done + failed === runIds.length;
    },
    10 * 60_000,
    200,
  );
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((w) => w.stop()));
  await talon.close();
  await world.close();
  if (!finished || failed > 0) throw new Error(`${label}: ${done} succeeded, ${failed} failed of ${RUNS}`);
  return RUNS / seconds;
}

try {
  const single = await measure('single', redis.url);
  const clustered = await measure('cluster', cluster.url);
  const noWait = await measure('cluster-nowait', `${cluster.url}?wait=0`);
  reportBench('cluster', {
    runs: RUNS,
    workers: `${WORKERS} processes x concurrency 8`,
    singleRunsPerSecond: round(single),
    clusterRunsPerSecond: round(clustered),
    clusterNoWaitRunsPerSecond: round(noWait),
    clusterOverSingle: round(clustered / single, 2),
    clusterNoWaitOverSingle: round(noWait / single, 2),
    note: 'one deployment = one hash tag = one master; the machine is shared and loaded',
  });
} finally {
  await cluster.stop();
  await redis.stop();
}
