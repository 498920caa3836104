import { afterEach, describe, expect, it } from 'vitest';
import {
  cronRunId,
  ENQUEUE_CLAIM_TTL_MS,
  openTalonQueue,
  type TalonQueue,
  toRunJobData,
} from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { tinyPlan } from './fixtures.ts';

const open: TalonQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.close();
});

function talon(prefix = uniquePrefix('enq')): TalonQueue {
  const q = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  open.push(q);
  return q;
}

const cron = (at: number) => ({ type: 'cron' as const, at, source: '* * * * *', data: null });

describe('enqueueRun', () => {
  it('adds a run once per run id, even from two producers and after the job is removed', async () => {
    const prefix = uniquePrefix('enq');
    const a = talon(prefix);
    const b = talon(prefix);
    const runId = cronRunId('Nightly Sweep!', 1_700_000_000_000);
    expect(runId).toBe('run-cron-nightly-sweep-1700000000000');
    const results = await Promise.all([
      a.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), runId }),
      b.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), runId }),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['added', 'duplicate']);
    expect((await a.queue.counts())['waiting']).toBe(1);
    // A finished run's job is removed by retention (removeOnComplete) after its record is finished.
    await a.records.markFailed(runId, { code: 'SOAR_TEST', message: 'done' }, 2);
    await a.queue.dashboard.remove(runId);
    const again = await b.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), runId });
    expect(again.outcome).toBe('duplicate');
    expect((await a.queue.counts())['waiting']).toBe(0);
  });

  it('adds the job of a run whose producer died between its claim and its add (kill -9)', async () => {
    const q = talon();
    const runId = cronRunId('Nightly Sweep!', 1_700_000_000_000);
    // What a producer killed after claimAndRecordQueued and before queue.add leaves behind.
    const half = toRunJobData({ runId, plan: tinyPlan(), inputs: {}, trigger: cron(1), enqueuedAt: 1 });
    expect(await q.records.claimAndRecordQueued(half)).toBe(true);
    expect(await q.queue.state(runId)).toBe('unknown');
    // A claim this young may be a live producer about to add: the replay waits for its job, then
    // adopts the claim. Age it by 5 s (as the time a standby takes over) so the test does not wait.
    await q.redis.call('PEXPIRE', q.keys.enqueueClaim(runId), ENQUEUE_CLAIM_TTL_MS - 5000);
    const replay = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), runId });
    expect(replay.outcome).toBe('added');
    expect(await q.queue.state(runId)).toBe('waiting');
    expect((await q.records.get(runId))?.status).toBe('queued');
    // From then on the run exists: a further replay is a duplicate, and there is one job.
    const third = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), runId });
    expect(third.outcome).toBe('duplicate');
    expect((await q.queue.counts())['waiting']).toBe(1);
  });

  it("skips a run while another run of the same playbook is unfinished with overlap 'skip'", async () => {
    const q = talon();
    const first = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), overlap: 'skip' });
    const second = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(2), overlap: 'skip' });
    expect(first.outcome).toBe('added');
    expect(second).toMatchObject({ outcome: 'skipped', blockingRunId: first.runId });
    expect(await q.records.get(second.runId)).toBeNull();
    const other = await q.enqueue({ plan: tinyPlan('other'), inputs: {}, trigger: cron(2), overlap: 'skip' });
    expect(other.outcome).toBe('added');
  });

  it("queues runs side by side with overlap 'queue'", async () => {
    const q = talon();
    const one = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(1), overlap: 'queue' });
    const two = await q.enqueue({ plan: tinyPlan(), inputs: {}, trigger: cron(2), overlap: 'queue' });
    expect([one.outcome, two.outcome]).toEqual(['added', 'added']);
    expect((await q.queue.counts())['waiting']).toBe(2);
    expect((await q.records.get(one.runId))?.status).toBe('queued');
  });
});
