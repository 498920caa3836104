import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/engine/ports.ts';
import { SoarError } from '../../src/shared/index.ts';
import {
  openTalonQueue,
  type RunExecutor,
  type RunWorker,
  startRunWorker,
  type TalonQueue,
} from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { closedAfterEach, manualTrigger as manual, tinyPlan, waitForRunStatus } from './fixtures.ts';

const open = closedAfterEach();

function step(id: string, status: StepRecord['status'], apiCalls = 1): StepRecord {
  return {
    id,
    status,
    startedAt: 1,
    finishedAt: 2,
    durationMs: 1,
    attempts: 1,
    apiCalls,
    targets: null,
    error: null,
    resumed: false,
  };
}

function setup(execute: RunExecutor, prefix = uniquePrefix('rw')): { talon: TalonQueue; worker: RunWorker } {
  const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix, backoffMs: 10, attempts: 3 });
  const worker = startRunWorker({
    redisUrl: testRedisUrl(),
    prefix,
    concurrency: 2,
    createExecutor: () => execute,
  });
  open.push(talon, worker);
  return { talon, worker };
}

describe('run queue and worker', () => {
  it('runs a job and records status, steps in playbook order, API calls and checkpoints', async () => {
    let savedDuringRun = 'null';
    let talonRef: TalonQueue | null = null;
    const { talon } = setup(async (data, ctx) => {
      await ctx.events.runStarted(data.runId, 10);
      await ctx.events.stepUpdated(data.runId, step('tag', 'succeeded', 3));
      await ctx.events.stepUpdated(data.runId, step('find', 'succeeded', 2));
      await ctx.checkpoints.save(data.runId, { key: 'step:find', status: 'succeeded', output: [1], at: 11 });
      // A save is held briefly (to ride with the final record); the next intent writes it first.
      await ctx.checkpoints.markIntent(data.runId, 'step:tag', {});
      savedDuringRun = String(
        await talonRef?.redis.call('HGET', talonRef.keys.checkpoints(data.runId), 'step:find'),
      );
      await ctx.events.runFinished(data.runId, 'succeeded', { n: 1 }, null);
      return { status: 'succeeded', error: null, outputs: { n: 1 } };
    });
    talonRef = talon;
    const { runId, outcome } = await talon.enqueue({ plan: tinyPlan(), inputs: { a: 1 }, trigger: manual });
    expect(outcome).toBe('added');
    const record = await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(record.steps.map((s) => s.id)).toEqual(['find', 'tag']);
    expect(record.apiCalls).toBe(5);
    expect(record.attempts).toBe(1);
    expect(record.inputs).toEqual({ a: 1 });
    expect(record.outputs).toEqual({ n: 1 });
    expect((await talon.records.list()).map((r) => r.runId)).toEqual([runId]);
    const stats = await talon.records.stats();
    expect(stats['api_calls']).toBe(5);
    expect(stats['steps_succeeded']).toBe(2);
    expect(stats['runs_succeeded']).toBe(1);
    // The checkpoint write passed the fence, so the lock key the store checks is BullMQ's real one.
    expect(JSON.parse(savedDuringRun)).toMatchObject({ status: 'succeeded', output: [1] });
    // Retention: a succeeded run's checkpoints go with its final record.
    expect(await talon.redis.call('EXISTS', talon.keys.checkpoints(runId))).toBe(0);
  });

  it('shows a step that takes a while as running before the run ends (coalesced events still flush)', async () => {
    let release: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { talon } = setup(async (data, ctx) => {
      await ctx.events.runStarted(data.runId, 10);
      await ctx.events.stepUpdated(data.runId, { ...step('find', 'running', 0), finishedAt: null });
      await running;
      await ctx.events.stepUpdated(data.runId, step('find', 'succeeded', 2));
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await waitFor(async () => {
      const record = await talon.records.get(runId);
      return record?.status === 'running' && record.steps[0]?.status === 'running';
    });
    release();
    const record = await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(record.steps.map((s) => [s.id, s.status])).toEqual([['find', 'succeeded']]);
    expect(record.attempts).toBe(1);
    const stats = await talon.records.stats();
    expect(stats['runs_started']).toBe(1);
    expect(stats['steps_succeeded']).toBe(1);
    expect(stats['api_calls']).toBe(2);
  });

  it('retries a retryable failure with backoff and records the attempts', async () => {
    let calls = 0;
    const { talon } = setup(async (data, ctx) => {
      calls++;
      await ctx.events.runStarted(data.runId, calls);
      if (calls === 1) {
        const error = { code: 'SOAR_QUEUE_REDIS_UNAVAILABLE', message: 'flaky' };
        await ctx.events.runFinished(data.runId, 'failed', {}, error);
        return { status: 'failed', error, outputs: {} };
      }
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    const record = await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(calls).toBe(2);
    expect(record.attempts).toBe(2);
  });

  it('fails a non-retryable failure at once (UnrecoverableError), whatever the attempts left', async () => {
    let calls = 0;
    const { talon } = setup(async (data, ctx) => {
      calls++;
      await ctx.events.runStarted(data.runId, 1);
      const error = { code: 'SOAR_QUEUE_BAD_JOB_DATA', message: 'bad' };
      await ctx.events.runFinished(data.runId, 'failed', {}, error);
      return { status: 'failed', error, outputs: {} };
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await waitFor(async () => (await talon.queue.state(runId)) === 'failed');
    const record = await talon.records.get(runId);
    expect(calls).toBe(1);
    expect(record?.status).toBe('failed');
    expect(record?.error).toEqual({ code: 'SOAR_QUEUE_BAD_JOB_DATA', message: 'bad' });
  });

  it('fails malformed job data without running it', async () => {
    let calls = 0;
    const { talon } = setup(async () => {
      calls++;
      return { status: 'succeeded', error: null, outputs: {} };
    });
    await talon.queue.add('run-handmade-1', { v: 99, runId: 'run-handmade-1' });
    await waitFor(async () => (await talon.queue.state('run-handmade-1')) === 'failed');
    expect(calls).toBe(0);
    // The failure is recorded by the worker's 'failed' hook, just after BullMQ's state changes.
    const record = await waitFor(async () => (await talon.records.get('run-handmade-1'))?.error ?? null);
    expect(record?.code).toBe('SOAR_QUEUE_BAD_JOB_DATA');
  });

  it('pauses the whole queue on a rate limit and runs the job again without using an attempt', async () => {
    let calls = 0;
    const { talon } = setup(async (data, ctx) => {
      calls++;
      await ctx.events.runStarted(data.runId, calls);
      if (calls === 1) {
        const error = { code: 'SOAR_FALCON_RATE_LIMITED', message: '429', retryAfterMs: 400 };
        await ctx.events.runFinished(data.runId, 'failed', {}, error);
        return { status: 'failed', error, outputs: {} };
      }
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    const limiterKey = `${talon.keys.prefix}:talon-runs:limiter`;
    await waitFor(async () => Number(await talon.redis.call('PTTL', limiterKey)) > 0, 5000, 'queue pause');
    const record = await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(record.attempts).toBe(2);
    const jobKey = `${talon.keys.prefix}:talon-runs:${runId}`;
    // Two starts, one counted attempt (the completion): the rate-limited start did not use one.
    expect(Number(await talon.redis.call('HGET', jobKey, 'ats'))).toBe(2);
    expect(Number(await talon.redis.call('HGET', jobKey, 'atm'))).toBe(1);
  });

  it('runs at most `concurrency` runs of a playbook at once across workers, the others wait', async () => {
    let running = 0;
    let maxRunning = 0;
    const execute: RunExecutor = async (data, ctx) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await ctx.events.runStarted(data.runId, 1);
      await new Promise((r) => setTimeout(r, 150));
      running--;
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    };
    const prefix = uniquePrefix('slots');
    const { talon } = setup(execute, prefix);
    // A second worker process on the same queue: the limit is fleet-wide, not per worker.
    const other = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      concurrency: 2,
      createExecutor: () => execute,
    });
    open.push(other);
    const plan = { ...tinyPlan('one-at-a-time'), concurrency: 1 };
    const runs = await Promise.all([1, 2].map(() => talon.enqueue({ plan, inputs: {}, trigger: manual })));
    for (const { runId } of runs) await waitForRunStatus(talon.records, runId, 'succeeded', 20_000);
    expect(maxRunning).toBe(1);
    // The slot is released right after the run's last record write.
    await waitFor(
      async () => Number(await talon.redis.call('SCARD', `${talon.keys.prefix}:slots:one-at-a-time`)) === 0,
      5000,
      'the slot to be released',
    );
  });

  it('finishes a running run on close when it ends within the grace period', async () => {
    let release: () => void = () => {};
    const started = new Promise<void>((resolveStarted) => {
      release = resolveStarted;
    });
    const { talon, worker } = setup(async (data, ctx) => {
      await ctx.events.runStarted(data.runId, 1);
      release();
      await new Promise((r) => setTimeout(r, 300));
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await started;
    await worker.close(10_000);
    expect((await talon.records.get(runId))?.status).toBe('succeeded');
    expect(await talon.queue.state(runId)).toBe('completed');
  });

  it('stops a run between requests after the grace period and hands it back: no stall, no attempt', async () => {
    const prefix = uniquePrefix('stop');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    let firstStarted: () => void = () => {};
    const started = new Promise<void>((r) => {
      firstStarted = r;
    });
    let requestsAfterStop = 0;
    const stopping = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      // Like the engine: a request in flight finishes and is checkpointed; no new one starts after stop.
      createExecutor: () => async (data, ctx) => {
        await ctx.events.runStarted(data.runId, 1);
        for (let request = 0; ; request++) {
          if (ctx.stop?.aborted) throw new SoarError('SOAR_ENGINE_STOPPED', 'stopped between requests');
          await new Promise((r) => setTimeout(r, 20));
          if (ctx.stop?.aborted) requestsAfterStop++;
          await ctx.checkpoints.save(data.runId, {
            key: `step:s${request}`,
            status: 'succeeded',
            output: request,
            at: 1,
          });
          if (request === 2) firstStarted();
        }
      },
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await started;
    await stopping.close(100);
    expect(requestsAfterStop).toBeLessThanOrEqual(1);
    // Handed back to waiting at once: no lapse of the lock, no stall, no attempt used.
    expect(await talon.queue.state(runId)).toBe('waiting');
    const jobKey = `${prefix}:talon-runs:${runId}`;
    expect(Number((await talon.redis.call('HGET', jobKey, 'stc')) ?? 0)).toBe(0);
    expect(Number((await talon.redis.call('HGET', jobKey, 'atm')) ?? 0)).toBe(0);
    let resumedWith = 0;
    const next = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      createExecutor: () => async (data, ctx) => {
        resumedWith = (await ctx.checkpoints.load(data.runId)).size;
        await ctx.events.runStarted(data.runId, 2);
        await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
        return { status: 'succeeded', error: null, outputs: {} };
      },
    });
    open.push(next);
    await waitForRunStatus(talon.records, runId, 'succeeded', 10_000);
    expect(resumedWith).toBeGreaterThanOrEqual(3);
  });

  it('hands a run back after the grace period; another worker resumes it from its checkpoints', async () => {
    const prefix = uniquePrefix('handback');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    let firstStarted: () => void = () => {};
    const started = new Promise<void>((r) => {
      firstStarted = r;
    });
    const stuck = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      createExecutor: () => async (data, ctx) => {
        await ctx.checkpoints.save(data.runId, {
          key: 'step:find',
          status: 'succeeded',
          output: 'kept',
          at: 1,
        });
        firstStarted();
        // Ignores the stop between requests; ends only when the worker aborts it hard.
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return { status: 'cancelled', error: null, outputs: {} };
      },
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await started;
    await stuck.close(100);
    let resumedFrom: unknown = null;
    const rescuer = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      createExecutor: () => async (data, ctx) => {
        resumedFrom = (await ctx.checkpoints.load(data.runId)).get('step:find')?.output;
        await ctx.events.runStarted(data.runId, 2);
        await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
        return { status: 'succeeded', error: null, outputs: {} };
      },
    });
    open.push(rescuer);
    await waitForRunStatus(talon.records, runId, 'succeeded', 15_000);
    expect(resumedFrom).toBe('kept');
  });

  it('fails a run that stalled more often than allowed and records why', async () => {
    const prefix = uniquePrefix('stall');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    let firstStarted: () => void = () => {};
    const started = new Promise<void>((r) => {
      firstStarted = r;
    });
    const stuck = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      createExecutor: () => async () => {
        firstStarted();
        return new Promise(() => {});
      },
    });
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await started;
    await stuck.close(50);
    let ran = false;
    // maxStalledCount 0: a run whose worker vanished fails for review instead of running again.
    const strict = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      maxStalledCount: 0,
      createExecutor: () => async () => {
        ran = true;
        return { status: 'succeeded', error: null, outputs: {} };
      },
    });
    open.push(strict);
    const record = await waitForRunStatus(talon.records, runId, 'failed', 15_000);
    expect(record.error?.code).toBe('SOAR_QUEUE_STALLED');
    expect(record.error?.message).toMatch(/stalled/);
    expect(ran).toBe(false);
  });
});
