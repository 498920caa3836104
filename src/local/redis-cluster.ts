/**
 * A real Redis Cluster on 127.0.0.1 for tests and benchmarks: `masters` redis-server processes started
 * with `--cluster-enabled yes` plus `replicasPerMaster` replicas each, joined with
 * `redis-cli --cluster create --cluster-replicas N --cluster-yes`, returned once every node reports
 * `cluster_state:ok` and every replica's link to its master is up. Every process is killed on stop()
 * (and on process exit), and the temp directories are removed.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoarError } from '../shared/index.ts';
import { findFreePort } from './free-port.ts';
import { ensureRedisServer, findExecutable } from './redis-install.ts';
import { sharedDirRedisArgs, spawnRedis } from './redis-server.ts';

export interface LocalRedisNode {
  port: number;
  /** SIGKILL (kill -9); the node stays down. */
  kill(): Promise<void>;
  readonly alive: boolean;
}

export interface LocalRedisCluster {
  /** `redis+cluster://127.0.0.1:<p1>,...` (every node as a seed). */
  url: string;
  nodes: LocalRedisNode[];
  /** The port of the master serving `slot` now (asked from a live node). */
  masterOf(slot: number): number;
  /** The ports of the live replicas of the master on `port`. */
  replicasOf(port: number): number[];
  /** Waits until every live node reports cluster_state:ok and `slot` has a live master; returns its port. */
  waitHealthy(slot?: number, timeoutMs?: number): Promise<number>;
  /** redis-cli against one node: its output (for CLUSTER / INFO questions). */
  cli(port: number, ...args: string[]): string;
  stop(): Promise<void>;
}

export interface LocalRedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent master is tolerated before failover. @default 1000 */
  nodeTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
/** Kills what the harness started if the process ends without stop() (a crashed test run). */
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const proc of live) proc.kill('SIGKILL');
    });
  }
}

function waitExit(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** Starts child processes of redis-server as `args` say; shared by the cluster and Sentinel harnesses. */
export async function startRedisProcess(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const binary = ensureRedisServer();
  const port = Number(args[args.indexOf('--port') + 1]);
  const child = await spawnRedis(binary, args);
  track(child);
  return { child, port };
}

/** Runs redis-cli; its stdout. */
export function redisCli(port: number, ...args: string[]): string {
  const binary = findExecutable('redis-cli') ?? 'redis-cli';
  const result = spawnSync(binary, ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalRedisCluster(
  options: LocalRedisClusterOptions = {},
): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeout = options.nodeTimeoutMs ?? 1000;
  const count = masters * (1 + replicas);
  const root = mkdtempSync(join(tmpdir(), 'talon-cluster-'));
  const procs: { child: ChildProcess; port: number }[] = [];
  const stop = async (): Promise<void> => {
    for (const { child } of procs) child.kill('SIGKILL');
    await Promise.all(procs.map(({ child }) => waitExit(child)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await findFreePort();
      // The cluster bus listens on port + 10000: it must be free and in range too.
      if (port + 10_000 < 65_536 && !ports.includes(port)) ports.push(port);
    }
    await Promise.all(
      ports.map(async (port) => {
        const args = [
          ...sharedDirRedisArgs(port, root),
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(root, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          String(nodeTimeout),
          // A replica may be promoted even if its link was down for a while (the test kills masters).
          '--cluster-replica-validity-factor',
          '0',
        ];
        procs.push(await startRedisProcess(args));
      }),
    );
    const created = spawnSync(
      findExecutable('redis-cli') ?? 'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) {
      throw new SoarError(
        'SOAR_CONFIG_MISSING',
        `redis-cli --cluster create failed: ${(created.stdout + created.stderr).slice(-400)}`,
      );
    }
    const byPort = new Map(procs.map((p) => [p.port, p]));
    const nodes: LocalRedisNode[] = ports.map((port) => {
      const proc = byPort.get(port);
      if (!proc) throw new Error(`no process on ${port}`);
      return {
        port,
        get alive() {
          return proc.child.exitCode === null && proc.child.signalCode === null;
        },
        async kill() {
          proc.child.kill('SIGKILL');
          await waitExit(proc.child);
        },
      };
    });
    const anyLive = (): number => nodes.find((n) => n.alive)?.port ?? ports[0] ?? 0;
    /** CLUSTER NODES of a live node: id, port, flags and master id of each node. */
    const clusterNodes = () =>
      redisCli(anyLive(), 'CLUSTER', 'NODES')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const fields = line.trim().split(' ');
          return {
            id: fields[0] ?? '',
            port: Number(fields[1]?.split(':')[1]?.split('@')[0]),
            flags: fields[2] ?? '',
            masterId: fields[3] ?? '-',
          };
        });
    const replicasOf = (port: number): number[] => {
      const nodes = clusterNodes();
      const master = nodes.find((n) => n.port === port);
      return nodes
        .filter((n) => master && n.masterId === master.id && !n.flags.includes('fail'))
        .map((n) => n.port);
    };
    const masterOf = (slot: number): number => {
      for (const line of redisCli(anyLive(), 'CLUSTER', 'NODES').split('\n')) {
        const fields = line.trim().split(' ');
        if (!fields[2]?.includes('master') || fields[2].includes('fail')) continue;
        for (const range of fields.slice(8)) {
          const [from, to = from] = range.split('-').map(Number);
          if (from !== undefined && to !== undefined && slot >= from && slot <= to) {
            return Number(fields[1]?.split(':')[1]?.split('@')[0]);
          }
        }
      }
      return 0;
    };
    const waitHealthy = async (slot = 0, timeoutMs = 20_000): Promise<number> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ok = nodes
          .filter((n) => n.alive)
          .every((n) => redisCli(n.port, 'CLUSTER', 'INFO').includes('cluster_state:ok'));
        const owner = ok ? masterOf(slot) : 0;
        if (owner !== 0 && nodes.find((n) => n.port === owner)?.alive) return owner;
        if (Date.now() > deadline) throw new Error(`redis cluster not healthy after ${timeoutMs} ms`);
        await sleep(100);
      }
    };
    await waitHealthy();
    // Replicas finish their first sync before the cluster is handed out (a kill must find them ready).
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      for (;;) {
        const info = redisCli(node.port, 'INFO', 'replication');
        if (info.includes('role:master') || info.includes('master_link_status:up')) break;
        if (Date.now() > deadline) throw new Error(`replica ${node.port} never synced`);
        await sleep(100);
      }
    }
    return {
      url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      nodes,
      masterOf,
      replicasOf,
      waitHealthy,
      cli: redisCli,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
