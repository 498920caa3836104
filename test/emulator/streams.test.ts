/**
 * Event Streams on the emulator (issue 12): list and refresh as the SDKs call them, the feed with
 * offsets, resume, keep-alive and session expiry, events from the world (new detections, audit
 * events for API writes), the faults (dropped, stalled, expired, 429 on the list), and falconjs's
 * EventStreams API unchanged.
 */
import { FalconClient as FalconJsClient } from 'crowdstrike-falcon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { type FeedEvent, listStreams, readFeed, refreshStream } from '../../src/falcon/stream/index.ts';
import { clientFor } from '../helpers/falcon.ts';
import { waitFor } from '../helpers/wait-for.ts';

let emulator: RunningEmulator;
let falcon: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({
    sizes: { detections: 50 },
    streamKeepAliveMs: 100,
    streamSessionSeconds: 60,
  });
  falcon = clientFor(emulator);
});
beforeEach(() => emulator.admin.reset());
afterAll(async () => {
  await emulator?.close();
});

/** Reads a feed in the background, collecting events, until `until` says stop. */
function collect(offset: number, idleTimeoutMs = 5000) {
  const events: FeedEvent[] = [];
  const controller = new AbortController();
  const done = listStreams(falcon, 'talontest').then(([stream]) => {
    if (!stream) throw new Error('no stream listed');
    return readFeed({
      descriptor: stream,
      offset,
      idleTimeoutMs,
      signal: controller.signal,
      onBatch: async (batch) => {
        events.push(...batch);
      },
    });
  });
  return { events, done, stop: () => controller.abort() };
}

describe('listing and refreshing', () => {
  it('answers one stream per partition with a feed URL, a session token and the refresh interval', async () => {
    const answer = await falcon.call('listAvailableStreamsOAuth2', { appId: 'talontest' });
    expect(answer.resources).toHaveLength(1);
    const stream = answer.resources[0] as Record<string, unknown>;
    expect(Object.keys(stream).sort()).toEqual([
      'dataFeedURL',
      'refreshActiveSessionInterval',
      'refreshActiveSessionURL',
      'sessionToken',
    ]);
    expect(stream['refreshActiveSessionInterval']).toBe(60);
    expect(String(stream['dataFeedURL'])).toMatch(/\/sensors\/entities\/datafeed\/v1\/0\?appId=talontest$/);
    expect(String(stream['refreshActiveSessionURL'])).toMatch(
      /\/sensors\/entities\/datafeed-actions\/v1\/0\?appId=talontest&action_name=refresh_active_stream_session$/,
    );
    const [descriptor] = await listStreams(falcon, 'talontest');
    expect(descriptor?.partition).toBe(0);
    await refreshStream(falcon, 'talontest', 0);
  });

  it('refuses a bad appId, an unknown partition and a refresh without a session', async () => {
    await expect(falcon.call('listAvailableStreamsOAuth2', { appId: 'has-dash' })).rejects.toThrow(/appId/);
    await expect(refreshStream(falcon, 'neverlisted', 0)).rejects.toThrow(/no active stream session/);
    await listStreams(falcon, 'talontest');
    await expect(refreshStream(falcon, 'talontest', 7)).rejects.toThrow(/no stream partition/);
  });

  it('answers 403 to a client without streaming:read', async () => {
    const limited = await startEmulator({
      clients: [{ clientId: 'noscope', clientSecret: 'noscope-secret', scopes: ['detects:read'] }],
    });
    try {
      const client = clientFor(limited);
      await expect(listStreams(client, 'talontest')).rejects.toMatchObject({ status: 403 });
    } finally {
      await limited.close();
    }
  });
});

