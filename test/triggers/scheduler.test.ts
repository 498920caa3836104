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
    await scheduler(plan, a);
    await scheduler(plan, b);
    const runs = await waitFor(
      async () => {
        const list = await a.records.list({ limit: 100 });
        return list.length >= 3 ? list : null;
      },
      10_000,
      'three ticks',
    );
    const ids = runs!.map((r) => r.runId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^run-cron-two-schedulers-\d+000$/);
    const stats = await a.records.stats();
    const jobs = await a.queue.counts();
    // Every tick was fired by both schedulers; each was enqueued (and recorded) once.
    expect(jobs['waiting']).toBe(stats['runs_queued']);
    // Both schedulers fired every tick: the second one was refused as a duplicate each time.
    const fired = await a.records.stats();
    expect(fired['cron_added']).toBeGreaterThanOrEqual(ids.length);
    expect(fired['cron_duplicate']).toBeGreaterThanOrEqual(ids.length - 1);
    const slots = ids.map((id) => Number(id.split('-').pop()));
    expect(new Set(slots).size).toBe(slots.length);
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
