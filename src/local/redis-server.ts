import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoarError } from '../shared/index.ts';
import { findFreePort } from './free-port.ts';
import { ensureRedisServer } from './redis-install.ts';

/** A redis-server child process on 127.0.0.1, for the demo, tests and benchmarks. */
export interface LocalRedis {
  port: number;
  url: string;
  /** The data directory (kept across restart() so appendonly tests can reload it). */
  dir: string;
  /** SIGTERM and wait; removes the data directory unless it was given by the caller. */
  stop(): Promise<void>;
  /** SIGKILL now, keep the data directory; restart() brings it back on the same port. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Turn on appendonly with fsync always (for persistence tests). @default false */
  appendonly?: boolean;
  /** @default a new temp dir */
  dir?: string;
  /** @default a free port */
  port?: number;
  /** Environment for finding (or installing) redis-server: PATH, TALON_NO_INSTALL. @default the process environment */
  env?: Readonly<Record<string, string | undefined>>;
}

const READY_TIMEOUT_MS = 5000;

/** Arguments of every redis-server Talon starts: loopback only, no RDB snapshots, never evict. */
export function baseRedisArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    dir,
    '--maxmemory-policy',
    'noeviction',
    '--loglevel',
    'warning',
  ];
}

/** baseRedisArgs for one of several servers sharing `dir` (each its own dump file), persistence off. */
export function sharedDirRedisArgs(port: number, dir: string): string[] {
  return [...baseRedisArgs(port, dir), '--appendonly', 'no', '--dbfilename', `dump-${port}.rdb`];
}

/**
 * Starts `redis-server` on a free port with persistence off (or appendonly when asked) and waits for it
 * to accept connections. A missing redis-server is installed where Talon can (redis-install.ts).
 * @throws SoarError SOAR_CONFIG_MISSING when redis-server is missing (naming the command that installs
 * it) or does not start.
 */
export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const binary = ensureRedisServer(options.env === undefined ? {} : { env: options.env });
  const port = options.port ?? (await findFreePort());
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'talon-redis-'));
  const args = [
    ...baseRedisArgs(port, dir),
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child = await spawnRedis(binary, args);
  const waitExit = (proc: ChildProcess): Promise<void> =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise((resolve) => proc.once('exit', () => resolve()));
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child);
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      child.kill('SIGKILL');
      await waitExit(child);
    },
    async restart() {
      child = await spawnRedis(binary, args);
    },
  };
}

/** Spawns redis-server with `args` (which start with `--port <n>`) and waits until it answers PING. */
export function spawnRedis(binary: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(
      () => fail(`redis-server did not start within ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new SoarError(
          'SOAR_CONFIG_MISSING',
          `${why}. Install Redis 7 (apt-get install redis-server) or set REDIS_URL.`,
          { details: { output: output.slice(-500) } },
        ),
      );
    };
    child.on('error', (err) => fail(`cannot run redis-server: ${err.message}`));
    child.on('exit', (code) => fail(`redis-server exited with code ${code}`));
    // With --loglevel warning redis prints nothing on success, so probe the port instead of reading stdout.
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = Number(args[args.indexOf('--port') + 1]);
    const probe = async (): Promise<void> => {
      for (;;) {
        if (await isAcceptingPing(port)) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(child);
          return;
        }
        if (child.exitCode !== null) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    void probe();
  });
}

function isAcceptingPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(200);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
