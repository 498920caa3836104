// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * The engine against real parts: the Falcon emulator over HTTP, the real Falcon client (got), the
 * real Redis CheckpointStore of src/queue. The emulator's audit log is the judge of what was written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import type { CheckpointStore, EnginePorts, RunEvents } from '../../src/engine/index.ts';
import { runPlaybook } from '../../src/engine/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { compilePlaybook, loadPlaybookFile } from '../../src/playbook/index.ts';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { newRunId, SoarError, silentLogger, systemClock } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { clientFor } from '../helpers/falcon.ts';

const DETECTIONS = 5000;
const redis = connectRedis(testRedisUrl());
let emulator: RunningEmulator;
let falcon: FalconClient;
let store: CheckpointStore;

const noEvents: RunEvents = {
  runStarted: async () => {},
  stepUpdated: async () => {},
  runFinished: async () => {},
};

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 11, sizes: { detections: DETECTIONS } });
  falcon = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
  await redis.close();
});

beforeEach(() => {
  emulator.admin.reset();
  store = createCheckpointStore(redis, keyLayout(uniquePrefix('engine')), null);
});

function enginePorts(checkpoints: CheckpointStore = store): EnginePorts {
  return { falcon, checkpoints, events: noEvents, clock: systemClock, logger: silentLogger };
}

const run = (runId = newRunId(), extra: { dryRun?: boolean } = {}) => ({
  runId,
  inputs: {},
  trigger: { type: 'manual', payload: null, at: Date.now() },
  ...extra,
});

async function newDetectionIds(): Promise<string[]> {
  const found: string[] = [];
  for await (const page of falcon.pages('QueryDetects', { filter: "status:'new'" })) {
    found.push(...(page.resources as string[]));
  }
  return found;
}

