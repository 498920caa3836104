/**
 * kill -9 the scheduler holding the event stream, again and again, while the emulator creates
 * detections and drops the stream every few hundred events: every matching event must get exactly
 * one run (no gap, no duplicate, nothing else). npm run test:chaos kills 20 holders and drops the feed
 * every ~2 s (~300 events; minutes: each holder is a fresh process); npm test kills 1 and drops every
 * 300 ms (its two holders start in parallel: about one process start-up and a lease time).
 * What counts: the events the auditor reads from the feed itself, of the playbook's type and `if:`,
 * created after the first holder fixed the stream's epoch (a new trigger does not run the feed's
 * history). Run ids derive from partition and offset, so
 * each expected event names exactly one run id. On a failure each missing event is printed with its
 * offset, the holder and committed offset around it, the next kill and what Redis holds for its run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FeedEvent } from '../../src/falcon/stream/index.ts';
import { openTalonQueue, streamRunId, type TalonQueue } from '../../src/queue/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { readFeedFromStart } from '../helpers/stream-feed.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { CHAOS_FULL, chaosRandom } from './lib/chaos-config.ts';

const KILLS = CHAOS_FULL ? 20 : 1;
const DROP_EVERY_MS = CHAOS_FULL ? 2000 : 300;
const LEASE_MS = 1000;
const PLAYBOOK = join(import.meta.dirname, '../triggers/fixtures/stream-triage.yaml');
const HOLDER = join(import.meta.dirname, 'lib/stream-holder.ts');

let emulator: RunningEmulator;
let talon: TalonQueue;
let prefix: string;
const children: ChildProcess[] = [];
let serial = 0;
let sampler: NodeJS.Timeout | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ sizes: { detections: 50 }, streamKeepAliveMs: 200 });
  prefix = uniquePrefix('chaos-stream');
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
});
afterAll(async () => {
  clearInterval(sampler);
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await talon?.close();
  await emulator?.close();
});

interface Holder {
  child: ChildProcess;
  /** The process has started its stream trigger (it printed "ready"). */
  ready: boolean;
}

function spawnHolder(): { id: string; holder: Holder } {
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
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const holder: Holder = { child, ready: false };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (text: string) => {
    if (text.includes('"ready"')) holder.ready = true;
  });
  return { id, holder };
}

interface Sample {
  at: number;
  lease: string;
  offset: number;
}

const random = chaosRandom('stream-kill');

