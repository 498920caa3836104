/**
 * The emulator a comparison benchmark resets, slows down and reads back, either in this process (its
 * request handling shares the runner's JavaScript thread) or in a child process of its own (as Falcon
 * is: another machine's CPU), behind one interface. The admin calls go through the emulator's object
 * in process and through its /_admin routes over HTTP otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { FalconConfig } from '../../src/config/index.ts';
import type { AuditEntry, EmulatorOptions, RequestLogEntry } from '../../src/emulator/index.ts';
import { randomHex, Secret } from '../../src/shared/index.ts';
import { startBenchWorld } from './world.ts';

export interface BenchEmulator {
  url: string;
  clientId: string;
  clientSecret: string;
  falcon: FalconConfig;
  /** Re-seeds the world and clears logs and faults; `latencyMs` > 0 delays every API call by it. */
  fresh(latencyMs: number): Promise<void>;
  requests(): Promise<RequestLogEntry[]>;
  audit(): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

type Options = Omit<EmulatorOptions, 'clients' | 'port'>;

export async function startBenchEmulator(options: Options, separate: boolean): Promise<BenchEmulator> {
  return separate ? startChild(options) : startInProcess(options);
}

async function startInProcess(options: Options): Promise<BenchEmulator> {
  const world = await startBenchWorld('redis://unused', options);
  const { admin } = world.emulator;
  return {
    url: world.emulator.url,
    clientId: world.clientId,
    clientSecret: world.clientSecret,
    falcon: world.falcon,
    async fresh(latencyMs) {
      admin.reset();
      if (latencyMs > 0) admin.injectFault({ operationId: '*', latencyMs, count: 1_000_000 });
    },
    requests: async () => admin.requests(),
    audit: async () => admin.audit(),
    close: () => world.close(),
  };
}

const ENTRY = join(import.meta.dirname, 'emulator-process.ts');

async function startChild(options: Options): Promise<BenchEmulator> {
  const clientId = randomHex(16);
  const clientSecret = randomHex(20);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ENTRY, JSON.stringify(options)], {
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      TALON_BENCH_CLIENT_ID: clientId,
      TALON_BENCH_CLIENT_SECRET: clientSecret,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (data: Buffer) => {
      out += data.toString('utf8');
      const ready = /\{"ready":true,"url":"([^"]+)"\}/.exec(out);
      if (ready?.[1]) resolve(ready[1]);
    });
    child.once('exit', (code) =>
      reject(new Error(`emulator process exited with ${code} before it was ready`)),
    );
  });
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown[]> => {
    const reply = await fetch(`${url}/_admin/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!reply.ok) throw new Error(`emulator admin ${method} ${path}: ${reply.status}`);
    return ((await reply.json()) as { resources: unknown[] }).resources;
  };
  return {
    url,
    clientId,
    clientSecret,
    falcon: { clientId, clientSecret: new Secret(clientSecret), baseUrl: url, memberCid: null },
    async fresh(latencyMs) {
      await admin('POST', 'reset', {});
      if (latencyMs > 0) await admin('POST', 'faults', { operationId: '*', latencyMs, count: 1_000_000 });
    },
    requests: async () => (await admin('GET', 'requests')) as RequestLogEntry[],
    audit: async () => (await admin('GET', 'audit')) as AuditEntry[],
    async close() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
