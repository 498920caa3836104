// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * Durability of runPlaybook against port FAKES: resume from checkpoints, crash between a write and
 * its checkpoint (intent reconciliation), lost job lock, unknown outcomes, IOC create idempotence.
 * The same scenarios against the real emulator are in engine-emulator.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/engine/index.ts';
import { SoarError } from '../../src/shared/index.ts';
import {
  apiError,
  FakeCheckpointStore,
  fakeFalcon,
  ids,
  manualRun,
  playbook,
  ports,
  result,
  step,
} from './fakes.ts';

/** A tiny detections "tenant" for the fake Falcon: status per id and how often each id was written. */
function detectsTenant(count: number) {
  const status = new Map(ids(count).map((id) => [id, 'new']));
  const writes = new Map<string, number>();
  const handlers = {
    QueryDetects: () => result([...status].filter(([, s]) => s === 'new').map(([id]) => id)),
    GetDetectSummaries: (params: Record<string, unknown>) =>
      result((params['ids'] as string[]).map((id) => ({ detection_id: id, status: status.get(id) }))),
    UpdateDetectsByIdsV2: (params: Record<string, unknown>) => {
      for (const id of params['ids'] as string[]) {
        status.set(id, String(params['status']));
        writes.set(id, (writes.get(id) ?? 0) + 1);
      }
      return result([], { writes: { resources_affected: (params['ids'] as string[]).length } });
    },
  };
  return { status, writes, handlers };
}

const triage = playbook(
  [
    step('find', 'detects.QueryDetects'),
    step('triage', 'detects.UpdateDetectsByIdsV2', {
      with: { ids: '${{ steps.find.resources }}', status: 'in_progress' },
    }),
  ],
  { outputs: { triaged: '${{ steps.triage.targets }}' } },
);

