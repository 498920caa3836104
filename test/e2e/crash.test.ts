/**
 * The durability promise, end to end: a worker PROCESS is SIGKILLed in the middle of a multi-step run
 * with many write requests; another worker process picks the run up (BullMQ stall recovery), resumes
 * from the Redis checkpoints, reconciles the write that was in flight, and finishes. The emulator's
 * audit log shows every write applied exactly once. Short lock/stall settings are used here only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybookFile } from '../../src/playbook/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorld, type World } from './world.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let world: World;
const children: ChildProcess[] = [];

function spawnWorker(): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'workers/worker.ts',
      '--prefix',
      world.prefix,
      '--concurrency',
      '1',
      '--lock-duration',
      '1s',
      '--stalled-interval',
      '500ms',
      '--grace',
      '5s',
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        REDIS_URL: testRedisUrl(),
        FALCON_CLOUD: world.emulator.url,
        FALCON_CLIENT_ID: world.falcon.clientId,
        FALCON_CLIENT_SECRET: world.falcon.clientSecret.reveal(),
        TALON_JOB_SIGNING_KEY: world.signingKey.reveal(),
        TALON_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  child.on('exit', (code, signal) => (output += `[exited: code ${code}, signal ${signal}]`));
  child.on('error', (error) => (output += `[spawn error: ${error.message}]`));
  children.push(child);
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

/** The run's record once it has ended, or a failure showing the worker's output. */
function finished(runId: string, output: () => string) {
  return waitFor(
    async () => {
      const r = await world.talon.records.get(runId);
      return r && ['succeeded', 'failed'].includes(r.status) ? r : null;
    },
    30_000,
    'the run to finish after the restart',
  ).catch((error: Error) => {
    throw new Error(`${error.message}; worker output:\n${output()}`);
  });
}

beforeAll(async () => {
  world = await startWorld({ seed: 11 });
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await world?.close();
});

describe('worker crash in the middle of a run', () => {
  it('completes after another worker takes over, with every write applied exactly once', {
    timeout: 90_000,
  }, async () => {
    const { playbook } = await loadPlaybookFile(
      resolve(import.meta.dirname, 'fixtures/crash-many-writes.yaml'),
    );
    if (!playbook) throw new Error('fixture does not compile');
    // Slow writes so the kill lands mid-run, often with a request in flight.
    world.emulator.admin.injectFault({ operationId: 'UpdateDetectsByIdsV2', count: 10_000, latencyMs: 40 });
    const { runId } = await world.talon.enqueue({
      plan: playbook,
      inputs: {},
      trigger: { type: 'manual', at: Date.now(), source: 'crash-test', data: null },
    });
    const updates = () =>
      world.emulator.admin.audit().filter((e) => e.operationId === 'UpdateDetectsByIdsV2');

    const first = spawnWorker();
    await waitFor(() => updates().length >= 12, 30_000, 'the first writes').catch((error: Error) => {
      throw new Error(`${error.message}; worker output:\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    const atKill = updates().length;
    expect(atKill).toBeLessThan(60);
    expect(await world.talon.queue.state(runId)).toBe('active');

    const second = spawnWorker();
    const record = await finished(runId, second.output);
    expect(record!.error).toBeNull();
    expect(record!.status).toBe('succeeded');
    expect(record!.attempts).toBeGreaterThanOrEqual(2);
    expect(record!.steps.find((s) => s.id === 'find')?.resumed).toBe(true);
    expect(record!.outputs).toEqual({ triaged: 60 });

    // Exactly once: sixty distinct detections, each updated by one request, no request repeated.
    const ids = updates().flatMap((e) => [...e.ids]);
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
    const tags = world.emulator.admin.audit().filter((e) => e.operationId === 'PerformIncidentAction');
    expect(tags.length).toBe(1);

    // Graceful shutdown: SIGTERM ends the worker with exit code 0.
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
  });

  it('contains every host exactly once when the worker is killed mid-containment', {
    timeout: 90_000,
  }, async () => {
    world.emulator.admin.reset();
    const { playbook } = await loadPlaybookFile(resolve(import.meta.dirname, 'fixtures/crash-contain.yaml'));
    if (!playbook) throw new Error('fixture does not compile');
    // Slow host actions so the kill lands between (or during) contain requests.
    world.emulator.admin.injectFault({ operationId: 'PerformActionV2', count: 10_000, latencyMs: 60 });
    const { runId } = await world.talon.enqueue({
      plan: playbook,
      inputs: {},
      trigger: { type: 'manual', at: Date.now(), source: 'crash-test', data: null },
    });
    const contained = () => world.emulator.admin.audit().filter((e) => e.action === 'contain');

    const first = spawnWorker();
    await waitFor(() => contained().length >= 8, 30_000, 'the first containments').catch((error: Error) => {
      throw new Error(`${error.message}; worker output:\n${first.output()}`);
    });
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    expect(contained().length).toBeLessThan(30);

    const second = spawnWorker();
    const record = await finished(runId, second.output);
    world.emulator.admin.clearFaults();
    expect(record!.error).toBeNull();
    expect(record!.attempts).toBeGreaterThanOrEqual(2);
    expect(record!.outputs).toEqual({ contained: 30 });
    // The audit log shows each of the 30 hosts contained exactly once.
    const ids = contained().flatMap((e) => [...e.ids]);
    expect(ids.length).toBe(30);
    expect(new Set(ids).size).toBe(30);
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toEqual({ code: 0, signal: null });
  });
});
