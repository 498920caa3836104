/**
 * The poll trigger against the emulator: one run per new item, never two for the same item, whether
 * the same poller polls again, a second poller polls the same data, or a poller crashed after
 * enqueueing but before remembering what it saw. The runs then go through a real worker.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFalconClient } from '../../src/falcon/index.ts';
import type { CompiledPlaybook, CompiledTrigger } from '../../src/playbook/compiled.ts';
import { loadPlaybookFile } from '../../src/playbook/index.ts';
import { slugify, startTalonWorker } from '../../src/queue/index.ts';
import { silentLogger, systemClock } from '../../src/shared/index.ts';
import { type PollHandle, startPollTrigger } from '../../src/triggers/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorld, type World } from './world.ts';

type PollTrigger = Extract<CompiledTrigger, { type: 'poll' }>;
let world: World;
let plan: CompiledPlaybook;

beforeAll(async () => {
  world = await startWorld({ seed: 3 });
  const loaded = await loadPlaybookFile(resolve(import.meta.dirname, 'fixtures/poll-new-detections.yaml'));
  if (!loaded.playbook) throw new Error('fixture does not compile');
  plan = loaded.playbook;
});
afterAll(() => world?.close());

function poller(target: CompiledPlaybook, trigger: PollTrigger): PollHandle {
  const falcon = createFalconClient({ ...world.falcon });
  return startPollTrigger({
    plan: target,
    trigger,
    falcon,
    talon: world.talon,
    logger: silentLogger,
    clock: systemClock,
    autoStart: false,
  });
}

describe('poll trigger', () => {
  it('starts one run per new item and never a second one for the same item', async () => {
    const trigger = plan.triggers[0] as PollTrigger;
    expect(trigger.type).toBe('poll');
    const a = poller(plan, trigger);
    const b = poller(plan, trigger);
    const first = await a.pollOnce();
    expect(first.seen).toBe(20);
    expect(first.enqueued.length).toBe(20);
    expect(new Set(first.enqueued).size).toBe(20);
    expect((await a.pollOnce()).enqueued).toEqual([]);
    expect((await b.pollOnce()).enqueued).toEqual([]);
    // A poller that crashed after enqueueing and before recording what it saw polls again: the run ids
    // derived from the items are refused as duplicates.
    await world.talon.redis.call('DEL', world.talon.keys.pollSeen(slugify(plan.name)));
    const afterCrash = await b.pollOnce();
    expect(afterCrash.fresh).toBe(20);
    expect(afterCrash.enqueued).toEqual([]);
    expect((await world.talon.queue.counts())['waiting']).toBe(20);

    const worker = startTalonWorker({
      redisUrl: testRedisUrl(),
      prefix: world.prefix,
      falcon: world.falcon,
      concurrency: 4,
    });
    try {
      await waitFor(
        async () => (await world.talon.queue.counts())['completed'] === 20,
        20_000,
        'twenty completed runs',
      );
    } finally {
      await worker.close(5000);
    }
    const updated = world.emulator.admin
      .audit()
      .filter((e) => e.operationId === 'UpdateDetectsByIdsV2')
      .flatMap((e) => [...e.ids]);
    expect(updated.length).toBe(20);
    expect(new Set(updated).size).toBe(20);
    const record = await world.talon.records.get(first.enqueued[0] ?? '');
    expect(record?.trigger.type).toBe('poll');
    expect(record?.status).toBe('succeeded');
  });

  it("starts one run per poll with every new item in 'batch' mode", async () => {
    const base = plan.triggers[0] as PollTrigger;
    const batchPlan: CompiledPlaybook = {
      ...plan,
      name: 'poll-batch',
      triggers: [{ ...base, mode: 'batch' }],
    };
    const trigger = batchPlan.triggers[0] as PollTrigger;
    const a = poller(batchPlan, trigger);
    const first = await a.pollOnce();
    expect(first.enqueued.length).toBe(1);
    const job = await world.talon.queue.dashboard.getJob(first.enqueued[0] ?? '');
    expect(job?.data.trigger.data.ids).toHaveLength(first.fresh);
    expect((await a.pollOnce()).enqueued).toEqual([]);
  });
});
