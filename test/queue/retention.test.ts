/**
 * Count-bounded retention on a real Redis with a real run worker: with `keepFinishedRuns` the worker
 * itself keeps the newest succeeded runs and, apart from them, the newest failed runs (with the
 * checkpoints `talon runs resume` needs), without anyone running `talon runs prune`. Unfinished runs and
 * a run being resumed are never deleted.
 */
import { describe, expect, it } from 'vitest';
import {
  backfillFinishedRuns,
  createRunTrimmer,
  forgetFinishedRuns,
  openTalonQueue,
  type RunExecutor,
  startRunWorker,
  TRIM_EVERY,
  toRunJobData,
} from '../../src/queue/index.ts';
import { systemClock } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { closedAfterEach, manualTrigger as manual, tinyPlan } from './fixtures.ts';

const open = closedAfterEach();

const KEEP = 10;
const FAILED = 15;
const SUCCEEDED = 80;

/** True at the positions of `order` whose run still has a record. */
async function keptFlags(exists: (id: string) => Promise<boolean>, order: string[]): Promise<boolean[]> {
  return Promise.all(order.map(exists));
}

/** The flags of a list in which only a newest part is kept: false..., then true... */
function isNewestSuffix(flags: boolean[]): boolean {
  const first = flags.indexOf(true);
  return first !== -1 && flags.slice(first).every(Boolean);
}

