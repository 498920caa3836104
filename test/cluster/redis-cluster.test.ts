/**
 * Talon on a real Redis Cluster: three masters with one replica each (src/local/redis-cluster.ts,
 * redis-server --cluster-enabled yes + redis-cli --cluster create), REDIS_URL redis+cluster://...
 *
 * 1. Every example playbook through a worker, as on one Redis (test/e2e/example-runs.ts).
 * 2. Every key one deployment wrote lies in one slot (CLUSTER KEYSLOT on the cluster itself).
 * 3. kill -9 of worker processes at random moments: every run completes, every write exactly once.
 * 4. kill -9 of the master holding the deployment's slot while runs are in flight: its replica is
 *    promoted, no run is lost and every write still happens exactly once.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../../src/config/index.ts';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/local/index.ts';
import {
  connectRedis,
  createCheckpointStore,
  keyLayout,
  keySlot,
  type RunWorker,
} from '../../src/queue/index.ts';
import { enqueueChain } from '../chaos/lib/chain.ts';
import { chaosRandom } from '../chaos/lib/chaos-config.ts';
import { runExampleThroughQueue, WRITES } from '../e2e/example-runs.ts';
import { startWorld, startWorldWorker, type World } from '../e2e/world.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { type ChaosWorld, chaosWorld } from './lib/fleet.ts';

let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('example playbooks through a worker on a Redis Cluster', () => {
  let world: World;
  let worker: RunWorker;

  beforeAll(async () => {
    world = await startWorld({ seed: 5, redisUrl: cluster.url });
    worker = startWorldWorker(world, { concurrency: 2, env: { TALON_IDP_RULE_OWNER: 'soc-team' } });
  });

  afterAll(async () => {
    await worker?.close(5000);
    await world?.close();
  });

  it.each(Object.keys(WRITES))('%s runs to success and writes what it should, once', async (name) => {
    world.emulator.admin.reset();
    await runExampleThroughQueue(world, name);
  });

  it('wrote every key of the deployment into one slot, on one master', async () => {
    const found = new Map<string, number>();
    for (const node of cluster.nodes) {
      const out = cluster.cli(node.port, '--scan', '--pattern', `${world.prefix}*`);
      for (const key of out.split('\n').filter((k) => k !== '')) found.set(key, node.port);
    }
    expect(found.size).toBeGreaterThan(20);
    const slots = new Set<number>();
    for (const key of found.keys())
      slots.add(Number(await world.talon.redis.call('CLUSTER', 'KEYSLOT', key)));
    // BullMQ's own keys (wait, active, events, job hashes, locks) and Talon's (runs, checkpoints,
    // intents, rate budget, stats) alike: one slot, the one our CRC16 computes for the prefix.
    expect([...slots]).toEqual([keySlot(world.prefix)]);
    const kinds = new Set([...found.keys()].map((k) => k.slice(world.prefix.length + 1).split(':')[0]));
    expect([...kinds]).toEqual(expect.arrayContaining(['talon-runs', 'run', 'runs', 'stats', 'rl']));
  });
});

/** One command on a replica itself (READONLY first, on the same connection; no redirect to its master). */
function readOnReplica(port: number, ...command: string[]): string {
  const quoted = command.map((word) => `"${word.replace(/["\\]/g, '\\$&')}"`).join(' ');
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port)], {
    input: `READONLY\n${quoted}\n`,
    encoding: 'utf8',
  });
  const lines = result.stdout.trim().split('\n');
  if (lines[0] !== 'OK') throw new Error(`READONLY refused on :${port}: ${result.stdout}${result.stderr}`);
  return lines.slice(1).join('\n');
}