describe('runPlaybook: resume', () => {
  it('skips checkpointed steps and batches and sends only the rest', async () => {
    const tenant = detectsTenant(2500);
    const falcon = fakeFalcon(tenant.handlers);
    const store = new FakeCheckpointStore();
    const all = ids(2500);
    await store.save('run-1', {
      key: 'step:find',
      status: 'succeeded',
      output: { resources: all, meta: {}, count: 2500 },
      at: 1,
    });
    await store.save('run-1', {
      key: 'step:triage:batch:0',
      status: 'succeeded',
      output: { resources: [], meta: {}, count: 0 },
      at: 2,
    });
    const { ports: p } = ports(falcon, store);
    const run = await runPlaybook(triage, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]).toMatchObject({ id: 'find', resumed: true, apiCalls: 0 });
    expect(falcon.callsTo('QueryDetects')).toEqual([]);
    const sent = falcon.callsTo('UpdateDetectsByIdsV2').flatMap((c) => c['ids'] as string[]);
    expect(sent.sort()).toEqual(all.slice(1000));
    expect(run.outputs['triaged']).toBe(2500);
  });

  it('stops between requests when the worker stops: the request in flight is checkpointed, no new one is sent', async () => {
    // Six batches, four in flight at a time (DEFAULT_WRITE_CONCURRENCY).
    const tenant = detectsTenant(6000);
    const stop = new AbortController();
    const falcon = fakeFalcon({
      ...tenant.handlers,
      UpdateDetectsByIdsV2: (params: Record<string, unknown>) => {
        // The worker's grace period ends while the first batch is in flight.
        stop.abort();
        return tenant.handlers.UpdateDetectsByIdsV2(params);
      },
    });
    const store = new FakeCheckpointStore();
    const { ports: p } = ports(falcon, store);
    await expect(runPlaybook(triage, manualRun(), p, { stop: stop.signal })).rejects.toMatchObject({
      code: 'SOAR_ENGINE_STOPPED',
    });
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toHaveLength(4);
    const saved = await store.load('run-1');
    for (const batch of [0, 1, 2, 3]) expect(saved.has(`step:triage:batch:${batch}`)).toBe(true);
    // Nothing is left uncertain: the next worker sends batches 4 and 5 without reading back.
    expect(await store.pendingIntents('run-1')).toHaveProperty('size', 0);
  });

  it('reconciles a write interrupted between request and checkpoint instead of repeating it', async () => {
    const tenant = detectsTenant(2500);
    const falcon = fakeFalcon(tenant.handlers);
    const store = new FakeCheckpointStore();
    // The worker "dies" right after batch 1's request: its checkpoint never lands.
    const crash = new SoarError('SOAR_QUEUE_LOCK_LOST', 'worker killed');
    store.failSave = (key) => (key === 'step:triage:batch:1' ? crash : null);
    await expect(runPlaybook(triage, manualRun(), ports(falcon, store).ports)).rejects.toBe(crash);
    expect(await store.pendingIntents('run-1')).toHaveProperty('size', 1);

    store.failSave = null;
    const resumed = fakeFalcon(tenant.handlers);
    const run = await runPlaybook(triage, manualRun(), ports(resumed, store).ports);
    expect(run.status).toBe('succeeded');
    expect(resumed.callsTo('GetDetectSummaries')).toHaveLength(1);
    expect(run.steps[1]?.notes).toEqual(['step:triage:batch:1: read back 1000 detections: already applied']);
    expect([...tenant.writes.values()].every((n) => n === 1)).toBe(true);
    expect(tenant.writes.size).toBe(2500);
    expect(await store.pendingIntents('run-1')).toHaveProperty('size', 0);
  });

  it('re-sends an uncertain write only for the targets the read-back shows unchanged', async () => {
    const tenant = detectsTenant(10);
    const falcon = fakeFalcon(tenant.handlers);
    const store = new FakeCheckpointStore();
    const all = ids(10);
    await store.save('run-1', {
      key: 'step:find',
      status: 'succeeded',
      output: { resources: all, meta: {}, count: 10 },
      at: 1,
    });
    await store.markIntent('run-1', 'step:triage:batch:0', {});
    for (const id of all.slice(0, 4)) tenant.status.set(id, 'in_progress');
    const run = await runPlaybook(triage, manualRun(), ports(falcon, store).ports);
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toEqual([{ ids: all.slice(4), status: 'in_progress' }]);
    expect(run.steps[1]?.notes?.[0]).toContain('4 already applied, re-sent 6');
  });

  it('reads back before retrying a write that failed with a 5xx, but not after a 429', async () => {
    for (const [status, applied, expectedReads, expectedWrites] of [
      [502, true, 1, 1],
      [429, false, 0, 2],
    ] as const) {
      const tenant = detectsTenant(5);
      let failNext = true;
      const handlers = {
        ...tenant.handlers,
        UpdateDetectsByIdsV2: (params: Record<string, unknown>) => {
          if (failNext) {
            failNext = false;
            if (applied) tenant.handlers.UpdateDetectsByIdsV2(params);
            throw apiError(status, true);
          }
          return tenant.handlers.UpdateDetectsByIdsV2(params);
        },
      };
      const falcon = fakeFalcon(handlers);
      const plan = playbook(
        triage.steps.map((s) =>
          s.id === 'triage' ? { ...s, retry: { attempts: 2, backoff: 'fixed', delayMs: 1 } } : s,
        ),
      );
      const run = await runPlaybook(plan, manualRun(), ports(falcon).ports);
      expect(run.error).toBeNull();
      expect(falcon.callsTo('GetDetectSummaries')).toHaveLength(expectedReads);
      expect(falcon.callsTo('UpdateDetectsByIdsV2')).toHaveLength(expectedWrites);
      expect([...tenant.writes.values()]).toEqual([1, 1, 1, 1, 1]);
    }
  });

  it('fails the step instead of repeating a write that cannot be read back', async () => {
    const falcon = fakeFalcon({ schedule_scan: () => result([{ id: 'profile-1' }]) });
    const store = new FakeCheckpointStore();
    await store.markIntent('run-1', 'step:nightly:batch:0', {});
    const plan = playbook([
      step('nightly', 'ods.schedule_scan', {
        action: { kind: 'falcon', operationId: 'schedule_scan', collection: 'ods', write: true },
        with: { host_groups: ['g1'], description: 'nightly' },
      }),
    ]);
    const run = await runPlaybook(plan, manualRun(), ports(falcon, store).ports);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('SOAR_ENGINE_UNKNOWN_OUTCOME');
    expect(run.error?.retryable).toBe(false);
    expect(falcon.callsTo('schedule_scan')).toEqual([]);
  });

  it('finds a scan created since the intent instead of starting a second one', async () => {
    const scans = [
      { id: 'old', description: 'sweep', hosts: ['aid1'], host_groups: [] },
      { id: 'new', description: 'sweep', hosts: ['aid2', 'aid1'], host_groups: [] },
    ];
    const falcon = fakeFalcon({
      query_scans: (params) => {
        expect(params['filter']).toBe("created_on:>='2023-11-14T22:08:20.000Z'");
        return result(scans.map((x) => x.id));
      },
      get_scans_by_scan_ids: () => result(scans),
      create_scan: () => result([{ id: 'dup' }], {}, 201),
    });
    const store = new FakeCheckpointStore();
    await store.markIntent('run-1', 'step:scan:batch:0', { at: 1_700_000_000_000 });
    const plan = playbook(
      [step('scan', 'ods.create_scan', { with: { hosts: ['aid1', 'aid2'], description: 'sweep' } })],
      {
        outputs: { scan: '${{ steps.scan.resources[0].id }}' },
      },
    );
    const run = await runPlaybook(plan, manualRun(), ports(falcon, store).ports);
    expect(run.error).toBeNull();
    expect(run.outputs['scan']).toBe('new');
    expect(falcon.callsTo('create_scan')).toEqual([]);
  });

  it('reconciles an incident action by its tags', async () => {
    const tags = new Map([
      ['inc:1', ['talon/triaged']],
      ['inc:2', []],
    ]);
    const falcon = fakeFalcon({
      QueryIncidents: () => result(['inc:1', 'inc:2']),
      GetIncidents: (params) =>
        result((params['ids'] as string[]).map((id) => ({ incident_id: id, tags: tags.get(id) }))),
      PerformIncidentAction: () => result([]),
    });
    const store = new FakeCheckpointStore();
    await store.markIntent('run-1', 'step:tag:batch:0', {});
    const plan = playbook([
      step('open', 'incidents.QueryIncidents'),
      step('tag', 'incidents.PerformIncidentAction', {
        with: {
          ids: '${{ steps.open.resources }}',
          action_parameters: [{ name: 'add_tag', value: 'talon/triaged' }],
        },
      }),
    ]);
    const run = await runPlaybook(plan, manualRun(), ports(falcon, store).ports);
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('PerformIncidentAction')).toEqual([
      { ids: ['inc:2'], action_parameters: [{ name: 'add_tag', value: 'talon/triaged' }] },
    ]);
  });

  it('stops the run and rethrows when the job lock is lost, without checkpointing the step', async () => {
    const tenant = detectsTenant(3);
    const store = new FakeCheckpointStore();
    const lost = new SoarError('SOAR_QUEUE_LOCK_LOST', 'lock lost');
    store.failSave = (key) => (key === 'step:find' ? lost : null);
    const falcon = fakeFalcon(tenant.handlers);
    await expect(runPlaybook(triage, manualRun(), ports(falcon, store).ports)).rejects.toBe(lost);
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toEqual([]);
  });
});

