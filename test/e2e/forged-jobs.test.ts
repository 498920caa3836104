/**
 * Attack: someone who can write to Redis puts run jobs straight on the queue (unsigned, edited after
 * signing, or signed with another key). A worker holding the job signing key refuses each one before
 * any step: the run fails with a clear code, the emulator sees no write, and the refusal is counted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import {
  createRunQueue,
  type RunJobData,
  type RunQueue,
  type RunWorker,
  signRunJob,
  toRunJobData,
} from '../../src/queue/index.ts';
import { newRunId, Secret } from '../../src/shared/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitForRunStatus } from '../queue/fixtures.ts';
import { startWorld, startWorldWorker, type World } from './world.ts';

let world: World;
let worker: RunWorker;
let rawQueue: RunQueue;
let plan: CompiledPlaybook;

const SHA = 'cd'.repeat(32);

beforeAll(async () => {
  world = await startWorld({ seed: 11 });
  worker = startWorldWorker(world);
  // The attacker's handle: the same queue, written without Talon's enqueue path.
  rawQueue = createRunQueue({ redisUrl: testRedisUrl(), prefix: world.prefix, attempts: 1 });
  const found = world.playbooks.get('webhook-block-hash');
  if (!found) throw new Error('playbooks/webhook-block-hash.yaml is missing');
  plan = found;
});
afterAll(async () => {
  await worker.close(2000);
  await rawQueue.close();
  await world.close();
});
beforeEach(() => world.emulator.admin.reset());

function jobFor(runId: string): RunJobData {
  return toRunJobData({
    runId,
    plan,
    inputs: {},
    trigger: { type: 'webhook', at: Date.now(), source: 'block-hash', data: { sha256: SHA, reason: 'x' } },
    enqueuedAt: Date.now(),
  });
}

const writes = () => world.emulator.admin.audit().length;

describe('forged run jobs', () => {
  it('runs a job Talon signed (the control case: the same job, written by Talon, does write)', async () => {
    const { runId } = await world.talon.enqueue({
      plan,
      inputs: {},
      trigger: { type: 'webhook', at: Date.now(), source: 'block-hash', data: { sha256: SHA, reason: 'x' } },
    });
    await waitForRunStatus(world.talon.records, runId, 'succeeded', 30_000);
    expect(writes()).toBeGreaterThan(0);
  });

  it.each([
    ['an unsigned job', 'SOAR_QUEUE_JOB_UNSIGNED', (data: RunJobData) => data],
    [
      'a job signed with another key',
      'SOAR_QUEUE_JOB_SIGNATURE',
      (data: RunJobData) => signRunJob(data, new Secret('another-key-0123456789abcdef0123456789')),
    ],
    [
      'a signed job whose trigger data was edited',
      'SOAR_QUEUE_JOB_SIGNATURE',
      (data: RunJobData) => {
        const signed = signRunJob(data, world.signingKey);
        return { ...signed, trigger: { ...signed.trigger, data: { sha256: 'ee'.repeat(32), reason: 'x' } } };
      },
    ],
    [
      'a signed job whose plan was edited (it asks for an env name the playbook never listed)',
      'SOAR_QUEUE_PLAN_HASH',
      (data: RunJobData) => {
        const signed = signRunJob(data, world.signingKey);
        const edited = { ...signed.playbook.plan, envAllowed: ['FALCON_CLIENT_SECRET'] };
        return { ...signed, playbook: { ...signed.playbook, plan: edited } };
      },
    ],
  ])('refuses %s: failed with %s, nothing written to Falcon, counted', async (_what, code, forge) => {
    const before = (await world.talon.records.stats())['jobs_refused'] ?? 0;
    const runId = newRunId();
    await rawQueue.add(runId, forge(jobFor(runId)));
    const record = await waitForRunStatus(world.talon.records, runId, 'failed', 30_000);
    expect(record.error?.code).toBe(code);
    expect(record.steps.every((s) => s.status === 'pending' || s.startedAt === null)).toBe(true);
    expect(writes()).toBe(0);
    expect((await world.talon.records.stats())['jobs_refused']).toBe(before + 1);
  });
});