/** How many audit entries each id has for `operationId`. */
function writesPerId(operationId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of emulator.admin.audit()) {
    if (entry.operationId !== operationId) continue;
    for (const id of entry.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const auditCalls = (operationId: string) =>
  emulator.admin.audit().filter((e) => e.operationId === operationId);

const TRIAGE = `
name: triage-only
description: find new detections and move them to in_progress
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
outputs:
  triaged: \${{ steps.triage.targets }}
`;

describe('runPlaybook against the emulator', () => {
  it('runs the headline chain: triages N detections in ceil(N/1000) update calls, tags, blocks', async () => {
    const { playbook } = await loadPlaybookFile('playbooks/triage-critical-detections.yaml');
    if (!playbook) throw new Error('headline playbook does not compile');
    const plan = { ...playbook, maxTargets: 100_000 };
    const critical: string[] = [];
    for await (const page of falcon.pages('QueryDetects', { filter: "status:'new'+max_severity:>=70" })) {
      critical.push(...(page.resources as string[]));
    }
    expect(critical.length).toBeGreaterThan(0);

    const runId = newRunId();
    const result = await runPlaybook(plan, run(runId), enginePorts());
    expect(result.error).toBeNull();
    expect(result.status).toBe('succeeded');
    expect(result.outputs['triaged']).toBe(critical.length);
    expect(auditCalls('UpdateDetectsByIdsV2')).toHaveLength(Math.ceil(critical.length / 1000));
    const triaged = writesPerId('UpdateDetectsByIdsV2');
    expect([...triaged.keys()].sort()).toEqual([...critical].sort());
    expect([...triaged.values()].every((n) => n === 1)).toBe(true);
    const open = await falcon.call('QueryIncidents', { filter: "state:'open'" });
    const incidents = await falcon.call('GetIncidents', { ids: open.resources });
    expect(incidents.resources.length).toBeGreaterThan(0);
    for (const incident of incidents.resources as { tags?: string[] }[]) {
      expect(incident.tags).toContain('talon/triaged');
    }
    expect(auditCalls('PerformIncidentAction')).toHaveLength(1);
    const blocked = result.outputs['blocked'] as number;
    expect(blocked).toBeGreaterThan(0);
    // Hashes the seeded tenant already blocks are found, not created again: no (type, value) twice.
    const created = writesPerId('indicator_create_v1');
    expect(created.size).toBeGreaterThan(0);
    expect(created.size).toBeLessThanOrEqual(blocked);
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    // The foreach items differ only in their hash, so they share requests of up to 2000 indicators.
    expect(auditCalls('indicator_create_v1')).toHaveLength(Math.ceil(blocked / 2000));
    const values: string[] = [];
    for await (const page of falcon.pages('indicator_combined_v1', { filter: "type:'sha256'", limit: 500 })) {
      values.push(...(page.resources as { value: string }[]).map((i) => i.value.toLowerCase()));
    }
    expect(new Set(values).size).toBe(values.length);
    expect(result.steps.map((s) => s.status)).not.toContain('failed');
    // details selects the SHA256 values of each batch: its checkpoint holds those strings, not the
    // summaries, and block covers exactly the distinct hashes the summaries name.
    const expected = new Set<string>();
    for (let i = 0; i < critical.length; i += 1000) {
      const batch = await falcon.call('GetDetectSummaries', { ids: critical.slice(i, i + 1000) });
      for (const summary of batch.resources as { behaviors?: { ioc_type: string; ioc_value: string }[] }[]) {
        for (const b of summary.behaviors ?? []) if (b.ioc_type === 'hash_sha256') expected.add(b.ioc_value);
      }
    }
    const details = (await store.load(runId)).get('step:details')?.output as { resources: unknown[] };
    expect(details.resources.length).toBeGreaterThan(0);
    expect(details.resources.every((r) => typeof r === 'string')).toBe(true);
    expect(new Set(details.resources)).toEqual(expected);
    expect(blocked).toBe(expected.size);

    // The next tick finds nothing new to triage and creates no indicator twice.
    const again = await runPlaybook(plan, run(), enginePorts());
    expect(again.status).toBe('succeeded');
    expect(auditCalls('UpdateDetectsByIdsV2')).toHaveLength(Math.ceil(critical.length / 1000));
    expect(again.steps.find((s) => s.id === 'triage')?.status).toBe('skipped');
    expect(writesPerId('indicator_create_v1').size).toBe(created.size);
  });

  it('resumes a run interrupted after a batch request and before its checkpoint: each batch written once', async () => {
    const plan = compilePlaybook(TRIAGE, 'triage-only.yaml');
    const target = await newDetectionIds();
    expect(target.length).toBeGreaterThan(2000);
    const runId = newRunId();
    // The worker dies right after batch 1's request went out: its checkpoint never lands.
    const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', 'simulated SIGKILL after the request');
    const crashing: CheckpointStore = {
      load: (id) => store.load(id),
      pendingIntents: (id) => store.pendingIntents(id),
      markIntent: (id, key, detail) => store.markIntent(id, key, detail),
      save: (id, checkpoint) =>
        checkpoint.key === 'step:triage:batch:1' ? Promise.reject(killed) : store.save(id, checkpoint),
    };
    await expect(runPlaybook(plan, run(runId), enginePorts(crashing))).rejects.toBe(killed);
    expect([...(await store.pendingIntents(runId)).keys()]).toEqual(['step:triage:batch:1']);

    const resumed = await runPlaybook(plan, run(runId), enginePorts());
    expect(resumed.status).toBe('succeeded');
    expect(resumed.steps[0]?.resumed).toBe(true);
    expect(resumed.steps[1]?.notes?.some((n) => n.includes('already applied'))).toBe(true);
    const writes = writesPerId('UpdateDetectsByIdsV2');
    expect(writes.size).toBe(target.length);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect(auditCalls('UpdateDetectsByIdsV2')).toHaveLength(Math.ceil(target.length / 1000));
  });

  it('sends a batch whose intent was recorded but whose request never left', async () => {
    const plan = compilePlaybook(TRIAGE, 'triage-only.yaml');
    const target = await newDetectionIds();
    const runId = newRunId();
    const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', 'simulated SIGKILL after the intent');
    const crashing: CheckpointStore = {
      load: (id) => store.load(id),
      pendingIntents: (id) => store.pendingIntents(id),
      save: (id, checkpoint) => store.save(id, checkpoint),
      markIntent: async (id, key, detail) => {
        await store.markIntent(id, key, detail);
        if (key === 'step:triage:batch:2') throw killed;
      },
    };
    await expect(runPlaybook(plan, run(runId), enginePorts(crashing))).rejects.toBe(killed);
    const before = writesPerId('UpdateDetectsByIdsV2').size;
    expect(before).toBeLessThan(target.length);

    const resumed = await runPlaybook(plan, run(runId), enginePorts());
    expect(resumed.status).toBe('succeeded');
    const writes = writesPerId('UpdateDetectsByIdsV2');
    expect(writes.size).toBe(target.length);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect(await newDetectionIds()).toEqual([]);
  });

  it('does not start a second on-demand scan after a crash between the request and its checkpoint', async () => {
    const plan = compilePlaybook(
      `
name: scan-once
description: scan the hosts of two detections
triggers: [{ manual: true }]
steps:
  - id: find
    uses: detects.query_detects
    with: { filter: "status:'new'", limit: 2 }
  - id: details
    uses: detects.get_detect_summaries
    with: { ids: "\${{ steps.find.resources }}" }
  - id: scan
    uses: ods.create_scan
    with: { hosts: "\${{ [steps.details.resources.device.device_id] }}", description: "talon \${{ run.id }}" }
outputs:
  scan: \${{ steps.scan.resources[0].id }}
`,
      'scan-once.yaml',
    );
    const runId = newRunId();
    const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', 'simulated SIGKILL after the scan request');
    const crashing: CheckpointStore = {
      load: (id) => store.load(id),
      pendingIntents: (id) => store.pendingIntents(id),
      markIntent: (id, key, detail) => store.markIntent(id, key, detail),
      save: (id, checkpoint) =>
        checkpoint.key === 'step:scan:batch:0' ? Promise.reject(killed) : store.save(id, checkpoint),
    };
    await expect(runPlaybook(plan, run(runId), enginePorts(crashing))).rejects.toBe(killed);
    expect(auditCalls('create_scan')).toHaveLength(1);

    const resumed = await runPlaybook(plan, run(runId), enginePorts());
    expect(resumed.error).toBeNull();
    expect(auditCalls('create_scan')).toHaveLength(1);
    expect(resumed.outputs['scan']).toBe(auditCalls('create_scan')[0]?.ids[0]);
  });

  it.each([
    ['triage-critical-alerts.yaml', 'case', 'entities_cases_put_v2'],
    ['identity-mfa-guard.yaml', 'create_rule', 'post_policy_rules'],
    ['expire-stale-iocs.yaml', 'delete', 'indicator_delete_v1'],
  ])('%s: a write cut off before its checkpoint is not applied twice', async (file, stepId, operation) => {
    const { playbook: compiled } = await loadPlaybookFile(`playbooks/${file}`);
    if (!compiled) throw new Error(`${file} does not compile`);
    const playbook = { ...compiled, maxTargets: null };
    const runId = newRunId();
    const startedAt = Date.now();
    const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', 'simulated SIGKILL after the create');
    const crashing: CheckpointStore = {
      load: (id) => store.load(id),
      pendingIntents: (id) => store.pendingIntents(id),
      markIntent: (id, key, detail) => store.markIntent(id, key, detail),
      save: (id, checkpoint) =>
        checkpoint.key === `step:${stepId}:batch:0` ? Promise.reject(killed) : store.save(id, checkpoint),
    };
    const request = { ...run(runId), startedAt };
    await expect(runPlaybook(playbook, request, enginePorts(crashing))).rejects.toBe(killed);
    expect(auditCalls(operation)).toHaveLength(1);
    const resumed = await runPlaybook(playbook, request, enginePorts());
    expect(resumed.error).toBeNull();
    expect(auditCalls(operation)).toHaveLength(1);
    expect(resumed.steps.find((s) => s.id === stepId)?.notes?.[0]).toMatch(/already (created|deleted)/);
  });

  it('finds indicators that already exist instead of creating them again', async () => {
    const plan = compilePlaybook(
      `
name: block-hashes
description: block hashes
triggers: [{ manual: true }]
inputs: { hashes: { type: array, required: true } }
steps:
  - id: block
    uses: ioc.indicator_create
    with:
      comment: talon
      indicators: "\${{ inputs.hashes.{'type': 'sha256', 'value': $, 'action': 'prevent', 'severity': 'high', 'platforms': ['windows'], 'applied_globally': true} }}"
outputs:
  ids: \${{ steps.block.resources.id }}
`,
      'block.yaml',
    );
    const hashes = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    const first = await runPlaybook(plan, { ...run(), inputs: { hashes } }, enginePorts());
    expect(first.error).toBeNull();
    const second = await runPlaybook(
      plan,
      { ...run(), inputs: { hashes: [...hashes, 'd'.repeat(64)] } },
      enginePorts(),
    );
    expect(second.status).toBe('succeeded');
    expect(second.outputs['ids']).toHaveLength(4);
    const created = auditCalls('indicator_create_v1');
    expect(created).toHaveLength(2);
    expect(created.flatMap((e) => e.ids)).toHaveLength(4);
  });

  it('sends the id batches of a read side by side and keeps the answers in id order', async () => {
    // 2,476 new detections in this world: three batches of up to 1000.
    const ids = (await newDetectionIds()).slice(0, 2400);
    expect(ids.length).toBe(2400);
    const plan = compilePlaybook(
      `
name: read-batches
description: read 2400 summaries
triggers: [{ manual: true }]
inputs: { ids: { type: array, required: true } }
steps:
  - id: details
    uses: detects.get_detect_summaries
    with: { ids: "\${{ inputs.ids }}" }
outputs:
  ids: \${{ steps.details.resources.detection_id }}
`,
      'read-batches.yaml',
    );
    // Each batch answers 2 s late: one after another they would arrive 2 s apart.
    const latencyMs = 2000;
    emulator.admin.injectFault({ operationId: 'GetDetectSummaries', latencyMs, count: 3 });
    const result = await runPlaybook(plan, { ...run(), inputs: { ids } }, enginePorts());
    expect(result.status).toBe('succeeded');
    expect(result.outputs['ids']).toEqual(ids);
    const arrivals = emulator.admin
      .requests()
      .filter((r) => r.operationId === 'GetDetectSummaries')
      .map((r) => Date.parse(r.at));
    expect(arrivals).toHaveLength(3);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(latencyMs);
  });

  it('dry run reads but writes nothing, and reports the change', async () => {
    const plan = compilePlaybook(TRIAGE, 'triage-only.yaml');
    const target = await newDetectionIds();
    const result = await runPlaybook(plan, run(newRunId(), { dryRun: true }), enginePorts());
    expect(result.status).toBe('succeeded');
    expect(emulator.admin.audit()).toEqual([]);
    expect(result.changes).toMatchObject([
      {
        step: 'triage',
        operation: 'UpdateDetectsByIdsV2',
        targets: target.length,
        requests: Math.ceil(target.length / 1000),
      },
    ]);
  });

  it('dry run follows a chain: the read of ids a write would create is answered with marked placeholders', async () => {
    const plan = compilePlaybook(
      [
        'name: create-then-read',
        'steps:',
        '  - id: block',
        '    uses: ioc.indicator_create',
        '    with:',
        '      indicators:',
        `        - { type: sha256, value: "${'e'.repeat(64)}", action: detect, severity: high, applied_globally: true }`,
        `        - { type: sha256, value: "${'f'.repeat(64)}", action: detect, severity: high, applied_globally: true }`,
        '  - id: check',
        '    uses: ioc.indicator_get',
        '    with: { ids: "${{ steps.block.resources.id }}" }',
        '  - id: tag',
        '    uses: ioc.indicator_update',
        '    with:',
        "      indicators: \"${{ steps.check.resources.{ 'id': id, 'tags': ['talon'] } }}\"",
        'outputs:',
        '  ids: "${{ steps.check.resources.id }}"',
      ].join('\n'),
      'create-then-read.yaml',
    );
    const result = await runPlaybook(plan, run(newRunId(), { dryRun: true }), enginePorts());
    expect(result.status).toBe('succeeded');
    expect(emulator.admin.audit()).toEqual([]);
    expect(result.apiCalls).toBe(0);
    expect(result.outputs['ids']).toEqual(['dry-run:block/1', 'dry-run:block/2']);
    const tag = result.changes.find((c) => c.step === 'tag');
    expect(tag).toMatchObject({ uses: 'ioc.indicator_update', placeholders: true, targets: 2 });
    expect(tag?.requestParams).toEqual([
      {
        indicators: [
          { id: 'dry-run:block/1', tags: ['talon'] },
          { id: 'dry-run:block/2', tags: ['talon'] },
        ],
      },
    ]);
    const block = result.changes.find((c) => c.step === 'block');
    expect(block).toMatchObject({ uses: 'ioc.indicator_create', placeholders: false });
    expect(block?.requestParams[0]?.['indicators']).toHaveLength(2);
  });

  it('refuses a write above limits.max_targets and writes nothing', async () => {
    const plan = compilePlaybook(
      TRIAGE.replace('max_targets: 100000', 'max_targets: 10'),
      'triage-only.yaml',
    );
    const result = await runPlaybook(plan, run(), enginePorts());
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('SOAR_ENGINE_MAX_TARGETS');
    expect(emulator.admin.audit()).toEqual([]);
  });
});
