// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * Crashes at every early point of a multi-step run (emulator over HTTP, real client, Redis checkpoints), then
 * resumes the same run until it finishes. A crash is simulated at the k-th durable operation
 * (markIntent or save): before it, after it, or by aborting the run so in-flight requests are cut off
 * mid-way. The emulator's audit log must show every write applied exactly once.
 * (H4b's queue crash test does the same with SIGKILLed worker processes.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { CheckpointStore, RunEvents, RunResult } from '../../src/engine/index.ts';
import { runPlaybook } from '../../src/engine/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { type CompiledPlaybook, compilePlaybook, loadPlaybookFile } from '../../src/playbook/index.ts';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { newRunId, SoarError, silentLogger, systemClock } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { clientFor } from '../helpers/falcon.ts';

const redis = connectRedis(testRedisUrl());
let emulator: RunningEmulator;
let falcon: FalconClient;

const noEvents: RunEvents = {
  runStarted: async () => {},
  stepUpdated: async () => {},
  runFinished: async () => {},
};

const PLAN = compilePlaybook(
  `
name: chain
description: triage, tag, block
triggers: [{ manual: true }]
limits: { max_targets: 100000 }
steps:
  - id: find
    uses: detects.query_detects
    with: { filter: "status:'new'" }
    paginate: all
  - id: triage
    uses: detects.update_detects_by_ids
    with: { ids: "\${{ steps.find.resources }}", status: in_progress, comment: "talon \${{ run.id }}" }
  - id: incidents
    uses: incidents.query_incidents
    with: { filter: "state:'open'" }
  - id: tag
    uses: incidents.perform_incident_action
    with:
      ids: "\${{ steps.incidents.resources }}"
      action_parameters: [{ name: add_tag, value: talon/triaged }]
  - id: details
    uses: detects.get_detect_summaries
    with: { ids: "\${{ steps.find.resources[[0..19]] }}" }
  - id: block
    foreach:
      items: \${{ $distinct(steps.details.resources.behaviors[ioc_type='hash_sha256'].ioc_value) }}
      concurrency: 4
    uses: ioc.indicator_create
    with:
      indicators:
        - { type: sha256, value: "\${{ item }}", action: prevent, severity: high, platforms: [windows], applied_globally: true }
`,
  'chain.yaml',
);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 5, sizes: { detections: 2200 } });
  falcon = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
  await redis.close();
});

type CrashMode = 'before' | 'after' | 'abort';

/** Wraps `store` so its k-th durable operation "kills the worker" in the given way. */
function crashingStore(
  store: CheckpointStore,
  k: number,
  mode: CrashMode,
  abort: AbortController,
): CheckpointStore {
  let ops = 0;
  const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', `simulated crash at durable op ${k} (${mode})`);
  const guard = async (write: () => Promise<void>): Promise<void> => {
    ops += 1;
    if (ops !== k) return write();
    if (mode === 'before') throw killed;
    if (mode === 'abort') {
      // Cut the run off while other requests of the step are in flight.
      abort.abort(killed);
      return write();
    }
    await write();
    throw killed;
  };
  return {
    load: (runId) => store.load(runId),
    pendingIntents: (runId) => store.pendingIntents(runId),
    save: (runId, checkpoint) => guard(() => store.save(runId, checkpoint)),
    markIntent: (runId, key, detail) => guard(() => store.markIntent(runId, key, detail)),
  };
}

