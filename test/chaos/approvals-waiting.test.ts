/**
 * Runs waiting (1,000 in `npm run test:chaos`, 100 in `npm test`) for an approval hold no worker and no concurrency slot: a playbook limited to
 * one run at a time parks all of them (each took the one slot, reached its approval and gave the
 * slot back), another playbook's run still gets a worker at once, and decided runs go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideApproval } from '../../src/queue/index.ts';
import { type ApprovalWorld, startApprovalWorld } from '../approvals/approval-world.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { CHAOS_FULL } from './lib/chaos-config.ts';

// The runs of a concurrency-1 playbook take its one slot in turn to reach their approval (~60 ms each).
const WAITING = CHAOS_FULL ? 1000 : 100;
let w: ApprovalWorld;

beforeAll(async () => {
  w = await startApprovalWorld({ concurrency: 4 });
});
afterAll(async () => {
  await w?.close();
});

describe('waiting runs', () => {
  it(`park ${WAITING} runs of a concurrency-1 playbook without holding its slot or a worker`, {
    timeout: 120_000,
  }, async () => {
    const gated = w.compile(`
name: gated-one-at-a-time
concurrency: 1
steps:
  - id: ask
    uses: approval
    with: { prompt: "Go?", approvers: [alice], timeout: 1h }
  - id: done
    uses: core.log
    with: { message: "went" }
`);
    const quick = w.compile(`
name: quick
steps:
  - id: hello
    uses: core.log
    with: { message: "hello" }
`);
    const started = Date.now();
    const runIds: string[] = [];
    for (let i = 0; i < WAITING; i++) runIds.push(await w.start(gated));
    await waitFor(
      async () => (await w.talon.queue.counts())['delayed'] === WAITING,
      90_000,
      `${WAITING} parked runs`,
    );
    const parkedMs = Date.now() - started;
    const counts = await w.talon.queue.counts();
    expect(counts['active']).toBe(0);
    expect(counts['waiting']).toBe(0);
    const open = await w.decider.store.listOpen(WAITING + 10);
    expect(open).toHaveLength(WAITING);
    // No slot is held by a parked run.
    const slotKeys = (await w.talon.redis.call('KEYS', `${w.prefix}:slots:*`)) as string[];
    for (const key of slotKeys) {
      if ((await w.talon.redis.call('TYPE', key)) === 'set')
        expect(await w.talon.redis.call('SCARD', key)).toBe(0);
    }
    // A worker is free for anything else.
    const other = await w.start(quick);
    expect((await w.waitStatus(other, ['succeeded'], 10_000)).status).toBe('succeeded');
    // Decided runs take the one slot in turn and finish.
    const decided = runIds.slice(0, 3);
    for (const runId of decided) {
      await decideApproval(
        w.decider,
        { runId, stepId: 'ask', by: 'alice', choice: 'approve', reason: null, channel: 'api' },
        Date.now(),
      );
    }
    for (const runId of decided)
      expect((await w.waitStatus(runId, ['succeeded'], 20_000)).status).toBe('succeeded');
    expect((await w.talon.queue.counts())['delayed']).toBe(WAITING - decided.length);
    console.log(`[approval-scale] ${WAITING} runs enqueued and parked in ${parkedMs} ms`);
  });
});