describe('kill -9 of the stream holder', () => {
  it(`gives every matching event exactly one run through ${KILLS} kills and periodic drops`, async () => {
    const startedAt = Date.now();
    const holders = new Map<string, Holder>();
    for (let i = 0; i < 2; i++) {
      const { id, holder } = spawnHolder();
      holders.set(id, holder);
    }
    const leaseKey = talon.keys.streamLease('chaos');
    const offsetKey = talon.keys.streamOffset('chaos', 0);
    // Evidence for a failure: the lease and the committed offset over time, and the kills.
    const samples: Sample[] = [];
    const kills: { at: number; holder: string }[] = [];
    sampler = setInterval(() => {
      void Promise.all([talon.redis.call('GET', leaseKey), talon.redis.call('GET', offsetKey)])
        .then(([lease, offset]) => {
          const last = samples[samples.length - 1];
          const sample = { at: Date.now(), lease: String(lease ?? ''), offset: Number(offset ?? 0) };
          if (!last || last.lease !== sample.lease || last.offset !== sample.offset) samples.push(sample);
        })
        .catch(() => undefined);
    }, 20);
    // Events from before the first holder started are history, not run: start the world after it.
    const epoch = Number(
      await waitFor(
        () => talon.redis.call('HGET', talon.keys.streamStatus('chaos'), 'epoch'),
        30_000,
        'a first holder',
      ),
    );
    emulator.admin.setEventRate(150);
    // Drop every open feed every ~2 s (about 300 events; more often in the small run).
    let drops = 0;
    const dropper = setInterval(() => {
      drops++;
      emulator.admin.dropStreams();
    }, DROP_EVERY_MS);
    try {
      while (kills.length < KILLS) {
        const lease = String(
          (await waitFor(() => talon.redis.call('GET', leaseKey), 60_000, 'a holder')) ?? '',
        );
        const holderId = lease.split('|')[0] ?? '';
        const victim = holders.get(holderId);
        if (!victim) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        // A standby must be up, so the kill tests a lease takeover, not a process start-up (slow on
        // a loaded machine).
        await waitFor(
          () => [...holders].some(([id, holder]) => id !== holderId && holder.ready),
          120_000,
          'a standby holder up',
        );
        // Let it stream for a moment, then kill it mid-flight.
        await new Promise((r) => setTimeout(r, random.int(300, 1000)));
        victim.child.kill('SIGKILL');
        kills.push({ at: Date.now(), holder: holderId });
        holders.delete(holderId);
        const { id, holder } = spawnHolder();
        holders.set(id, holder);
      }
    } finally {
      clearInterval(dropper);
      emulator.admin.setEventRate(0);
    }
    const total = emulator.admin.streamInfo().events;
    // The last holder catches up: everything up to the last event is committed.
    await waitFor(
      async () => Number(await talon.redis.call('GET', offsetKey)) >= total,
      30_000,
      `offset ${total} committed`,
    );
    // Every kill hands the lease on (this wait fails the test otherwise), the last one too: its victim
    // may have committed everything already, so the offset alone does not wait for the takeover.
    const fenceKey = talon.keys.streamFence('chaos');
    await waitFor(
      async () => Number(await talon.redis.call('GET', fenceKey)) >= KILLS + 1,
      60_000,
      'the lease taken after the last kill',
    );
    clearInterval(sampler);
    for (const holder of holders.values()) holder.child.kill('SIGTERM');

    const events = await readFeedFromStart(emulator, total);
    const matching = events.filter(
      (e) =>
        e.eventType === 'EppDetectionSummaryEvent' &&
        (e.createdAtMs ?? 0) >= epoch &&
        Number((e.raw['event'] as { Severity?: unknown }).Severity) >= 70,
    );
    const jobs = await talon.queue.dashboard.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    const byId = new Map(jobs.map((job) => [String(job.id), job]));
    const expected = new Map(matching.map((e) => [streamRunId('stream-triage', e.partition, e.offset), e]));
    const missing = [...expected.keys()].filter((id) => !byId.has(id));
    const extra = [...byId.keys()].filter((id) => !expected.has(id));
    const detections = [...byId.values()].map((job) => String(job.data.trigger.data.event.DetectId));
    const duplicates = detections.length - new Set(detections).size;
    const fence = Number(await talon.redis.call('GET', fenceKey));
    console.info(
      `stream chaos: ${events.length} events, ${matching.length} matching, ${byId.size} runs, ` +
        `${duplicates} duplicates, ${missing.length} missing, ${extra.length} unexpected, ` +
        `${kills.length} kills, ${drops} drops, ${fence} leases taken, ${Math.round((Date.now() - startedAt) / 1000)} s`,
    );
    let orphans = 0;
    for (const id of missing)
      if (Number(await talon.redis.call('EXISTS', talon.keys.enqueueClaim(id))) === 1) orphans++;
    if (missing.length > 0)
      console.info(`${orphans} of ${missing.length} missing runs have their run id claimed but no job`);
    for (const id of missing.slice(0, 40)) {
      const event = expected.get(id) as FeedEvent;
      const created = event.createdAtMs ?? 0;
      const before = samples.filter((s) => s.at <= created).pop();
      const kill = kills.find((k) => k.at >= created);
      const claim = await talon.redis.call('EXISTS', talon.keys.enqueueClaim(id));
      const record = await talon.redis.call('EXISTS', talon.keys.run(id));
      const firstCovering = samples.find((s) => s.offset >= event.offset);
      console.info(
        `missing p${event.partition} o${event.offset} created +${created - epoch} ms; holder then ${before?.lease ?? '-'} ` +
          `committed ${before?.offset ?? 0}; next kill ${kill ? `${kill.holder} +${kill.at - created} ms` : '-'}; ` +
          `first commit past it ${firstCovering ? `${firstCovering.offset} by ${firstCovering.lease} +${firstCovering.at - created} ms` : '-'}; ` +
          `claim key ${claim}, run record ${record}`,
      );
    }
    expect(matching.length).toBeGreaterThan(20);
    // Exactly one run per matching event: no duplicate, no gap, nothing else.
    expect(duplicates).toBe(0);
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
  }, 900_000);
});
