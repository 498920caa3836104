/**
 * Starting, killing and watching worker child processes (bench/lib/worker-process.ts). Everything a
 * child writes is kept (`output()`), so the security checks can grep every log line of a suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerKnobs } from './worker-knobs.ts';

const ENTRY = join(import.meta.dirname, 'worker-process.ts');

export interface WorkerChild {
  readonly pid: number;
  /** Resolves when the worker printed its ready line. */
  readonly ready: Promise<void>;
  /** True once the worker printed its ready line, until it exits. */
  isReady(): boolean;
  /** Resolves when the process has exited (any reason). */
  readonly exited: Promise<void>;
  /** SIGKILL: no cleanup, locks and in-flight requests abandoned. */
  kill9(): Promise<void>;
  /** SIGTERM and wait; returns the child's own maxRSS report (KiB) when it gave one. */
  stop(): Promise<number | null>;
  /** Peak resident set size so far, from /proc (KiB); null once the process is gone. */
  peakRssKb(): number | null;
  /** Everything written to stdout and stderr so far. */
  output(): string;
}

/**
 * Spawns a worker child with `env` (REDIS_URL, FALCON_*, TALON_LOG_LEVEL...) on top of PATH/HOME.
 * The parent's environment is not inherited wholesale: the child sees only what a worker needs.
 */
export function spawnWorker(env: Record<string, string>, knobs: WorkerKnobs): WorkerChild {
  // Workers run with the heap cap that docker-compose.yml and the README recommend for production:
  // without it V8 lets garbage from large Falcon answers pile up (peak ~390 MB against ~100 MB live).
  const flags = ['--max-old-space-size=512', '--import', 'tsx'];
  const child: ChildProcess = spawn(process.execPath, [...flags, ENTRY, JSON.stringify(knobs)], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  let stdout = '';
  let rssReport: number | null = null;
  let readyNow = false;
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = () => {
      readyNow = true;
      resolve();
    };
    failReady = reject;
  });
  // A worker killed before it started rejects `ready`; whoever awaits it still sees that, nobody else must.
  ready.catch(() => undefined);
  child.stdout?.on('data', (data: Buffer) => {
    const text = data.toString('utf8');
    chunks.push(text);
    stdout += text;
    for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      if (line.includes('"ready"')) markReady();
      const rss = /"maxRssKb":(\d+)/.exec(line);
      if (rss) rssReport = Number(rss[1]);
    }
  });
  child.stderr?.on('data', (data: Buffer) => chunks.push(data.toString('utf8')));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      failReady(new Error(`worker ${child.pid} exited before it was ready:\n${chunks.join('')}`));
      resolve();
    });
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid ?? -1,
    ready,
    isReady: () => readyNow && !gone(),
    exited,
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
      return rssReport;
    },
    peakRssKb() {
      if (gone()) return null;
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const match = /VmHWM:\s+(\d+) kB/.exec(status);
        return match ? Number(match[1]) : null;
      } catch {
        return null;
      }
    },
    output: () => chunks.join(''),
  };
}
