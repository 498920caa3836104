// biome-ignore-all lint/suspicious/noTemplateCurlyInString: fuzz bodies carry `${{ }}` text on purpose (it must never be evaluated).
/**
 * Bad input never crashes a process:
 * - `talon validate` over the invalid-playbook corpus reports every file and exits 1 (no stack trace);
 * - `talon serve` given only invalid playbooks refuses to start with a clear message, not a crash;
 * - fuzzed webhook bodies (fast-check: random bytes, JSON of every shape, template-looking text),
 *   signed, unsigned, stale or wrongly signed, sent to a `talon serve` process: every answer is a
 *   4xx or a 202, the server stays healthy, and the worker process running the accepted runs
 *   finishes each one (succeeded or failed with a message) and stays up;
 * - job data that is not a run (written straight to the queue) fails that job only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import { findFreePort } from '../../src/local/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { webhookHeaders } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { waitForRuns } from './lib/chain.ts';
import { CHAOS_FULL, CHAOS_SEED, printChaosSeed } from './lib/chaos-config.ts';
import { redisText, secretHits } from './lib/evidence.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/talon.mjs');
const INVALID = join(ROOT, 'test/fixtures/playbooks/invalid');
// A Node stack frame ("    at fn (file:1:2)"): what an uncaught exception prints.
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

let world: BenchWorld;
let talon: TalonQueue;
let worker: WorkerChild;
let server: ChildProcess;
let serverOutput = '';
let serverUrl = '';
const prefix = uniquePrefix('chaos-input');

beforeAll(async () => {
  world = await startBenchWorld(testRedisUrl(), { seed: 24 });
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  worker = spawnWorker(world.workerEnv(), { prefix });
  const port = await findFreePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--prefix', prefix, '--playbooks', join(ROOT, 'playbooks')],
    {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...world.workerEnv() },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (d: Buffer) => {
    serverOutput += d.toString('utf8');
  });
  server.stderr?.on('data', (d: Buffer) => {
    serverOutput += d.toString('utf8');
  });
  await worker.ready;
  await waitFor(
    async () => (await fetch(`${serverUrl}/healthz`).catch(() => null))?.status === 200,
    20_000,
    'talon serve',
  );
});

afterAll(async () => {
  server?.kill('SIGKILL');
  await worker?.kill9();
  await talon?.close();
  await world?.close();
});

describe('bad input never crashes a process', () => {
  it('talon validate reports every invalid playbook of the corpus and exits 1', () => {
    const files = readdirSync(INVALID).filter((f) => f.endsWith('.yaml'));
    const result = spawnSync(process.execPath, [BIN, 'validate', INVALID], { encoding: 'utf8', cwd: ROOT });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    for (const file of files) expect(result.stdout + result.stderr).toContain(file);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('talon serve given the invalid corpus reports each bad playbook and keeps serving', async () => {
    const port = await findFreePort();
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--port', String(port), '--prefix', prefix, '--playbooks', INVALID],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...world.workerEnv() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    try {
      // Some corpus files only carry warnings (they compile), so the server starts with those.
      await waitFor(
        async () =>
          child.exitCode !== null ||
          (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200,
        30_000,
        'talon serve to start or exit',
      );
      expect(child.exitCode).toBeNull();
      expect(output).toContain('yaml-syntax.yaml:3:3');
      expect(output).toContain('alias-bomb.yaml');
      expect(output).not.toMatch(STACK_FRAME);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('fuzzed webhook bodies get a 4xx or a 202, and every accepted run finishes without crashing anything', async () => {
    const secret = new Secret(world.webhookSecret);
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 4 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
      fc
        .record({
          sha256: fc.oneof(
            fc.stringMatching(/^[0-9a-f]{64}$/),
            fc.string(),
            fc.constantFrom('${{ env }}', '${{ $eval("1") }}', "'); drop", '\u0000', 'a'.repeat(10_000)),
            fc.integer(),
            fc.constant(null),
          ),
          reason: fc.oneof(fc.string(), fc.json(), fc.constant('${{ steps }}')),
          inputs: fc.oneof(fc.constant(undefined), fc.object(), fc.string(), fc.array(fc.integer())),
        })
        .map((value) => JSON.stringify(value)),
    );
    // Mostly well signed, so most bodies get past the signature check to the parser and the run.
    const signing = fc.oneof(
      { arbitrary: fc.constant('valid' as const), weight: 4 },
      { arbitrary: fc.constantFrom('none' as const, 'wrong' as const, 'stale' as const), weight: 2 },
    );
    const accepted: string[] = [];
    let deliveries = 0;
    const statuses = new Map<number, number>();
    printChaosSeed('webhook fuzz');
    await fc.assert(
      fc.asyncProperty(body, signing, async (text, how) => {
        const now = Math.floor(Date.now() / 1000);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        const delivery = { path: 'block-hash', deliveryId: `fuzz-${++deliveries}-${now}`, body: text };
        if (how === 'valid')
          Object.assign(headers, webhookHeaders(secret, { ...delivery, timestampSec: now }));
        if (how === 'wrong') {
          const wrong = new Secret('not-the-secret-at-all');
          Object.assign(headers, webhookHeaders(wrong, { ...delivery, timestampSec: now }));
        }
        if (how === 'stale')
          Object.assign(headers, webhookHeaders(secret, { ...delivery, timestampSec: now - 3600 }));
        const response = await fetch(`${serverUrl}/hooks/block-hash`, {
          method: 'POST',
          headers,
          body: text,
        });
        const reply = (await response.json()) as {
          runId?: string;
          error?: { code: string; message: string };
        };
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 202) {
          expect(reply.runId).toMatch(/^run-/);
          accepted.push(reply.runId as string);
        } else {
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(reply.error?.code).toMatch(/^SOAR_/);
          expect(reply.error?.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: CHAOS_FULL ? 400 : 60, seed: CHAOS_SEED },
    );
    console.info(`webhook fuzz: answers by status ${JSON.stringify(Object.fromEntries(statuses))}`);
    const records = await waitForRuns(talon, accepted, 120_000);
    for (const record of records) {
      expect(['succeeded', 'failed']).toContain(record.status);
      if (record.status === 'failed') expect(record.error?.message.length).toBeGreaterThan(0);
    }
    expect((await fetch(`${serverUrl}/healthz`)).status).toBe(200);
    expect(server.exitCode).toBeNull();
    expect(worker.peakRssKb()).not.toBeNull();
    expect(serverOutput + worker.output()).not.toMatch(STACK_FRAME);
    expect(
      secretHits(
        { redis: await redisText(talon.redis, prefix), server: serverOutput, worker: worker.output() },
        { clientSecret: world.clientSecret, webhookSecret: world.webhookSecret },
      ),
    ).toEqual([]);
  }, 300_000);

  it('job data that is not a run fails that job only; the worker keeps running runs', async () => {
    const garbage = [{}, { runId: 'run-x', v: 99 }, { runId: 'run-bad', playbook: 'nope' }, 'text', [1, 2]];
    for (const [i, data] of garbage.entries()) {
      await talon.queue.add(`run-garbage-${i}-${Date.now()}`, typeof data === 'object' ? data : { data });
    }
    await waitFor(
      async () => ((await talon.queue.counts())['failed'] ?? 0) >= garbage.length,
      30_000,
      'garbage jobs to fail',
    );
    expect(worker.peakRssKb()).not.toBeNull();
    expect(worker.output()).not.toMatch(STACK_FRAME);
  }, 60_000);
});