function writesPerId(operationId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of emulator.admin.audit()) {
    if (entry.operationId !== operationId) continue;
    for (const id of entry.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Runs the plan, crashing at durable operation `k` in `mode`; then resumes the same run, crashing
 * once more at `k2` of the resumed attempt; then resumes until it finishes.
 */
async function runWithCrashes(
  crashes: [number, CrashMode][],
  plan: CompiledPlaybook = PLAN,
): Promise<RunResult> {
  const store = createCheckpointStore(redis, keyLayout(uniquePrefix('crash')), null);
  const runId = newRunId();
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    const abort = new AbortController();
    const [k, mode] = crashes[attempt] ?? [Number.POSITIVE_INFINITY, 'before'];
    const ports = {
      falcon,
      checkpoints: crashingStore(store, k, mode, abort),
      events: noEvents,
      clock: systemClock,
      logger: silentLogger,
    };
    const trigger = { type: 'manual', payload: null, at: Date.now() };
    try {
      const result = await runPlaybook(plan, { runId, inputs: {}, trigger, startedAt }, ports, {
        signal: abort.signal,
      });
      if (result.status !== 'cancelled') return result;
    } catch (error) {
      if (!(error instanceof SoarError) || error.code !== 'SOAR_QUEUE_LOCK_LOST') throw error;
    }
    if (attempt > 10) throw new Error('run did not finish after 10 resumes');
  }
}

// Durable operations of a first attempt, in order: save find; intent + save of each triage batch (two
// batches, in parallel); save triage; save incidents; intent + save tag; save tag; save details;
// then intent + save per blocked hash. Crashing at each of the first 12, in each way, covers every
// gap between a write request and its checkpoint; the second crash lands in the resumed attempt.
const CASES: [number, CrashMode, number, CrashMode][] = [];
for (let k = 1; k <= 12; k++) {
  for (const mode of ['before', 'after', 'abort'] as const) CASES.push([k, mode, 1 + ((k * 7) % 13), mode]);
}

describe('runPlaybook under crashes at every durable operation', () => {
  it.each(CASES)(
    'applies every write exactly once (crash at op %i %s, then at op %i %s)',
    async (k, mode, k2, mode2) => {
      emulator.admin.reset();
      const newIds: string[] = [];
      for await (const page of falcon.pages('QueryDetects', { filter: "status:'new'" })) {
        newIds.push(...(page.resources as string[]));
      }
      const result = await runWithCrashes([
        [k, mode],
        [k2, mode2],
      ]);
      expect(result.error).toBeNull();

      const triaged = writesPerId('UpdateDetectsByIdsV2');
      expect(triaged.size).toBe(newIds.length);
      expect([...triaged.values()].every((n) => n === 1)).toBe(true);
      const tagged = writesPerId('PerformIncidentAction');
      expect(tagged.size).toBeGreaterThan(0);
      expect([...tagged.values()].every((n) => n === 1)).toBe(true);
      const created = writesPerId('indicator_create_v1');
      expect(created.size).toBeGreaterThan(0);
      expect([...created.values()].every((n) => n === 1)).toBe(true);
      const values: string[] = [];
      for await (const page of falcon.pages('indicator_combined_v1', {
        filter: "type:'sha256'",
        limit: 500,
      })) {
        values.push(...(page.resources as { value: string }[]).map((i) => i.value.toLowerCase()));
      }
      expect(new Set(values).size).toBe(values.length);
    },
  );
});

describe('the Alerts and Cases chain under crashes', () => {
  // triage-critical-alerts.yaml: alerts update, case create (found by name), case tags, IOC create.
  const cases: [number, CrashMode][] = [];
  for (let k = 1; k <= 9; k++) for (const mode of ['before', 'abort'] as const) cases.push([k, mode]);

  it.each(cases)('applies every write exactly once (crash at op %i %s)', async (k, mode) => {
    const { playbook } = await loadPlaybookFile('playbooks/triage-critical-alerts.yaml');
    if (!playbook) throw new Error('triage-critical-alerts.yaml does not compile');
    emulator.admin.reset();
    const result = await runWithCrashes([[k, mode]], { ...playbook, maxTargets: null });
    expect(result.error).toBeNull();
    for (const operation of ['PatchEntitiesAlertsV3', 'entities_case_tags_post_v1', 'indicator_create_v1']) {
      const writes = writesPerId(operation);
      expect(writes.size, operation).toBeGreaterThan(0);
      expect(
        [...writes.values()].every((n) => n === 1),
        operation,
      ).toBe(true);
    }
    expect(emulator.admin.audit().filter((e) => e.operationId === 'entities_cases_put_v2')).toHaveLength(1);
  });
});

describe('containment under crashes', () => {
  // Durable operations: save find; intent + save of each contain batch (150 hosts, 100 per request);
  // save contain. A crash between a contain request and its checkpoint is reconciled by reading the
  // hosts back (PostDeviceDetailsV2): a host containment_pending or contained is not sent again.
  const plan = compilePlaybook(
    `
name: contain-many
triggers: [{ manual: true }]
limits: { response_hosts: 150 }
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { filter: "product_type_desc:!'Domain Controller'", limit: 150 }
  - id: contain
    uses: hosts.perform_action
    with: { action_name: contain, ids: "\${{ steps.find.resources }}" }
`,
    'contain-many.yaml',
  );
  const cases: [number, CrashMode][] = [];
  for (let k = 1; k <= 6; k++)
    for (const mode of ['before', 'after', 'abort'] as const) cases.push([k, mode]);

  it.each(cases)('contains each host exactly once (crash at op %i %s)', async (k, mode) => {
    emulator.admin.reset();
    const result = await runWithCrashes([[k, mode]], plan);
    expect(result.error).toBeNull();
    const audit = emulator.admin.audit().filter((e) => e.action === 'contain');
    const perHost = new Map<string, number>();
    for (const id of audit.flatMap((e) => e.ids)) perHost.set(id, (perHost.get(id) ?? 0) + 1);
    expect(perHost.size).toBe(150);
    expect([...perHost.values()].every((n) => n === 1)).toBe(true);
    // Nor was any host sent twice: the read-back, not the emulator's tolerance, kept it once.
    const sent = new Map<string, number>();
    for (const request of emulator.admin.requests().filter((r) => r.operationId === 'PerformActionV2')) {
      for (const id of (request.body as { ids: string[] }).ids) sent.set(id, (sent.get(id) ?? 0) + 1);
    }
    expect([...sent.values()].filter((n) => n > 1)).toEqual([]);
  });
});