describe('runPlaybook: alerts', () => {
  it('reconciles an alert update by status and re-sends only the alerts not yet updated', async () => {
    const status = new Map([
      ['c:1', 'in_progress'],
      ['c:2', 'new'],
    ]);
    const falcon = fakeFalcon({
      GetQueriesAlertsV2: () => result(['c:1', 'c:2']),
      PostEntitiesAlertsV2: (params) =>
        result(
          (params['composite_ids'] as string[]).map((id) => ({ composite_id: id, status: status.get(id) })),
        ),
      PatchEntitiesAlertsV3: () => result([]),
    });
    const store = new FakeCheckpointStore();
    await store.markIntent('run-1', 'step:triage:batch:0', {});
    const action = [{ name: 'update_status', value: 'in_progress' }];
    const plan = playbook([
      step('find', 'alerts.GetQueriesAlertsV2'),
      step('triage', 'alerts.PatchEntitiesAlertsV3', {
        action: { kind: 'falcon', operationId: 'PatchEntitiesAlertsV3', collection: 'alerts', write: true },
        with: { composite_ids: '${{ steps.find.resources }}', action_parameters: action },
      }),
    ]);
    const run = await runPlaybook(plan, manualRun(), ports(falcon, store).ports);
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('PatchEntitiesAlertsV3')).toEqual([
      { composite_ids: ['c:2'], action_parameters: action },
    ]);
  });
});

