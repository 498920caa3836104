/**
 * Run jobs name their plan by digest (plan-store.ts): the plan is stored once, renewed by every
 * enqueue, stored again when Redis lost it, and a plan that is gone or was edited runs nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  openTalonQueue,
  PLAN_TTL_MS,
  planReference,
  type RunExecutor,
  startRunWorker,
  type TalonQueue,
} from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { closedAfterEach, manualTrigger as manual, tinyPlan, waitForRunStatus } from './fixtures.ts';

const open = closedAfterEach();

/** A queue and a worker whose executor notes the plan each run was given. */
function setup(): { talon: TalonQueue; ran: Map<string, string[]>; startWorker(): void } {
  const prefix = uniquePrefix('plans');
  const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix, attempts: 3, backoffMs: 10 });
  const ran = new Map<string, string[]>();
  const execute: RunExecutor = async (data, { events }) => {
    ran.set(
      data.runId,
      data.playbook.plan.steps.map((s) => s.id),
    );
    await events.runStarted(data.runId, 1);
    await events.runFinished(data.runId, 'succeeded', {}, null);
    return { status: 'succeeded', error: null, outputs: {} };
  };
  open.push(talon);
  const startWorker = () => {
    open.push(
      startRunWorker({
        redisUrl: testRedisUrl(),
        prefix,
        concurrency: 2,
        createExecutor: () => execute,
      }),
    );
  };
  return { talon, ran, startWorker };
}

describe('plans stored by digest', () => {
  it('keeps the plan out of the job, stores it once, renews it with every run, and runs the pinned plan', async () => {
    const { talon, ran, startWorker } = setup();
    startWorker();
    const plan = tinyPlan('by-digest', ['find', 'tag', 'close']);
    const { digest, json } = planReference(plan);
    const first = await talon.enqueue({ plan, inputs: {}, trigger: manual });
    const jobData = String(await talon.redis.call('HGET', talon.keys.job(first.runId), 'data'));
    expect(JSON.parse(jobData).playbook).toEqual({
      name: 'by-digest',
      file: plan.file,
      hash: plan.hash,
      planDigest: digest,
    });
    expect(await talon.redis.call('GET', talon.keys.plan(digest))).toBe(json);
    // Renewed by the next run of the plan.
    await talon.redis.call('PEXPIRE', talon.keys.plan(digest), 60_000);
    const second = await talon.enqueue({ plan, inputs: {}, trigger: manual });
    expect(Number(await talon.redis.call('PTTL', talon.keys.plan(digest)))).toBeGreaterThan(
      PLAN_TTL_MS - 60_000,
    );
    for (const { runId } of [first, second]) {
      await waitForRunStatus(talon.records, runId, 'succeeded');
      expect(ran.get(runId)).toEqual(['find', 'tag', 'close']);
    }
  });

  it('stores the plan again when Redis lost it since this process stored it', async () => {
    const { talon, ran, startWorker } = setup();
    startWorker();
    const plan = tinyPlan('lost-plan', ['find']);
    const { digest } = planReference(plan);
    await waitForRunStatus(
      talon.records,
      (await talon.enqueue({ plan, inputs: {}, trigger: manual })).runId,
      'succeeded',
    );
    await talon.redis.call('DEL', talon.keys.plan(digest));
    const { runId } = await talon.enqueue({ plan, inputs: {}, trigger: manual });
    expect(Number(await talon.redis.call('EXISTS', talon.keys.plan(digest)))).toBe(1);
    await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(ran.get(runId)).toEqual(['find']);
  });

  it('runs nothing when the plan is gone, and says so', async () => {
    const { talon, ran, startWorker } = setup();
    const plan = tinyPlan('gone-plan', ['find']);
    const { runId } = await talon.enqueue({ plan, inputs: {}, trigger: manual });
    await talon.redis.call('DEL', talon.keys.plan(planReference(plan).digest));
    startWorker();
    const record = await waitForRunStatus(talon.records, runId, 'failed');
    expect(record.error?.code).toBe('SOAR_QUEUE_PLAN_MISSING');
    expect(record.error?.message).toMatch(/no longer in Redis/);
    expect(ran.has(runId)).toBe(false);
    expect((await talon.records.stats())['jobs_refused']).toBe(1);
  });

  it('runs nothing when the stored plan was edited', async () => {
    const { talon, ran, startWorker } = setup();
    const plan = tinyPlan('edited-plan', ['find']);
    const { digest, json } = planReference(plan);
    const { runId } = await talon.enqueue({ plan, inputs: {}, trigger: manual });
    // Someone with write access to Redis swaps a step in.
    await talon.redis.call('SET', talon.keys.plan(digest), json.replace('"find"', '"wipe"'));
    startWorker();
    const record = await waitForRunStatus(talon.records, runId, 'failed');
    expect(record.error?.code).toBe('SOAR_QUEUE_PLAN_HASH');
    expect(ran.has(runId)).toBe(false);
  });
});
