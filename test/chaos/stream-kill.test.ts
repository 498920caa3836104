/**
 * kill -9 the scheduler holding the event stream, again and again, while the emulator creates
 * detections and drops the stream every few hundred events: every matching event must get exactly
 * one run (no gap, no duplicate). Runs in npm run test:chaos only (20 kills; it takes minutes, as each
 * holder is a fresh process); npm test covers restart and takeover in test/triggers/stream.test.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient } from '../../src/falcon/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { CHAOS_FULL } from './lib/chaos-config.ts';

const KILLS = 20;
const LEASE_MS = 1000;
const PLAYBOOK = join(import.meta.dirname, '../triggers/fixtures/stream-triage.yaml');
const HOLDER = join(import.meta.dirname, 'lib/stream-holder.ts');

let emulator: RunningEmulator;
let talon: TalonQueue;
let prefix: string;
const children: ChildProcess[] = [];
let serial = 0;

beforeAll(async () => {
  emulator = await startEmulator({ sizes: { detections: 50 }, streamKeepAliveMs: 200 });
  prefix = uniquePrefix('chaos-stream');
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await talon?.close();
  await emulator?.close();
});

function spawnHolder(): { id: string; child: ChildProcess } {
  const id = `h${++serial}`;
  const config = {
    redisUrl: testRedisUrl(),
    prefix,
    falconUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: emulator.credentials.clientSecret,
    playbook: PLAYBOOK,
    holderId: id,
    leaseMs: LEASE_MS,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return { id, child };
}

describe.skipIf(!CHAOS_FULL)('kill -9 of the stream holder', () => {
  it(`gives every matching event exactly one run through ${KILLS} kills and periodic drops`, async () => {
    const holders = new Map<string, ChildProcess>();
    for (let i = 0; i < 2; i++) {
      const { id, child } = spawnHolder();
      holders.set(id, child);
    }
    const leaseKey = talon.keys.streamLease('chaos');
    // Events from before the first holder started are history, not run: start the world after it.
    await waitFor(
      () => talon.redis.call('HGET', talon.keys.streamStatus('chaos'), 'epoch'),
      30_000,
      'a first holder',
    );
    emulator.admin.setEventRate(150);
    // Drop every open feed every ~2 s (about 300 events).
    const drops = setInterval(() => emulator.admin.dropStreams(), 2000);
    let kills = 0;
    try {
      while (kills < KILLS) {
        const lease = String(
          (await waitFor(() => talon.redis.call('GET', leaseKey), 20_000, 'a holder')) ?? '',
        );
        const holderId = lease.split('|')[0] ?? '';
        const victim = holders.get(holderId);
        if (!victim) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        // Let it stream for a moment, then kill it mid-flight.
        await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 700)));
        victim.kill('SIGKILL');
        holders.delete(holderId);
        kills++;
        const { id, child } = spawnHolder();
        holders.set(id, child);
      }
    } finally {
      clearInterval(drops);
      emulator.admin.setEventRate(0);
    }
    const total = emulator.admin.streamInfo().events;
    // The last holder catches up: everything up to the last event is committed.
    await waitFor(
      async () => Number(await talon.redis.call('GET', talon.keys.streamOffset('chaos', 0))) >= total,
      30_000,
      `offset ${total} committed`,
    );
    for (const child of holders.values()) child.kill('SIGTERM');

    const falcon = createFalconClient({
      baseUrl: emulator.url,
      clientId: emulator.credentials.clientId,
      clientSecret: new Secret(emulator.credentials.clientSecret),
      memberCid: null,
    });
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000).toISOString().slice(0, 19);
    const severe: string[] = [];
    for await (const page of falcon.pages('detects.query_detects', {
      filter: `created_timestamp:>='${today}Z'+max_severity:>=70`,
      limit: 500,
    }))
      severe.push(...(page.resources as string[]));
    expect(severe.length).toBeGreaterThan(20);
    const jobs = await talon.queue.dashboard.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    const byId = new Map(jobs.map((job) => [String(job.id), job]));
    const detections = [...byId.values()].map((job) => String(job.data.trigger.data.event.DetectId));
    // Exactly one run per matching event: no duplicate, no gap.
    expect(detections.length).toBe(new Set(detections).size);
    expect(detections.sort()).toEqual([...severe].sort());
    expect(Number(await talon.redis.call('GET', talon.keys.streamFence('chaos')))).toBeGreaterThanOrEqual(
      KILLS + 1,
    );
  }, 600_000);
});
