import { afterEach, describe, expect, it } from 'vitest';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { openTalonQueue, slugify, type TalonQueue } from '../../src/queue/index.ts';
import {
  readSchedulerEvents,
  type Scheduler,
  slotsBetween,
  startScheduler,
} from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { tinyPlan } from '../queue/fixtures.ts';

const open: { stop?(): Promise<void>; close?(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await (thing.stop ?? thing.close)?.call(thing);
});

function everySecond(name: string, overlap: 'skip' | 'queue'): CompiledPlaybook {
  return {
    ...tinyPlan(name),
    triggers: [{ type: 'cron', schedule: '* * * * * *', timezone: null, overlap }],
  };
}

function talonAt(prefix: string): TalonQueue {
  const talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  open.push(talon);
  return talon;
}

async function scheduler(plan: CompiledPlaybook, talon: TalonQueue): Promise<Scheduler> {
  const s = await startScheduler({ playbooks: [plan], talon });
  open.push(s);
  return s;
}

describe('scheduler', () => {
  it('enqueues one run per tick with two schedulers running', async () => {
    const prefix = uniquePrefix('sch');
    const plan = everySecond('two-schedulers', 'queue');
    const a = talonAt(prefix);
    const b = talonAt(prefix);
    const first = await scheduler(plan, a);
    const second = await scheduler(plan, b);
    await waitFor(
      async () => ((await a.records.list({ limit: 100 })).length >= 3 ? true : null),
      10_000,
      'three ticks',
    );
    // Stop both, then count: nothing moves while the numbers are compared.
    await Promise.all([first.stop(), second.stop()]);
    const runs = await a.records.list({ limit: 1000 });
    for (const run of runs) expect(run.runId).toMatch(/^run-cron-two-schedulers-\d+000$/);
    const stats = await a.records.stats();
    const jobs = await a.queue.counts();
    // Run records and run ids are keyed by id, so they cannot show a duplicate; the add counter and
    // the queue can: a tick enqueued by both schedulers would count two adds and hold two jobs.
    expect(stats['cron_added']).toBe(runs.length);
    expect(jobs['waiting']).toBe(runs.length);
    expect(stats['runs_queued']).toBe(runs.length);
    // Both schedulers fired (almost) every tick: the later one was refused as a duplicate.
    expect(stats['cron_duplicate']).toBeGreaterThanOrEqual(runs.length - 1);
    expect(stats['cron_duplicate']).toBeLessThanOrEqual(runs.length + 1);
  });

  it("records ticks skipped by overlap 'skip' while a run is unfinished", async () => {
    const prefix = uniquePrefix('sch');
    const talon = talonAt(prefix);
    await scheduler(everySecond('overlapper', 'skip'), talon);
    const events = await waitFor(
      async () => {
        const list = await readSchedulerEvents(talon);
        return list.filter((e) => e.type === 'skipped-overlap').length >= 2 ? list : null;
      },
      10_000,
      'two skipped ticks',
    );
    expect(events![0]?.detail).toMatch(/still unfinished/);
    expect((await talon.queue.counts())['waiting']).toBe(1);
  });

  it('records the ticks nobody fired while every scheduler was down', async () => {
    const prefix = uniquePrefix('sch');
    const talon = talonAt(prefix);
    const plan = everySecond('sleeper', 'queue');
    await talon.redis.call(
      'SET',
      talon.keys.cronLast(slugify(plan.name)),
      Math.floor(Date.now() / 1000) * 1000 - 10_000,
    );
    await scheduler(plan, talon);
    const events = await readSchedulerEvents(talon);
    const missed = events.find((e) => e.type === 'missed-while-down');
    expect(missed?.playbook).toBe('sleeper');
    // Ten seconds down: about nine ticks (more if this machine is slow to start the scheduler).
    const count = Number(/^(\d+) tick\(s\) between/.exec(missed?.detail ?? '')?.[1]);
    expect(count).toBeGreaterThanOrEqual(8);
    expect(count).toBeLessThanOrEqual(20);
  });
});

describe('slotsBetween', () => {
  it('lists the minutes of a 5-field expression inside the interval', () => {
    const from = Date.UTC(2026, 0, 1, 10, 0, 0);
    const slots = slotsBetween('*/15 * * * *', 'UTC', from, from + 3_600_000);
    expect(slots.map((s) => new Date(s).toISOString().slice(11, 16))).toEqual(['10:15', '10:30', '10:45']);
  });
});
