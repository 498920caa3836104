/**
 * A real Redis Sentinel deployment on 127.0.0.1 for tests and benchmarks: one master, `replicas`
 * replicas (`--replicaof`), and `sentinels` processes of `redis-server <conf> --sentinel` watching the
 * master under `masterName` (quorum: a majority of the sentinels). Returned once every sentinel knows
 * every replica and the replicas finished their first sync. Everything is killed on stop().
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.ts';
import { redisCli, startRedisProcess } from './redis-cluster.ts';
import { ensureRedisServer } from './redis-install.ts';
import { sharedDirRedisArgs } from './redis-server.ts';

export interface LocalRedisSentinel {
  /** `redis+sentinel://127.0.0.1:<s1>,.../<masterName>` */
  url: string;
  masterName: string;
  /** The master's port as the sentinels name it now. */
  masterPort(): number;
  /** `SENTINEL FAILOVER <master>`; resolves once the sentinels name a new master (its port). */
  failover(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export interface LocalRedisSentinelOptions {
  /** @default 1 */
  replicas?: number;
  /** @default 3 */
  sentinels?: number;
  /** @default 'talon-master' */
  masterName?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitExit(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', () => resolve()));
}

export async function startLocalRedisSentinel(
  options: LocalRedisSentinelOptions = {},
): Promise<LocalRedisSentinel> {
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const masterName = options.masterName ?? 'talon-master';
  const root = mkdtempSync(join(tmpdir(), 'talon-sentinel-'));
  const procs: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of procs) child.kill('SIGKILL');
    await Promise.all(procs.map(waitExit));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    ensureRedisServer();
    const dataArgs = (port: number) => sharedDirRedisArgs(port, root);
    const masterPort = await findFreePort();
    procs.push((await startRedisProcess(dataArgs(masterPort))).child);
    const replicaPorts: number[] = [];
    for (let i = 0; i < replicaCount; i++) {
      const port = await findFreePort();
      replicaPorts.push(port);
      procs.push(
        (await startRedisProcess([...dataArgs(port), '--replicaof', '127.0.0.1', String(masterPort)])).child,
      );
    }
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinelPorts: number[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const port = await findFreePort();
      sentinelPorts.push(port);
      // Sentinel rewrites its config file: each gets its own, in the temp dir.
      const conf = join(root, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${root}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      procs.push((await startRedisProcess([conf, '--sentinel', '--port', String(port)])).child);
    }
    const masterNow = (): number => {
      const reply = redisCli(sentinelPorts[0] ?? 0, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName);
      return Number(reply.trim().split('\n')[1] ?? 0);
    };
    // Ready: every sentinel sees every replica, and the replicas are in sync.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const known = sentinelPorts.every((port) => {
        const reply = redisCli(port, 'SENTINEL', 'REPLICAS', masterName);
        return replicaPorts.every((p) => reply.includes(String(p)));
      });
      const synced = replicaPorts.every((port) =>
        redisCli(port, 'INFO', 'replication').includes('master_link_status:up'),
      );
      if (known && synced) break;
      if (Date.now() > deadline) throw new Error('redis sentinel deployment not ready after 20 s');
      await sleep(100);
    }
    return {
      url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${masterName}`,
      masterName,
      masterPort: masterNow,
      async failover(timeoutMs = 20_000) {
        const before = masterNow();
        const end = Date.now() + timeoutMs;
        // A sentinel refuses a failover while it has no promotable replica yet ("NOGOODSLAVE"): retry.
        for (;;) {
          const reply = redisCli(sentinelPorts[0] ?? 0, 'SENTINEL', 'FAILOVER', masterName);
          if (reply.startsWith('OK')) break;
          if (Date.now() > end) throw new Error(`SENTINEL FAILOVER refused: ${reply.trim()}`);
          await sleep(200);
        }
        for (;;) {
          const now = masterNow();
          if (now !== before && now !== 0) {
            const role = redisCli(now, 'ROLE');
            if (role.startsWith('master')) return now;
          }
          if (Date.now() > end) throw new Error('sentinel failover did not finish');
          await sleep(100);
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
