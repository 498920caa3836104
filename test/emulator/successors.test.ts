/** Alerts and Cases (issue 7): one state with Detects, actions, include_hidden, cases; and --cloud-today. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { ALL_OPERATIONS } from '../../src/falcon/operations/index.ts';
import { call, client, login, startTestEmulator, type TestClient } from './helpers.ts';

let emulator: RunningEmulator;
let api: TestClient;

interface Alert {
  composite_id: string;
  product: string;
  status: string;
  resolution: string;
  tags: string[];
  show_in_ui: boolean;
  agent_id: string;
  assigned_to_uuid: string;
  linked_case_ids: string[];
}

beforeAll(async () => {
  emulator = await startTestEmulator();
  api = client(
    emulator,
    await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
  );
});

beforeEach(() => emulator.admin.reset());

afterAll(async () => {
  await emulator?.close();
});

async function alerts(ids: readonly unknown[], query: Record<string, string> = {}): Promise<Alert[]> {
  return (await api.post('/alerts/entities/alerts/v2', { composite_ids: ids }, query)).body
    .resources as Alert[];
}

async function detectionOf(
  alert: Alert,
): Promise<{ detection_id: string; status: string; assigned_to_uid?: string; show_in_ui: boolean }> {
  const [, , aid, n] = alert.composite_id.split(':');
  const reply = await api.post('/detects/entities/summaries/GET/v1', { ids: [`ldt:${aid}:${n}`] });
  return reply.body.resources[0] as { detection_id: string; status: string; show_in_ui: boolean };
}

describe('Alerts share state with Detects', () => {
  it("shows every detection as an alert with product 'epp', plus alerts of other products", async () => {
    const epp = await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'", limit: '1' });
    expect((epp.body.meta.pagination as { total: number }).total).toBe(300);
    const all = await api.get('/alerts/queries/alerts/v2', { limit: '1' });
    expect((all.body.meta.pagination as { total: number }).total).toBeGreaterThan(300);
    const [alert] = await alerts(epp.body.resources);
    expect(alert?.product).toBe('epp');
    expect((await detectionOf(alert as Alert)).detection_id.split(':')[1]).toBe(alert?.agent_id);
  });

  it('makes a Detects update visible as an alert status with resolution', async () => {
    const [id] = (
      await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'+status:'new'", limit: '1' })
    ).body.resources;
    const [alert] = await alerts([id]);
    const detection = await detectionOf(alert as Alert);
    await api.patch('/detects/entities/detects/v2', {
      ids: [detection.detection_id],
      status: 'false_positive',
    });
    const [after] = await alerts([id]);
    expect(after).toMatchObject({ status: 'closed', resolution: 'false_positive' });
    const closed = await api.get('/alerts/queries/alerts/v2', {
      filter: "status:'closed'+resolution:'false_positive'",
      limit: '10000',
    });
    expect(closed.body.resources).toContain(id);
  });

  it('makes an Alerts update visible through Detects, and audits it', async () => {
    const [id] = (
      await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'+status:'new'", limit: '1' })
    ).body.resources;
    const uuid = '11111111-2222-4333-a444-555555555555';
    const reply = await api.patch('/alerts/entities/alerts/v3', {
      composite_ids: [id],
      action_parameters: [
        { name: 'update_status', value: 'in_progress' },
        { name: 'assign_to_uuid', value: uuid },
        { name: 'add_tag', value: 'talon' },
        { name: 'append_comment', value: 'looking' },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.meta.writes).toEqual({ resources_affected: 1 });
    const [alert] = await alerts([id]);
    expect(alert).toMatchObject({ status: 'in_progress', assigned_to_uuid: uuid, tags: ['talon'] });
    const detection = await detectionOf(alert as Alert);
    expect(detection).toMatchObject({ status: 'in_progress', assigned_to_uid: uuid });
    expect(emulator.admin.audit()).toMatchObject([{ operationId: 'PatchEntitiesAlertsV3', ids: [id] }]);
    const tagged = await api.get('/alerts/queries/alerts/v2', { filter: "tags:'talon'" });
    expect(tagged.body.resources).toEqual([id]);
  });

  it('applies tag removals before additions and hides alerts from include_hidden=false', async () => {
    const [id] = (await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'", limit: '1' })).body
      .resources;
    await api.patch('/alerts/entities/alerts/v3', {
      composite_ids: [id],
      action_parameters: [{ name: 'add_tag', value: 'fp-a' }],
    });
    await api.patch('/alerts/entities/alerts/v3', {
      composite_ids: [id],
      action_parameters: [
        { name: 'add_tag', value: 'fp-b' },
        { name: 'remove_tags_by_prefix', value: 'fp-' },
        { name: 'show_in_ui', value: 'false' },
      ],
    });
    const [alert] = await alerts([id]);
    expect(alert?.tags).toEqual(['fp-b']);
    expect((await detectionOf(alert as Alert)).show_in_ui).toBe(false);
    expect(await alerts([id], { include_hidden: 'false' })).toEqual([]);
    const visible = await api.get('/alerts/queries/alerts/v2', { include_hidden: 'false', limit: '10000' });
    expect(visible.body.resources).not.toContain(id);
  });

  it('rejects unknown actions, bad status values and unknown ids', async () => {
    const [id] = (await api.get('/alerts/queries/alerts/v2', { limit: '1' })).body.resources;
    const bad = [
      { composite_ids: [id], action_parameters: [{ name: 'explode', value: 'x' }] },
      { composite_ids: [id], action_parameters: [{ name: 'update_status', value: 'true_positive' }] },
      { composite_ids: ['nope'], action_parameters: [{ name: 'add_tag', value: 'x' }] },
      { composite_ids: [id], action_parameters: [] },
    ];
    for (const body of bad) expect((await api.patch('/alerts/entities/alerts/v3', body)).status).toBe(400);
  });

  it('aggregates alerts by product', async () => {
    const reply = await api.post('/alerts/aggregates/alerts/v2', [
      { type: 'terms', field: 'product', name: 'p' },
    ]);
    const buckets = (reply.body.resources[0] as { buckets: { label: string; count: number }[] }).buckets;
    expect(buckets.find((b) => b.label === 'epp')?.count).toBe(300);
  });
});

describe('Cases', () => {
  it('creates a case with alert evidence and links the alert back', async () => {
    const [alertId] = (await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'", limit: '1' }))
      .body.resources;
    const created = await api.put('/cases/entities/cases/v2', {
      name: 'Phishing wave',
      description: 'from the headline chain',
      status: 'new',
      severity: 70,
      evidence: { alerts: [{ id: alertId }] },
    });
    expect(created.status).toBe(200);
    const record = created.body.resources[0] as {
      id: string;
      version: number;
      evidence: { alerts: { records: { id: string }[] } };
    };
    expect(record.evidence.alerts.records).toEqual([{ id: alertId, selector: { id: alertId } }]);
    const [alert] = await alerts([alertId]);
    expect(alert?.linked_case_ids).toContain(record.id);
    expect(
      (await api.get('/cases/queries/cases/v1', { filter: "name:'Phishing wave'" })).body.resources,
    ).toEqual([record.id]);
    expect(
      (
        await api.put('/cases/entities/cases/v2', {
          name: 'x',
          description: 'd',
          status: 'bogus',
          severity: 1,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api.put('/cases/entities/cases/v2', {
          name: 'x',
          description: 'd',
          status: 'new',
          severity: 1,
          evidence: { alerts: [{ id: 'nope' }] },
        })
      ).status,
    ).toBe(400);
  });

  it('updates fields with optimistic versions (409 on a stale version), tags and evidence', async () => {
    const [caseId] = (await api.get('/cases/queries/cases/v1', { limit: '1' })).body.resources;
    const [current] = (await api.post('/cases/entities/cases/v2', { ids: [caseId] })).body.resources as {
      version: number;
    }[];
    const version = current?.version as number;
    const updated = await api.patch('/cases/entities/cases/v2', {
      id: caseId,
      fields: { status: 'closed', name: 'Done' },
      expected_version: version,
    });
    expect(updated.body.resources[0]).toMatchObject({ status: 'closed', name: 'Done', version: version + 1 });
    const stale = await api.patch('/cases/entities/cases/v2', {
      id: caseId,
      fields: { status: 'new' },
      expected_version: version,
    });
    expect(stale.status).toBe(409);
    expect(
      (await api.patch('/cases/entities/cases/v2', { id: caseId, fields: { colour: 'red' } })).status,
    ).toBe(400);
    expect((await api.patch('/cases/entities/cases/v2', { id: 'missing', fields: {} })).status).toBe(404);
    await api.post('/cases/entities/case-tags/v1', { id: caseId, tags: ['a', 'b'] });
    await api.delete('/cases/entities/case-tags/v1', { id: caseId as string, tag: ['a'] });
    await api.post('/cases/entities/event-evidence/v1', { id: caseId, events: [{ id: 'evt-1' }] });
    const [record] = (await api.post('/cases/entities/cases/v2', { ids: [caseId] })).body.resources as {
      tags: string[];
      evidence: { events: { records: unknown[] } };
    }[];
    expect(record?.tags).toEqual(['b']);
    expect(record?.evidence.events.records).toEqual([{ id: 'evt-1', selector: { id: 'evt-1' } }]);
    expect(emulator.admin.audit().map((a) => a.operationId)).toEqual([
      'entities_cases_patch_v2',
      'entities_case_tags_post_v1',
      'entities_case_tags_delete_v1',
      'entities_event_evidence_post_v1',
    ]);
  });
});

describe('--cloud-today', () => {
  it('answers decommissioned operations with 410 naming the successor and serves the rest', async () => {
    const today = await startTestEmulator({ cloudToday: true });
    try {
      const token = await login(today.url, today.credentials.clientId, today.credentials.clientSecret);
      for (const op of ALL_OPERATIONS.filter((o) => o.deprecated)) {
        const reply = await call(today.url, op.method, op.path, { token });
        expect(reply.status, op.operationId).toBe(410);
        expect(reply.body.errors[0]?.message).toContain(op.deprecated?.successor ?? 'decommissioned');
      }
      expect((await call(today.url, 'GET', '/alerts/queries/alerts/v2', { token })).status).toBe(200);
      expect((await call(today.url, 'GET', '/iocs/queries/indicators/v1', { token })).status).toBe(200);
    } finally {
      await today.close();
    }
  });
});
