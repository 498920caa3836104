/**
 * The stream trigger against the emulator's Event Streams and a real redis-server: one run per
 * matching event through BullMQ and a real worker, batches, the lease (one holder, a standby takes
 * over), resume from the committed offset, reconnects after drops and expired sessions, and the
 * error when the API client lacks streaming:read.
 */
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient } from '../../src/falcon/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { loadPlaybookFile } from '../../src/playbook/index.ts';
import type { FeedEvent } from '../../src/falcon/stream/index.ts';
import {
  openTalonQueue,
  startTalonWorker,
  streamRunId,
  type TalonQueue,
  toRunJobData,
} from '../../src/queue/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { readStreamStatus, startStreamTrigger, type StreamTriggerHandle } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { readFeedFromStart } from '../helpers/stream-feed.ts';
import { waitFor } from '../helpers/wait-for.ts';

let emulator: RunningEmulator;
let plan: CompiledPlaybook;
let talon: TalonQueue;
let prefix: string;
const handles: StreamTriggerHandle[] = [];

const falconConfig = () => ({
  baseUrl: emulator.url,
  clientId: emulator.credentials.clientId,
  clientSecret: new Secret(emulator.credentials.clientSecret),
  memberCid: null,
});

beforeAll(async () => {
  emulator = await startEmulator({ sizes: { detections: 50 }, streamKeepAliveMs: 200 });
  const loaded = await loadPlaybookFile(resolve(import.meta.dirname, 'fixtures/stream-triage.yaml'));
  if (!loaded.playbook) throw new Error(`fixture does not compile: ${JSON.stringify(loaded.diagnostics)}`);
  plan = loaded.playbook;
});
beforeEach(async () => {
  emulator.admin.reset();
  prefix = uniquePrefix('stream');
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix, backoffMs: 50 });
});
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
  await talon.close();
});
afterAll(async () => {
  await emulator?.close();
});

function trigger(playbooks: readonly CompiledPlaybook[] = [plan], extra: { holderId?: string } = {}) {
  const handle = startStreamTrigger({
    playbooks,
    talon,
    api: createFalconClient(falconConfig()),
    tenant: 'test',
    leaseMs: 3000,
    idleTimeoutMs: 5000,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    ...extra,
  });
  if (!handle) throw new Error('no stream trigger');
  handles.push(handle);
  return handle;
}

async function streamRunIds(): Promise<string[]> {
  const jobs = await talon.queue.dashboard.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
  // getJobs can list a job twice when it moves between states during the call: count distinct ids.
  return [...new Set(jobs.map((j) => String(j.id)).filter((id) => id.startsWith('run-stream-')))];
}

