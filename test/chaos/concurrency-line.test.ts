/**
 * Runs waiting for a playbook's `concurrency` slot wait in line, in enqueue order, without spending
 * attempts: N queued runs of a concurrency-1 playbook on two real workers (real Redis, BullMQ) all
 * complete, one at a time, in the order they were enqueued, none failed, each started at most a few
 * times. Size: 200 runs in `npm test`, 2,000 with `npm run test:chaos`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openTalonQueue, type RunExecutor, type RunWorker, startRunWorker } from '../../src/queue/index.ts';
import { manualTrigger as manual, tinyPlan } from '../queue/fixtures.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { CHAOS_FULL } from './lib/chaos-config.ts';

const RUNS = CHAOS_FULL ? 2000 : 200;
const open: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

describe('runs waiting for a concurrency slot', () => {
  it(`completes ${RUNS} queued runs of a concurrency-1 playbook in order, none failed`, async () => {
    const prefix = uniquePrefix('line');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    const started: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const execute: RunExecutor = async (data, ctx) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      started.push(data.runId);
      await ctx.events.runStarted(data.runId, Date.now());
      await new Promise((r) => setTimeout(r, 1));
      running--;
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    };
    const plan = { ...tinyPlan('one-at-a-time'), concurrency: 1 };
    // Everything is queued before any worker starts: the whole backlog competes for the one slot.
    const enqueued: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      enqueued.push((await talon.enqueue({ plan, inputs: { i }, trigger: manual })).runId);
    }
    const workers: RunWorker[] = [1, 2].map(() =>
      startRunWorker({ redisUrl: testRedisUrl(), prefix, concurrency: 4, createExecutor: () => execute }),
    );
    open.push(...workers);
    await waitFor(
      async () => (await talon.queue.counts())['completed'] === RUNS,
      CHAOS_FULL ? 600_000 : 120_000,
      `${RUNS} runs to complete`,
    );
    const counts = await talon.queue.counts();
    expect(counts['failed']).toBe(0);
    expect(maxRunning).toBe(1);
    expect(started).toEqual(enqueued);
    // Waiting used no attempt, and a run was woken for its turn rather than polling.
    let mostStarts = 0;
    for (const runId of enqueued) {
      const job = `${prefix}:talon-runs:${runId}`;
      expect(Number((await talon.redis.call('HGET', job, 'atm')) ?? 0)).toBeLessThanOrEqual(1);
      mostStarts = Math.max(mostStarts, Number(await talon.redis.call('HGET', job, 'ats')));
    }
    console.log(`concurrency line: ${RUNS} runs, most starts of one run ${mostStarts}`);
    expect(mostStarts).toBeLessThan(10);
    expect(await talon.redis.call('ZCARD', talon.keys.slotLine('one-at-a-time'))).toBe(0);
  }, 900_000);
});
