/**
 * `talon runs resume <id>` and `talon runs list --status failed` on a real Redis with a real worker:
 * a run that failed after its first step was checkpointed shows up as failed, is put back in the
 * queue, and continues from the checkpoint (its first step is not done again).
 */
import { describe, expect, it } from 'vitest';
import { runsCommand } from '../../src/cli/commands/runs.ts';
import { openTalonQueue, type RunExecutor, startRunWorker } from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { closedAfterEach, manualTrigger as manual, tinyPlan, waitForRunStatus } from './fixtures.ts';

const open = closedAfterEach();

async function runsCli(
  args: string[],
  prefix: string,
  options: Record<string, unknown> = {},
): Promise<{ code: number; out: string }> {
  const [name, ...rest] = args;
  const command = runsCommand.subcommands?.find((c) => c.name === name);
  if (!command?.run) throw new Error(`no runs ${name}`);
  let out = '';
  const previous = process.env['REDIS_URL'];
  process.env['REDIS_URL'] = testRedisUrl();
  try {
    const code = await command.run(
      rest,
      { prefix, ...options },
      { out: (t) => (out += t), err: (t) => (out += t) },
    );
    return { code, out };
  } finally {
    if (previous === undefined) delete process.env['REDIS_URL'];
    else process.env['REDIS_URL'] = previous;
  }
}

describe('resuming a failed run', () => {
  it('lists the failed run, resumes it, and it continues from its checkpoint', async () => {
    const prefix = uniquePrefix('resume');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    let broken = true;
    const firstStepDone: string[] = [];
    const execute: RunExecutor = async (data, ctx) => {
      await ctx.events.runStarted(data.runId, Date.now());
      const saved = await ctx.checkpoints.load(data.runId);
      if (!saved.has('step:find')) {
        firstStepDone.push(data.runId);
        await ctx.checkpoints.save(data.runId, { key: 'step:find', status: 'succeeded', output: [1], at: 1 });
      }
      if (broken) {
        const error = { code: 'SOAR_ENGINE_STEP_FAILED', message: 'step "tag" failed: cause not fixed yet' };
        await ctx.events.runFinished(data.runId, 'failed', {}, error);
        return { status: 'failed', error, outputs: {} };
      }
      await ctx.events.runFinished(data.runId, 'succeeded', { resumed: saved.has('step:find') }, null);
      return { status: 'succeeded', error: null, outputs: { resumed: saved.has('step:find') } };
    };
    open.push(startRunWorker({ redisUrl: testRedisUrl(), prefix, createExecutor: () => execute }));
    const { runId } = await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual });
    const other = await talon.enqueue({ plan: tinyPlan('fine'), inputs: {}, trigger: manual });
    await waitForRunStatus(talon.records, runId, 'failed');
    await waitForRunStatus(talon.records, other.runId, 'failed');

    const failed = await talon.records.list({ status: 'failed' });
    expect(failed.map((r) => r.runId).sort()).toEqual([runId, other.runId].sort());
    expect(await talon.records.list({ status: 'succeeded' })).toEqual([]);
    const listed = await runsCli(['list'], prefix, { status: 'failed' });
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(runId);
    expect(listed.out).toContain(other.runId);
    await expect(runsCli(['list'], prefix, { status: 'broken' })).rejects.toMatchObject({
      code: 'SOAR_CLI_USAGE',
    });

    broken = false;
    const resumed = await runsCli(['resume', runId], prefix);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain(`resumed ${runId}`);
    expect(resumed.out).toContain('1 checkpoint');
    const record = await waitForRunStatus(talon.records, runId, 'succeeded');
    expect(record.outputs).toEqual({ resumed: true });
    expect(record.error).toBeNull();
    // The first step ran once, in the first attempt; the resumed run used its checkpoint.
    expect(firstStepDone.filter((id) => id === runId)).toHaveLength(1);

    // A run that is not failed cannot be resumed, and says why.
    await expect(runsCli(['resume', runId], prefix)).rejects.toMatchObject({
      code: 'SOAR_QUEUE_NOT_RESUMABLE',
    });
    await expect(runsCli(['resume', 'run-nope'], prefix)).rejects.toMatchObject({
      code: 'SOAR_QUEUE_RUN_NOT_FOUND',
    });
  });
});

describe('pruning runs', () => {
  it('deletes finished runs (record, steps, checkpoints) beyond --keep and keeps unfinished ones', async () => {
    const prefix = uniquePrefix('prune');
    const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
    open.push(talon);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await talon.enqueue({ plan: tinyPlan(), inputs: {}, trigger: manual })).runId);
    const [done, failed, waiting] = ids as [string, string, string];
    for (const [runId, status] of [
      [done, 'succeeded'],
      [failed, 'failed'],
    ] as const) {
      await talon.redis.call('HSET', talon.keys.checkpoints(runId), 'step:find', '{}');
      await talon.records.write(runId, {
        steps: [
          {
            id: 'find',
            status: 'succeeded',
            startedAt: 1,
            finishedAt: 2,
            durationMs: 1,
            attempts: 1,
            apiCalls: 1,
            targets: null,
            error: null,
            resumed: false,
          },
        ],
        finished: { status, outputs: {}, error: null, at: 2 },
      });
    }
    const pruned = await runsCli(['prune'], prefix, { keep: '0' });
    expect(pruned.out).toContain('pruned 2 finished runs');
    expect(await talon.records.get(done)).toBeNull();
    expect(await talon.records.get(failed)).toBeNull();
    expect(
      await talon.redis.call('EXISTS', talon.keys.checkpoints(failed), talon.keys.runSteps(failed)),
    ).toBe(0);
    expect((await talon.records.get(waiting))?.status).toBe('queued');
    expect((await talon.records.list()).map((r) => r.runId)).toEqual([waiting]);
    // --older-than leaves recent runs alone.
    expect((await runsCli(['prune'], prefix, { olderThan: '1d' })).out).toContain('pruned 0 finished runs');
  });
});