describe('stream trigger', () => {
  it('starts one run per matching event through BullMQ and a real worker', async () => {
    const handle = trigger();
    await waitFor(() => handle.status().state === 'streaming', 5000, 'streaming');
    const worker = startTalonWorker({
      redisUrl: testRedisUrl(),
      prefix,
      falcon: falconConfig(),
      concurrency: 4,
    });
    try {
      const ids = emulator.admin.createDetections(40);
      const severe = await severeDetections(ids);
      expect(severe.length).toBeGreaterThan(0);
      expect(severe.length).toBeLessThan(40);
      await waitFor(
        async () => (await talon.queue.counts())['completed'] === severe.length,
        20_000,
        `${severe.length} completed runs`,
      );
      // Nothing more arrives: the worker's own writes are audit events, which this playbook ignores.
      await waitFor(() => (handle.status().offsets['0'] ?? 0) >= 40, 5000, 'committed');
      expect((await streamRunIds()).length).toBe(severe.length);
      const triaged = emulator.admin
        .audit()
        .filter((e) => e.operationId === 'UpdateDetectsByIdsV2')
        .flatMap((e) => [...e.ids]);
      expect(triaged.sort()).toEqual([...severe].sort());
      const record = await talon.records.get((await streamRunIds())[0] ?? '');
      expect(record?.trigger.type).toBe('stream');
      expect(record?.status).toBe('succeeded');
      const status = handle.status();
      expect(status.received).toBeGreaterThanOrEqual(40);
      // A reconnect replays events after the committed offset: runs are refused twice, matches counted again.
      expect(status.matched).toBeGreaterThanOrEqual(severe.length);
    } finally {
      await worker.close(5000);
    }
  });

  it('resumes from the committed offset after a restart, and survives dropped feeds and expired sessions', async () => {
    const first = trigger();
    await waitFor(() => first.status().state === 'streaming', 5000, 'streaming');
    const ids1 = emulator.admin.createDetections(20);
    await waitFor(() => (first.status().offsets['0'] ?? 0) >= 20, 5000, 'first 20 committed');
    await first.stop();
    const ids2 = emulator.admin.createDetections(20);
    const second = trigger();
    await waitFor(() => (second.status().offsets['0'] ?? 0) >= 40, 5000, 'resumed');
    emulator.admin.dropStreams();
    const ids3 = emulator.admin.createDetections(10);
    await waitFor(() => (second.status().offsets['0'] ?? 0) >= 50, 5000, 'after a drop');
    emulator.admin.expireStreamSessions();
    const ids4 = emulator.admin.createDetections(10);
    await waitFor(() => (second.status().offsets['0'] ?? 0) >= 60, 8000, 'after an expired session');
    const severe = await severeDetections([...ids1, ...ids2, ...ids3, ...ids4]);
    const runs = await streamRunIds();
    expect(runs.length).toBe(severe.length);
    expect(new Set(runs).size).toBe(runs.length);
    await waitFor(() => second.status().reconnects >= 2, 5000, 'two reconnects (drop, expiry)');
    // The holder publishes its state to Redis for /healthz.
    const stored = await waitFor(
      async () => {
        const status = await readStreamStatus(talon, 'test');
        return status?.offsets['0'] === 60 ? status : null;
      },
      3000,
      'published status',
    );
    expect(stored?.fleetLeaseChanges).toBeGreaterThanOrEqual(2);
  });

  it('runs the event whose enqueue a killed holder left half done (run id claimed, no job)', async () => {
    // The stream chaos found this loss: a holder killed (kill -9) after claiming an event's run id and
    // before adding its job left the claim and a "queued" record behind; the next holder replayed the
    // event, was refused as a duplicate, committed the offset, and the event never got a run.
    const first = trigger();
    await waitFor(() => first.status().state === 'streaming', 5000, 'streaming');
    await first.stop();
    const ids = emulator.admin.createDetections(30);
    const severe = new Set(await severeDetections(ids));
    const events = await readFeedFromStart(emulator, 30);
    const matching = events.filter((e) => severe.has((e.raw['event'] as { DetectId: string }).DetectId));
    expect(matching.length).toBeGreaterThan(1);
    const orphan = matching[1] as FeedEvent;
    const orphanRunId = streamRunId(plan.name, orphan.partition, orphan.offset);
    const half = toRunJobData({
      runId: orphanRunId,
      plan,
      inputs: {},
      trigger: {
        type: 'stream',
        at: Date.now(),
        source: orphan.eventType,
        data: {
          partition: 0,
          offset: orphan.offset,
          metadata: orphan.raw['metadata'],
          event: orphan.raw['event'],
        },
      },
      enqueuedAt: Date.now(),
    });
    expect(await talon.records.claimAndRecordQueued(half)).toBe(true);
    const second = trigger();
    await waitFor(() => (second.status().offsets['0'] ?? 0) >= 30, 10_000, 'all 30 committed');
    const expected = matching.map((e) => streamRunId(plan.name, e.partition, e.offset));
    expect((await streamRunIds()).sort()).toEqual(expected.sort());
    expect(await talon.queue.state(orphanRunId)).toBe('waiting');
  });

  it('holds one connection for the fleet; a standby takes over when the holder stops', async () => {
    const a = trigger([plan], { holderId: 'a' });
    const b = trigger([plan], { holderId: 'b' });
    await waitFor(() => emulator.admin.streamInfo().openFeeds === 1, 5000, 'a holder');
    const [holder, standby] = a.status().state === 'streaming' ? [a, b] : [b, a];
    expect(standby.status().state).toBe('standby');
    emulator.admin.createDetections(10);
    await waitFor(() => (holder.status().offsets['0'] ?? 0) >= 10, 5000, 'holder committed');
    await holder.stop();
    emulator.admin.createDetections(10);
    await waitFor(() => (standby.status().offsets['0'] ?? 0) >= 20, 5000, 'standby took over');
    expect(standby.status().fence).toBeGreaterThan(1);
    await waitFor(() => emulator.admin.streamInfo().openFeeds === 1, 5000, 'one feed');
  });

  it('batch mode: one run per batch, every matching event in exactly one batch', async () => {
    const batchPlan: CompiledPlaybook = {
      ...plan,
      name: 'stream-batch',
      triggers: [
        { ...(plan.triggers[0] as object), mode: 'batch', batchSize: 5, batchWindowMs: 200 } as never,
      ],
    };
    const handle = trigger([batchPlan]);
    await waitFor(() => handle.status().state === 'streaming', 5000, 'streaming');
    const ids = emulator.admin.createDetections(60);
    const severe = await severeDetections(ids);
    await waitFor(() => (handle.status().offsets['0'] ?? 0) >= 60, 5000, 'all committed');
    const jobs = await talon.queue.dashboard.getJobs(['waiting']);
    const batched = jobs.flatMap((j) =>
      (j.data.trigger.data.events as { event: { DetectId: string } }[]).map((e) => e.event.DetectId),
    );
    expect(batched.sort()).toEqual([...severe].sort());
    expect(jobs.every((j) => j.data.trigger.data.events.length <= 5)).toBe(true);
  });

  it('says clearly when the API client lacks streaming:read', async () => {
    const limited = await startEmulator({
      clients: [{ clientId: 'noscope', clientSecret: 'noscope-secret', scopes: ['detects:read'] }],
    });
    try {
      const handle = startStreamTrigger({
        playbooks: [plan],
        talon,
        api: createFalconClient({
          baseUrl: limited.url,
          clientId: 'noscope',
          clientSecret: new Secret('noscope-secret'),
          memberCid: null,
        }),
        tenant: 'noscope',
        leaseMs: 600,
        backoffBaseMs: 20,
        backoffMaxMs: 100,
      });
      if (!handle) throw new Error('no handle');
      handles.push(handle);
      await waitFor(() => handle.status().lastError !== null, 5000, 'an error');
      expect(handle.status().lastError).toMatch(/streaming:read/);
      await handle.stop();
    } finally {
      await limited.close();
    }
  });
});

/** The detections among `ids` whose stream event has Severity >= 70, read from the emulator's feed. */
async function severeDetections(ids: readonly string[]): Promise<string[]> {
  const falcon = createFalconClient(falconConfig());
  const found = await falcon.call('detects.get_detect_summaries', { ids: [...ids] });
  return (found.resources as { detection_id: string; max_severity: number }[])
    .filter((d) => d.max_severity >= 70)
    .map((d) => d.detection_id);
}
