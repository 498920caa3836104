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
  it('starts one run per new item on every page and never a second one for the same item', async () => {
    const trigger = plan.triggers[0] as PollTrigger;
    expect(trigger.type).toBe('poll');
    const total = Number(
      (
        (
          await createFalconClient({ ...world.falcon }).call('detects.query_detects', {
            ...trigger.with,
            limit: 1,
          })
        ).meta['pagination'] as { total: number }
      ).total,
    );
    // More than one page of 20: the poll must read past the first page.
    expect(total).toBeGreaterThan(20);
    const a = poller(plan, trigger);
    const b = poller(plan, trigger);
    const first = await a.pollOnce();
    expect(first.seen).toBe(total);
    expect(first.enqueued.length).toBe(total);
    expect(new Set(first.enqueued).size).toBe(total);
    expect((await a.pollOnce()).enqueued).toEqual([]);
    expect((await b.pollOnce()).enqueued).toEqual([]);
    // A poller that crashed after enqueueing and before recording what it saw polls again: the run ids
    // derived from the items are refused as duplicates.
    await world.talon.redis.call('DEL', world.talon.keys.pollSeen(slugify(plan.name)));
    const afterCrash = await b.pollOnce();
    expect(afterCrash.fresh).toBe(total);
    expect(afterCrash.enqueued).toEqual([]);
    expect((await world.talon.queue.counts())['waiting']).toBe(total);

    const worker = startTalonWorker({
      redisUrl: testRedisUrl(),
      prefix: world.prefix,
      falcon: world.falcon,
      concurrency: 4,
    });
    try {
      await waitFor(
        async () => (await world.talon.queue.counts())['completed'] === total,
        30_000,
        `${total} completed runs`,
      );
    } finally {
      await worker.close(5000);
    }
    const updated = world.emulator.admin
      .audit()
      .filter((e) => e.operationId === 'UpdateDetectsByIdsV2')
      .flatMap((e) => [...e.ids]);
    expect(updated.length).toBe(total);
    expect(new Set(updated).size).toBe(total);
    const record = await world.talon.records.get(first.enqueued[0] ?? '');
    expect(record?.trigger.type).toBe('poll');
    expect(record?.status).toBe('succeeded');
  });

  it("starts one run per poll with every new item in 'batch' mode", async () => {
    const base = plan.triggers[0] as PollTrigger;
    const batchPlan: CompiledPlaybook = {
      ...plan,
      name: 'poll-batch',
      triggers: [{ ...base, mode: 'batch', with: { ...base.with, filter: "status:'new'" } }],
    };
    const trigger = batchPlan.triggers[0] as PollTrigger;
    const a = poller(batchPlan, trigger);
    const first = await a.pollOnce();
    expect(first.enqueued.length).toBe(1);
    const job = await world.talon.queue.dashboard.getJob(first.enqueued[0] ?? '');
    expect(job?.data.trigger.data.ids).toHaveLength(first.fresh);
    expect((await a.pollOnce()).enqueued).toEqual([]);
  });

  it('keeps a real cursor: every page, ties at the cursor value not dropped, each item once', async () => {
    const base = plan.triggers[0] as PollTrigger;
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString().slice(0, 19);
    const cursorPlan: CompiledPlaybook = {
      ...plan,
      name: 'poll-cursor',
      triggers: [
        {
          ...base,
          // Only detections made during this test (the seeded ones are older than today).
          with: { limit: 20, filter: `status:'new'+created_timestamp:>='${today}Z'` },
          cursor: 'created_timestamp',
        },
      ],
    };
    const trigger = cursorPlan.triggers[0] as PollTrigger;
    const a = poller(cursorPlan, trigger);
    // Both groups happen in the same second: the second group ties with the cursor the first set.
    const at = Date.now();
    const group1 = world.emulator.admin.createDetections(50, at);
    const first = await a.pollOnce();
    expect(first.enqueued.length).toBe(50);
    const group2 = world.emulator.admin.createDetections(50, at);
    const summaries = await createFalconClient({ ...world.falcon }).call('detects.get_detect_summaries', {
      ids: [group1[0], group2[0]],
    });
    const stamps = (summaries.resources as { created_timestamp: string }[]).map((d) => d.created_timestamp);
    expect(stamps[0]).toBe(stamps[1]);
    expect(await world.talon.redis.call('GET', world.talon.keys.pollCursor('poll-cursor'))).toBe(stamps[0]);
    // 100 items on 5 pages of 20; the 50 new ones sit exactly at the cursor value.
    const second = await a.pollOnce();
    expect(second.seen).toBe(100);
    expect(second.enqueued.length).toBe(50);
    expect((await a.pollOnce()).enqueued).toEqual([]);
    const runs = [...first.enqueued, ...second.enqueued];
    expect(new Set(runs).size).toBe(100);
    const jobs = await Promise.all(runs.map((id) => world.talon.queue.dashboard.getJob(id)));
    const items = jobs.map((job) => String(job?.data.trigger.data.id));
    expect(items.sort()).toEqual([...group1, ...group2].sort());
  });
});