describe('runPlaybook: cases', () => {
  it('does not re-send case tags that the case already carries after a crash', async () => {
    const falcon = fakeFalcon({
      entities_cases_post_v2: () => result([{ id: 'case-1', tags: ['talon/triaged', 'x'] }]),
      entities_case_tags_post_v1: () => result([]),
    });
    const store = new FakeCheckpointStore();
    await store.markIntent('run-1', 'step:tag:batch:0', {});
    const plan = playbook([
      step('tag', 'cases.entities_case_tags_post_v1', {
        action: {
          kind: 'falcon',
          operationId: 'entities_case_tags_post_v1',
          collection: 'cases',
          write: true,
        },
        with: { id: 'case-1', tags: ['talon/triaged'] },
      }),
    ]);
    const run = await runPlaybook(plan, manualRun(), ports(falcon, store).ports);
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('entities_case_tags_post_v1')).toEqual([]);
    expect(run.steps[0]?.notes).toEqual(['step:tag:batch:0: case case-1 already has the tags']);
  });
});

describe('runPlaybook: IOC create', () => {
  function iocTenant(existing: string[]) {
    const iocs = existing.map((value, i) => ({ id: `ioc-${i}`, type: 'sha256', value }));
    let creates = 0;
    const handlers = {
      indicator_combined_v1: (params: Record<string, unknown>) => {
        const filter = String(params['filter']);
        return result(iocs.filter((i) => filter.includes(`'${i.value}'`)));
      },
      indicator_create_v1: (params: Record<string, unknown>) => {
        creates += 1;
        const made = (params['indicators'] as { type: string; value: string }[]).map((i, n) => ({
          id: `ioc-${iocs.length + n}`,
          ...i,
        }));
        iocs.push(...made);
        return result(made, {}, 201);
      },
    };
    return { iocs, handlers, creates: () => creates };
  }

  const block = playbook(
    [
      step('block', 'ioc.indicator_create_v1', {
        with: {
          comment: 'talon',
          indicators: '${{ inputs.hashes.{"type": "sha256", "value": $, "action": "prevent"} }}',
        },
      }),
    ],
    {
      inputs: { hashes: { type: 'array', required: true } },
      outputs: { ids: '${{ steps.block.resources.id }}' },
    },
  );

  it('finds indicators that already exist and creates only the others', async () => {
    const tenant = iocTenant(['aa']);
    const falcon = fakeFalcon(tenant.handlers);
    const run = await runPlaybook(
      block,
      manualRun('r', { inputs: { hashes: ['aa', 'bb', 'cc'] } }),
      ports(falcon).ports,
    );
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('indicator_create_v1')).toEqual([
      {
        comment: 'talon',
        indicators: [
          { type: 'sha256', value: 'bb', action: 'prevent' },
          { type: 'sha256', value: 'cc', action: 'prevent' },
        ],
      },
    ]);
    expect(run.outputs['ids']).toEqual(['ioc-0', 'ioc-1', 'ioc-2']);
    expect(run.steps[0]?.notes).toEqual(['step:block:batch:0: 1 indicators already existed; created 2']);
  });

  it('sends an indicator named twice in one request only once', async () => {
    const tenant = iocTenant([]);
    const falcon = fakeFalcon(tenant.handlers);
    const run = await runPlaybook(
      block,
      manualRun('r', { inputs: { hashes: ['aa', 'AA', 'bb'] } }),
      ports(falcon).ports,
    );
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('indicator_create_v1')[0]?.['indicators']).toEqual([
      { type: 'sha256', value: 'aa', action: 'prevent' },
      { type: 'sha256', value: 'bb', action: 'prevent' },
    ]);
  });

  it('creates nothing when a second run asks for the same indicators', async () => {
    const tenant = iocTenant([]);
    const inputs = { hashes: ['aa', 'bb'] };
    await runPlaybook(block, manualRun('r1', { inputs }), ports(fakeFalcon(tenant.handlers)).ports);
    const second = await runPlaybook(
      block,
      manualRun('r2', { inputs }),
      ports(fakeFalcon(tenant.handlers)).ports,
    );
    expect(second.status).toBe('succeeded');
    expect(tenant.creates()).toBe(1);
    expect(tenant.iocs).toHaveLength(2);
    expect(second.outputs['ids']).toEqual(['ioc-0', 'ioc-1']);
  });
});