describe('the replica wait on a Redis Cluster', () => {
  it('sends WAIT to the master of the slot: an intent is on its replica when the write returns', async () => {
    const keys = keyLayout(uniquePrefix('cluster-wait'));
    expect(parseRedisUrl(cluster.url).wait).toEqual({ replicas: 1, timeoutMs: 500 });
    // A generous bound for this loaded machine: the check is where WAIT goes, not how fast.
    const redis = connectRedis(`${cluster.url}?waitMs=5000`, 'producer');
    try {
      const owner = cluster.masterOf(keySlot(keys.prefix));
      const [replica] = cluster.replicasOf(owner);
      if (replica === undefined) throw new Error(`master :${owner} has no replica`);
      const waits = (): number =>
        Number(/cmdstat_wait:calls=(\d+)/.exec(cluster.cli(owner, 'INFO', 'commandstats'))?.[1] ?? 0);
      const before = waits();
      const store = createCheckpointStore(redis, keys, null);
      for (let i = 0; i < 5; i++) {
        await store.markIntent('run-wait', `step-${i}`, { i });
        // Read on the replica right after the reply: the intent must already be there.
        const onReplica = readOnReplica(replica, 'HGET', keys.intents('run-wait'), `step-${i}`);
        expect(onReplica).toBe(JSON.stringify({ i }));
      }
      // One WAIT per intent, one more when the script was first sent as EVALSHA and not yet loaded
      // on that master (NOSCRIPT, then EVAL + WAIT again).
      expect(waits() - before).toBeGreaterThanOrEqual(5);
      expect(waits() - before).toBeLessThanOrEqual(6);
    } finally {
      await redis.close();
    }
  });
});

describe('kill -9 of workers on a Redis Cluster', () => {
  let chaos: ChaosWorld;
  afterAll(async () => chaos?.close());

  it('completes every multi-write run with every write applied exactly once', async () => {
    chaos = await chaosWorld(cluster.url, 'cluster-kill', 4, 'processes');
    const random = chaosRandom('cluster-kill');
    await chaos.fleet.start();
    const runIds = await enqueueChain(chaos.talon, chaos.inputs);
    const finished = async (): Promise<boolean> => {
      for (const id of runIds) {
        const status = (await chaos.talon.records.get(id))?.status;
        if (status !== 'succeeded' && status !== 'failed') return false;
      }
      return true;
    };
    let kills = 0;
    while (kills < 2 && !(await finished())) {
      await waitFor(
        async () => ((await chaos.talon.queue.counts())['active'] ?? 0) > 0 || (await finished()),
        30_000,
        'an active run',
      );
      // The random delay is the chaos (when the kill lands), not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, random.int(20, 600)));
      if (await finished()) break;
      await chaos.fleet.replace(random.int(0, 1));
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(1);
    const resumed = await chaos.expectExactlyOnce(runIds);
    console.info(
      `cluster kill chaos: ${runIds.length} runs, ${kills} kills, ${resumed} resumed after a kill`,
    );
  }, 180_000);
});

describe('master failover on a Redis Cluster during runs', () => {
  let chaos: ChaosWorld;
  afterAll(async () => chaos?.close());

  it('promotes the replica; no run is lost and every write happens exactly once', async () => {
    chaos = await chaosWorld(cluster.url, 'cluster-failover', 6, 'in-process');
    await chaos.fleet.start();
    const runIds = await enqueueChain(chaos.talon, chaos.inputs);
    // Kill while runs are mid-way: some writes done, most still to come.
    await waitFor(async () => chaos.world.emulator.admin.audit().length >= 4, 30_000, 'the first writes');
    const slot = keySlot(chaos.talon.keys.prefix);
    const owner = cluster.masterOf(slot);
    const victim = cluster.nodes.find((n) => n.port === owner);
    if (!victim) throw new Error(`no node on port ${owner}`);
    const killedAt = Date.now();
    await victim.kill();
    const promoted = await cluster.waitHealthy(slot, 30_000);
    const failoverMs = Date.now() - killedAt;
    expect(promoted).not.toBe(owner);
    const resumed = await chaos.expectExactlyOnce(runIds);
    console.info(
      `cluster failover: master :${owner} killed, replica :${promoted} serves slot ${slot} after ${failoverMs} ms; ` +
        `${runIds.length} runs all succeeded, ${resumed} resumed`,
    );
  }, 180_000);
});
