/**
 * A succeeded run's final record rides on the connection that completes its job (ActiveJob.completeWith):
 * Redis must apply it before the completion, and a record that did not land (a Redis that lost its
 * scripts, a lost lock) must still reach a job that completed.
 */
import { describe, expect, it } from 'vitest';
import type { ActiveJob, CompletionWrite } from '../../src/queue/bullmq.ts';
import {
  connectRedis,
  createRunRecords,
  createRunSlots,
  keyLayout,
  openTalonQueue,
  type RunExecutor,
  startRunWorker,
  toRunJobData,
} from '../../src/queue/index.ts';
import { createRunProcessor } from '../../src/queue/processor.ts';
import { type Logger, newRunId } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { closedAfterEach, manualTrigger as manual, tinyPlan } from './fixtures.ts';

const open = closedAfterEach();

/** An executor that goes through the events a one-step run sends, and succeeds. */
const oneStep: RunExecutor = async (data, { events, checkpoints }) => {
  await events.runStarted(data.runId, 1);
  const step = {
    id: 'find',
    status: 'succeeded' as const,
    startedAt: 1,
    finishedAt: 2,
    durationMs: 1,
    attempts: 1,
    apiCalls: 2,
    targets: null,
    error: null,
    resumed: false,
  };
  await checkpoints.save(data.runId, { key: 'step:find', status: 'succeeded', output: { ok: true }, at: 2 });
  await events.stepUpdated(data.runId, step);
  await events.runFinished(data.runId, 'succeeded', { done: true }, null);
  return { status: 'succeeded', error: null, outputs: { done: true } };
};

describe('the final record of a succeeded run', () => {
  it('is stored before BullMQ completes the job, for every run', async () => {
    const prefix = uniquePrefix('final');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    const worker = startRunWorker({
      redisUrl: testRedisUrl(),
      prefix,
      concurrency: 4,
      createExecutor: () => oneStep,
    });
    open.push(talon, worker);
    const runs = 200;
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) {
      ids.push(
        (await talon.enqueue({ plan: tinyPlan('final', ['find']), inputs: {}, trigger: manual })).runId,
      );
    }
    // Reads, in one step of Redis, whether each job completed and the status of its record: a job seen
    // completed with its record not yet succeeded is the ordering this test guards.
    const snapshot = {
      name: 'test-completed-and-status',
      source: `
local out = {}
for i, id in ipairs(ARGV) do
  out[i] = { redis.call('ZSCORE', KEYS[1], id) and 1 or 0, redis.call('HGET', KEYS[1 + i], 'status') or '' }
end
return out`,
    };
    let pending = [...ids];
    let completedSeen = 0;
    const early: string[] = [];
    const deadline = Date.now() + 60_000;
    while (pending.length > 0 && Date.now() < deadline) {
      const rows = (await talon.redis.runScript(
        snapshot,
        [`${talon.keys.jobKeyPrefix()}completed`, ...pending.map((id) => talon.keys.run(id))],
        pending,
      )) as [number, string][];
      const still: string[] = [];
      rows.forEach(([completed, status], i) => {
        const id = pending[i] as string;
        if (completed !== 1) {
          still.push(id);
          return;
        }
        completedSeen++;
        if (status !== 'succeeded') early.push(`${id}: completed while its record said "${status}"`);
      });
      pending = still;
    }
    expect(early).toEqual([]);
    expect(pending).toEqual([]);
    expect(completedSeen).toBe(runs);
    const stats = await talon.records.stats();
    expect(stats['runs_succeeded']).toBe(runs);
    // A succeeded run keeps no checkpoints: its last one was not even written.
    expect(Number(await talon.redis.call('EXISTS', talon.keys.checkpoints(ids[0] as string)))).toBe(0);
    const record = await talon.records.get(ids[runs - 1] as string);
    expect(record?.outputs).toEqual({ done: true });
    expect(record?.steps.map((s) => [s.id, s.status])).toEqual([['find', 'succeeded']]);
  });
});

describe('a final record that did not land before the completion', () => {
  /** A processor on the real Redis, and a job whose completion the test plays by hand. */
  async function handOver(jobState: string) {
    const prefix = uniquePrefix('final-repair');
    const keys = keyLayout(prefix);
    const redis = connectRedis(testRedisUrl());
    open.push(redis);
    const records = createRunRecords(redis, keys);
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (_fields, message) => warnings.push(message),
      error: () => {},
      child: () => logger,
    };
    const processor = createRunProcessor({
      redis,
      keys,
      records,
      execute: oneStep,
      slots: createRunSlots(redis, keys, keys.jobKeyPrefix()),
      logger,
      now: () => Date.now(),
    });
    const runId = newRunId();
    const data = toRunJobData({
      runId,
      plan: tinyPlan('repair', ['find']),
      inputs: {},
      trigger: manual,
      enqueuedAt: 1,
    });
    await records.claimAndRecordQueued(data, { claim: false });
    const lockKey = keys.jobLock(runId);
    await redis.call('SET', lockKey, 'token-1');
    let handed: CompletionWrite | null = null;
    const job: ActiveJob = {
      id: runId,
      data,
      attemptsMade: 0,
      attemptsStarted: 1,
      stalledCounter: 0,
      attemptsAllowed: 3,
      token: 'token-1',
      lockKey,
      signal: new AbortController().signal,
      stop: new AbortController().signal,
      progress: async () => undefined,
      promote: async () => undefined,
      state: async () => jobState,
      completeWith: (write) => {
        handed = write;
      },
    };
    expect(await processor.handler(job)).toEqual({ status: 'succeeded' });
    const write = handed as CompletionWrite | null;
    if (write === null) throw new Error('the processor handed no final record to the completion');
    return { redis, keys, records, runId, lockKey, write, warnings };
  }

  it('is written by the completion, not before it', async () => {
    const { redis, records, runId, write } = await handOver('completed');
    expect((await records.get(runId))?.status).toBe('queued');
    write.settled({ reply: await redis.runScript(write.script, write.keys, write.args) });
    const record = await records.get(runId);
    expect(record?.status).toBe('succeeded');
    expect(record?.apiCalls).toBe(2);
    expect(record?.outputs).toEqual({ done: true });
  });

  it('reaches a job that completed although the fenced write was refused', async () => {
    const { redis, records, runId, lockKey, write } = await handOver('completed');
    // BullMQ completed the job first (a Redis that had lost the script ran the record's retry after
    // the completion): the lock is gone and the fence refuses the write.
    await redis.call('DEL', lockKey);
    const reply = await redis.runScript(write.script, write.keys, write.args);
    expect(reply).toBe(-1);
    write.settled({ reply });
    const record = await waitForStatus(records, runId, 'succeeded');
    expect(record.outputs).toEqual({ done: true });
    expect(record.steps.map((s) => s.status)).toEqual(['succeeded']);
  });

  it('is left to the next owner of a job that did not complete', async () => {
    const { records, runId, write, warnings } = await handOver('waiting');
    write.settled({ error: new Error('connection closed') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await records.get(runId))?.status).toBe('queued');
    expect(warnings).toContain('final run record not written; the job did not complete and runs again');
  });
});

async function waitForStatus(
  records: ReturnType<typeof createRunRecords>,
  runId: string,
  status: string,
): Promise<NonNullable<Awaited<ReturnType<typeof records.get>>>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = await records.get(runId);
    if (record?.status === status) return record;
    if (Date.now() > deadline) throw new Error(`run ${runId} is ${record?.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