describe('count-bounded retention of finished runs', () => {
  it('keeps the newest succeeded runs and, apart from them, the newest failed ones, without a prune', async () => {
    const prefix = uniquePrefix('retention');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    const { redis, keys } = talon;
    const failing = new Set<string>();
    const finishOrder: string[] = [];
    const execute: RunExecutor = async (data, ctx) => {
      await ctx.events.runStarted(data.runId, Date.now());
      await ctx.checkpoints.save(data.runId, { key: 'step:find', status: 'succeeded', output: [1], at: 1 });
      finishOrder.push(data.runId);
      if (failing.has(data.runId)) {
        const error = { code: 'SOAR_ENGINE_STEP_FAILED', message: 'step "tag" failed' };
        await ctx.events.runFinished(data.runId, 'failed', {}, error);
        return { status: 'failed', error, outputs: {} };
      }
      await ctx.events.runFinished(data.runId, 'succeeded', {}, null);
      return { status: 'succeeded', error: null, outputs: {} };
    };
    // One run at a time and a clock that never repeats: finish order is exactly the stored order.
    let tick = Date.now();
    const clock = { now: () => ++tick, sleep: systemClock.sleep };
    open.push(
      startRunWorker({
        redisUrl: testRedisUrl(),
        prefix,
        concurrency: 1,
        keepFinishedRuns: KEEP,
        clock,
        createExecutor: () => execute,
      }),
    );
    for (let i = 0; i < FAILED; i++) {
      const { runId } = await talon.enqueue({ plan: tinyPlan('breaks'), inputs: {}, trigger: manual });
      failing.add(runId);
    }
    for (let i = 0; i < SUCCEEDED; i++)
      await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    await waitFor(
      async () => {
        const stats = await talon.records.stats();
        return (stats['runs_succeeded'] ?? 0) + (stats['runs_failed'] ?? 0) === FAILED + SUCCEEDED;
      },
      30_000,
      'every run to finish',
    );
    const exists = async (id: string): Promise<boolean> =>
      Number(await redis.call('EXISTS', keys.run(id))) === 1;
    const failedOrder = finishOrder.filter((id) => failing.has(id));
    const succeededOrder = finishOrder.filter((id) => !failing.has(id));

    // The worker trimmed as it went: never more than the cap plus one trim interval of each kind.
    const keptSucceeded = await keptFlags(exists, succeededOrder);
    const keptFailed = await keptFlags(exists, failedOrder);
    const countKept = (flags: boolean[]) => flags.filter(Boolean).length;
    console.info(
      `retention: ${SUCCEEDED} succeeded and ${FAILED} failed runs, keep ${KEEP}: ${countKept(keptSucceeded)} succeeded and ${countKept(keptFailed)} failed kept by the worker`,
    );
    expect(countKept(keptSucceeded)).toBeGreaterThanOrEqual(KEEP);
    expect(countKept(keptSucceeded)).toBeLessThanOrEqual(KEEP + TRIM_EVERY);
    expect(countKept(keptSucceeded)).toBeLessThan(SUCCEEDED);
    expect(isNewestSuffix(keptSucceeded)).toBe(true);
    // 80 successes after them pushed out no failed run beyond the failed line's own cap.
    expect(countKept(keptFailed)).toBe(KEEP);
    expect(isNewestSuffix(keptFailed)).toBe(true);
    for (const id of failedOrder.slice(-KEEP)) {
      expect(Number(await redis.call('HLEN', keys.checkpoints(id)))).toBe(1);
    }
    // `talon runs list --status failed` finds every kept failed run, however many runs came after them.
    const listedFailed = await talon.records.list({ status: 'failed', limit: 100, scan: 1 });
    expect(listedFailed.map((r) => r.runId)).toEqual(failedOrder.slice(-KEEP).reverse());
    for (const id of finishOrder) {
      if (await exists(id)) continue;
      // A deleted run leaves nothing: no steps, no checkpoints, no index entry.
      expect(
        Number(await redis.call('EXISTS', keys.runSteps(id), keys.checkpoints(id), keys.intents(id))),
      ).toBe(0);
      expect(await redis.call('ZSCORE', keys.runIndex(), id)).toBeNull();
    }

    // An unfinished run that (by a race) sits in the finished index as its oldest entry is not deleted.
    const unfinished = toRunJobData({
      runId: 'run-still-queued',
      plan: tinyPlan(),
      inputs: {},
      trigger: manual,
      dryRun: false,
      enqueuedAt: 1,
    });
    expect(await talon.records.claimAndRecordQueued(unfinished)).toBe(true);
    await redis.call('ZADD', keys.finishedRuns(), 0, unfinished.runId);
    // A failed run being resumed (`talon runs resume` marks it queued first) is not deleted either.
    const resuming = failedOrder.at(-KEEP) as string;
    const resume = await talon.records.beginResume(resuming);
    expect(resume).not.toBeNull();
    expect(await forgetFinishedRuns(redis, keys, [resuming, unfinished.runId])).toBe(0);

    // A trim now leaves exactly the newest KEEP of each kind.
    const trimmer = createRunTrimmer(redis, keys, { keep: KEEP, now: () => Date.now() });
    await trimmer.trim();
    expect(await keptFlags(exists, succeededOrder)).toEqual(
      succeededOrder.map((_, i) => i >= SUCCEEDED - KEEP),
    );
    expect(Number(await redis.call('ZCARD', keys.finishedRuns()))).toBe(KEEP);
    expect(await exists(unfinished.runId)).toBe(true);
    expect(Number(await redis.call('HLEN', keys.checkpoints(resuming)))).toBe(1);
    expect((await talon.records.get(resuming))?.status).toBe('queued');
    // The resume could not go ahead: the run is failed again, back in its line, and still resumable.
    await resume?.undo();
    expect((await talon.records.get(resuming))?.status).toBe('failed');
    expect(await redis.call('ZSCORE', keys.failedRuns(), resuming)).not.toBeNull();
    expect(Number(await redis.call('ZCARD', keys.failedRuns()))).toBe(KEEP);
    const listed = await talon.records.list({ limit: 1000 });
    expect(listed).toHaveLength(2 * KEEP + 1);
  });

  it('indexes the finished runs an older version recorded, once, so they are counted and listed', async () => {
    const prefix = uniquePrefix('backfill');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    const { redis, keys } = talon;
    const legacy = [
      ['run-old-failed', 'failed'],
      ['run-old-done', 'succeeded'],
      ['run-old-running', 'running'],
    ] as const;
    for (const [i, [runId, status]] of legacy.entries()) {
      await redis.call('HSET', keys.run(runId), 'runId', runId, 'status', status, 'enqueuedAt', i);
      if (status !== 'running') await redis.call('HSET', keys.run(runId), 'finishedAt', 100 + i);
      await redis.call('ZADD', keys.runIndex(), i, runId);
    }
    expect(await talon.records.list({ status: 'failed' })).toEqual([]);
    expect(await backfillFinishedRuns(redis, keys)).toBe(2);
    expect((await talon.records.list({ status: 'failed' })).map((r) => r.runId)).toEqual(['run-old-failed']);
    expect(await redis.call('ZRANGE', keys.finishedRuns(), 0, -1)).toEqual(['run-old-done']);
    // Once per deployment.
    await redis.call('ZREM', keys.failedRuns(), 'run-old-failed');
    expect(await backfillFinishedRuns(redis, keys)).toBe(0);
  });

  it('skips the backfill on a deployment that had no runs before this version, and only there', async () => {
    const fresh = openTalonQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('backfill-fresh') });
    const upgraded = openTalonQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('backfill-old') });
    open.push(fresh, upgraded);
    const trigger = { type: 'manual' as const, at: 0, source: 'test', data: null };
    await fresh.enqueue({ plan: tinyPlan('fresh', ['find']), inputs: {}, trigger });
    expect(Number(await fresh.redis.call('EXISTS', fresh.keys.finishedRunsBackfilled()))).toBe(1);
    // An older version's finished run is in the index: the first enqueue of this version leaves the
    // backfill to the first worker, which indexes that run.
    const { redis, keys } = upgraded;
    await redis.call(
      'HSET',
      keys.run('run-legacy'),
      'runId',
      'run-legacy',
      'status',
      'failed',
      'finishedAt',
      Date.now() - 5,
    );
    await redis.call('ZADD', keys.runIndex(), Date.now() - 10, 'run-legacy');
    await upgraded.enqueue({ plan: tinyPlan('upgraded', ['find']), inputs: {}, trigger });
    expect(Number(await redis.call('EXISTS', keys.finishedRunsBackfilled()))).toBe(0);
    expect(await backfillFinishedRuns(redis, keys)).toBe(1);
    expect(await redis.call('ZRANGE', keys.failedRuns(), 0, -1)).toEqual(['run-legacy']);
  });

  it('backfills an index of more runs than one page, each finished run once, in its own index', async () => {
    const prefix = uniquePrefix('backfill-pages');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    const { redis, keys } = talon;
    // 1,201 runs: three pages of the backfill; every third failed, every third running, the rest done.
    const statusOf = (i: number) => (['failed', 'running', 'succeeded'] as const)[i % 3] as string;
    const commands: Promise<unknown>[] = [];
    for (let i = 0; i < 1201; i++) {
      const runId = `run-legacy-${i}`;
      const fields = ['runId', runId, 'status', statusOf(i), 'enqueuedAt', i];
      if (statusOf(i) !== 'running') fields.push('finishedAt', 1000 + i);
      commands.push(redis.call('HSET', keys.run(runId), ...fields));
      commands.push(redis.call('ZADD', keys.runIndex(), i, runId));
    }
    await Promise.all(commands);
    // One already indexed (a worker of this version finished it): not counted again.
    await redis.call('ZADD', keys.failedRuns(), 1000, 'run-legacy-0');
    expect(await backfillFinishedRuns(redis, keys)).toBe(801 - 1);
    expect(Number(await redis.call('ZCARD', keys.failedRuns()))).toBe(401);
    expect(Number(await redis.call('ZCARD', keys.finishedRuns()))).toBe(400);
    expect(await redis.call('ZSCORE', keys.finishedRuns(), 'run-legacy-1199')).toBe('2199');
    expect(await redis.call('ZSCORE', keys.failedRuns(), 'run-legacy-1200')).toBe('2200');
    expect(await redis.call('ZSCORE', keys.failedRuns(), 'run-legacy-1198')).toBe(null);
  });
});