describe('the feed', () => {
  it('streams new detections with growing offsets and resumes from an offset (inclusive)', async () => {
    const ids = emulator.admin.createDetections(3);
    const reader = collect(0);
    await waitFor(() => reader.events.length >= 3, 5000, 'backlog');
    emulator.admin.createDetections(2);
    await waitFor(() => reader.events.length >= 5, 5000, 'live events');
    reader.stop();
    expect(await reader.done).toBe('aborted');
    expect(reader.events.map((e) => e.offset)).toEqual([1, 2, 3, 4, 5]);
    const first = reader.events[0]?.raw as {
      metadata: Record<string, unknown>;
      event: Record<string, unknown>;
    };
    expect(first.metadata['eventType']).toBe('EppDetectionSummaryEvent');
    expect(first.metadata['customerIDString']).toBe(emulator.admin.info().cid);
    expect(typeof first.metadata['eventCreationTime']).toBe('number');
    expect(first.event['DetectId']).toBe(ids[0]);
    // The detection exists in Detects and Alerts, new and unassigned.
    const found = await falcon.call('detects.get_detect_summaries', { ids: [ids[0]] });
    expect((found.resources[0] as { status: string }).status).toBe('new');
    const alert = await falcon.call('alerts.query_alerts_v2', {
      filter: `composite_id:'${String(first.event['CompositeId'])}'`,
    });
    expect(alert.resources).toHaveLength(1);

    const resumed = collect(4);
    await waitFor(() => resumed.events.length >= 2, 5000, 'resumed events');
    resumed.stop();
    await resumed.done;
    expect(resumed.events.map((e) => e.offset)).toEqual([4, 5]);
  });

  it('emits an audit event for every write made through the API', async () => {
    const [id] = (await falcon.call('detects.query_detects', { limit: 1 })).resources as string[];
    const reader = collect(0);
    await falcon.call('detects.update_detects_by_ids', { ids: [id], status: 'in_progress' });
    await waitFor(() => reader.events.length >= 1, 5000, 'audit event');
    reader.stop();
    await reader.done;
    const audit = reader.events[0]?.raw as {
      metadata: Record<string, unknown>;
      event: Record<string, unknown>;
    };
    expect(audit.metadata['eventType']).toBe('UserActivityAuditEvent');
    expect(audit.event['OperationName']).toBe('UpdateDetectsByIdsV2');
    expect(JSON.stringify(audit.event['AuditKeyValues'])).toContain(String(id));
  });

  it('refuses a feed without a valid session token', async () => {
    const [stream] = await listStreams(falcon, 'talontest');
    if (!stream) throw new Error('no stream');
    await expect(
      readFeed({
        descriptor: { ...stream, token: 'wrong' },
        offset: 0,
        idleTimeoutMs: 1000,
        onBatch: async () => {},
      }),
    ).rejects.toMatchObject({
      code: 'SOAR_FALCON_AUTH',
      message: expect.stringMatching(/401.*session token/),
    });
  });
});

describe('faults', () => {
  it('drops every open feed', async () => {
    const reader = collect(0);
    await waitFor(() => emulator.admin.streamInfo().openFeeds === 1, 5000, 'feed open');
    expect(emulator.admin.dropStreams()).toBe(1);
    await expect(reader.done).rejects.toMatchObject({ code: 'SOAR_FALCON_NETWORK' });
  });

  it('stalls feeds (no keep-alives), which a reader sees as idle; held events are not lost', async () => {
    const reader = collect(0, 400);
    await waitFor(() => emulator.admin.streamInfo().openFeeds === 1, 5000, 'feed open');
    emulator.admin.stallStreams(2000);
    emulator.admin.createDetections(1);
    expect(await reader.done).toBe('idle');
    const again = collect(0);
    await waitFor(() => again.events.length === 1, 5000, 'event after the stall');
    again.stop();
    await again.done;
  });

  it('ends the feed when its session expires, and refresh then answers 404', async () => {
    const reader = collect(0);
    await waitFor(() => emulator.admin.streamInfo().openFeeds === 1, 5000, 'feed open');
    expect(emulator.admin.expireStreamSessions()).toBe(1);
    expect(await reader.done).toBe('ended');
    await expect(refreshStream(falcon, 'talontest', 0)).rejects.toMatchObject({ status: 404 });
  });

  it('answers 429 on the list call when told to (the client waits and retries)', async () => {
    emulator.admin.injectFault({
      operationId: 'listAvailableStreamsOAuth2',
      status: 429,
      retryAfterSeconds: 0,
    });
    const streams = await listStreams(falcon, 'talontest');
    expect(streams).toHaveLength(1);
    const statuses = emulator.admin
      .requests()
      .filter((r) => r.operationId === 'listAvailableStreamsOAuth2')
      .map((r) => r.status);
    expect(statuses).toEqual([429, 200]);
  });

  it('generates detections at --event-rate', async () => {
    const reader = collect(0);
    emulator.admin.setEventRate(200);
    await waitFor(() => reader.events.length >= 20, 5000, 'generated events');
    emulator.admin.setEventRate(0);
    reader.stop();
    await reader.done;
    expect(reader.events.every((e) => e.eventType === 'EppDetectionSummaryEvent')).toBe(true);
  });
});

describe('falconjs (npm crowdstrike-falcon) unchanged', () => {
  it('lists the streams and refreshes the session through its EventStreams API', async () => {
    // falconjs only knows the real clouds; its documented fetchApi option carries requests to the emulator.
    const toEmulator: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input).replace(
        'https://api.crowdstrike.com',
        emulator.url,
      );
      return fetch(url, init);
    };
    const client = new FalconJsClient({
      cloud: 'us-1',
      clientId: emulator.credentials.clientId,
      clientSecret: emulator.credentials.clientSecret,
      fetchApi: toEmulator,
    });
    const streams = await client.availableEventStreams('falconjs1');
    expect(streams).toHaveLength(1);
    const listed = await client.eventStreams.listAvailableStreamsOAuth2('falconjs1');
    const resource = listed.resources[0];
    expect(resource?.sessionToken.expiration).toBeInstanceOf(Date);
    expect(resource?.refreshActiveSessionInterval).toBe(60);
    const refreshed = await client.eventStreams.refreshActiveStreamSession(
      'refresh_active_stream_session',
      'falconjs1',
      0,
    );
    expect(refreshed.errors ?? []).toEqual([]);
    expect(typeof refreshed.meta.traceId).toBe('string');
  });
});
