/**
 * The run recorder (src/queue/run-recording.ts) on hand-written ports: what it keeps, what it leaves
 * out (HTTP response headers), its size bound, and the recorder's refusals (src/testing/record-run.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ActionPort, FalconPort, FalconResult } from '../../src/engine/ports.ts';
import { createRunRecorder, type RunRecord, type RunRecording } from '../../src/queue/index.ts';
import { checkRecordable } from '../../src/testing/index.ts';

const answer = (resources: unknown[]): FalconResult => ({
  status: 200,
  resources,
  meta: {},
  errors: [],
  traceId: null,
});

/** Falcon that answers every call with `resources`. */
const falconAnswering = (resources: unknown[]): FalconPort => ({
  call: async () => answer(resources),
  async *pages() {
    yield answer(resources.slice(0, 1));
    yield answer(resources.slice(1));
  },
});

const http: ActionPort = {
  has: () => true,
  whenOutcomeUnknown: () => 'fail',
  run: async () => ({ status: 200, ok: true, headers: { 'set-cookie': 'session=s3cr3t' }, body: { ok: 1 } }),
};

const trigger = { type: 'webhook' as const, at: 1, source: 'hook', data: { sha256: 'ab' } };
const call = { runId: 'r', stepId: 's', playbook: 'p', signal: new AbortController().signal };

describe('run recorder', () => {
  it('keeps entity reads (all pages), write params, action outputs without response headers, and the trigger', async () => {
    const recorder = createRunRecorder(trigger);
    const hosts = [
      { device_id: 'a', hostname: 'A' },
      { device_id: 'b', hostname: 'B' },
    ];
    const falcon = recorder.falcon(falconAnswering(hosts));
    await falcon.call('hosts.get_device_details', { ids: ['a', 'b'] });
    for await (const _page of falcon.pages('hosts.query_devices_by_filter_combined', {})) void _page;
    await falcon.call('hosts.query_devices_by_filter', { filter: "hostname:'A'" }); // ids only: not kept
    await falcon.call('hosts.perform_action', { action_name: 'contain', ids: ['a'] });
    const output = await recorder.actions(http).run('http.request', { url: 'https://x.example' }, call);
    expect(output).toHaveProperty('headers'); // the run itself sees everything
    const recording = recorder.take() as RunRecording;
    expect(recording.trigger).toEqual({ type: 'webhook', data: { sha256: 'ab' } });
    expect(recording.reads).toEqual([
      { operation: 'hosts.get_device_details', resources: hosts, writesBefore: 0 },
      { operation: 'hosts.query_devices_by_filter_combined', resources: hosts, writesBefore: 0 },
    ]);
    expect(recording.writes).toEqual([
      { operation: 'hosts.perform_action', params: { action_name: 'contain', ids: ['a'] } },
    ]);
    expect(recording.actions).toEqual([
      { action: 'http.request', output: { status: 200, ok: true, body: { ok: 1 } } },
    ]);
    expect(JSON.stringify(recording)).not.toContain('s3cr3t');
    expect(recording.omittedBytes).toBe(0);
    expect(recorder.take()).toBeNull();
  });

  it('leaves out what passes its bound and counts it, so the run is refused for recording', async () => {
    const recorder = createRunRecorder(trigger, 2_000);
    const big = Array.from({ length: 50 }, (_, i) => ({ device_id: `d${i}`, hostname: 'x'.repeat(40) }));
    const falcon = recorder.falcon(falconAnswering(big));
    await falcon.call('hosts.get_device_details', { ids: ['d1'] });
    // Once something did not fit, the recording is unusable: nothing after it is measured or kept.
    await falcon.call('hosts.perform_action', { action_name: 'contain', ids: ['d1'] });
    const recording = recorder.take() as RunRecording;
    expect(recording.reads).toEqual([]);
    expect(recording.writes).toEqual([]);
    expect(recording.omittedBytes).toBeGreaterThan(0);
    const record = { runId: 'run-1', status: 'succeeded', dryRun: false } as RunRecord;
    expect(() => checkRecordable(record, [recording], 2_000)).toThrow(
      /run run-1: its recording is incomplete: at least \d+ bytes .* did not fit the 2000-byte bound/,
    );
  });

  it('keeps the trigger of an attempt that read and wrote nothing', () => {
    const recording = createRunRecorder(trigger).take() as RunRecording;
    expect(recording.trigger).toEqual({ type: 'webhook', data: { sha256: 'ab' } });
    expect([recording.reads, recording.writes, recording.actions, recording.approvals]).toEqual([
      [],
      [],
      [],
      [],
    ]);
  });

  it('refuses unfinished runs, dry runs and runs without a recording', () => {
    const base = { runId: 'run-2', status: 'succeeded', dryRun: false } as RunRecord;
    expect(() => checkRecordable({ ...base, status: 'waiting' }, [], 1)).toThrow(
      'run run-2: it is waiting; only a finished run (succeeded or failed) can be recorded',
    );
    expect(() => checkRecordable({ ...base, dryRun: true }, [], 1)).toThrow(/dry run/);
    expect(() => checkRecordable(base, [], 1)).toThrow(/it has no recording/);
  });
});
