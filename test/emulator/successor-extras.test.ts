/**
 * The routes falconpy's own Alerts and Case Management tests call beyond the current versions
 * (issue 11): the older Alerts versions and combined paging, and the case templates, SLAs,
 * notification groups, fields and access tags, all as state over real HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { client, login, startTestEmulator, type TestClient } from './helpers.ts';

let emulator: RunningEmulator;
let api: TestClient;

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

const idOf = (reply: { body: { resources: unknown[] } }) => (reply.body.resources[0] as { id: string }).id;

describe('older Alerts versions', () => {
  it('PATCH /alerts/entities/alerts/v2 acts on ids and the change shows through v1 and v2 reads', async () => {
    const [id] = (await api.get('/alerts/queries/alerts/v1', { filter: "product:'epp'", limit: '1' })).body
      .resources as string[];
    const patched = await api.patch('/alerts/entities/alerts/v2', {
      ids: [id],
      action_parameters: [
        { name: 'add_tag', value: 'legacy' },
        { name: 'update_status', value: 'in_progress' },
      ],
    });
    expect(patched.status).toBe(200);
    const [v1] = (await api.post('/alerts/entities/alerts/v1', { ids: [id] })).body.resources;
    const [v2] = (await api.post('/alerts/entities/alerts/v2', { composite_ids: [id] })).body.resources;
    expect(v1).toMatchObject({ composite_id: id, status: 'in_progress', tags: ['legacy'] });
    expect(v2).toEqual(v1);
    expect(emulator.admin.audit()).toMatchObject([{ operationId: 'PatchEntitiesAlertsV2', ids: [id] }]);
  });

  it('rejects composite_ids on the v2 PATCH (its body field is ids)', async () => {
    const reply = await api.patch('/alerts/entities/alerts/v2', {
      composite_ids: ['x'],
      action_parameters: [{ name: 'add_tag', value: 't' }],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.message).toContain('unknown field "composite_ids"');
  });

  it('pages PostCombinedAlertsV1 with after tokens over every matching alert exactly once', async () => {
    const total = (await api.get('/alerts/queries/alerts/v2', { filter: "product:'epp'", limit: '1' })).body
      .meta.pagination?.['total'] as number;
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const reply = await api.post('/alerts/combined/alerts/v1', {
        filter: "product:'epp'",
        limit: 70,
        sort: 'created_timestamp|asc',
        ...(after ? { after } : {}),
      });
      expect(reply.status).toBe(200);
      seen.push(...(reply.body.resources as { composite_id: string }[]).map((a) => a.composite_id));
      after = reply.body.meta.pagination?.['after'] as string | undefined;
      pages++;
    } while (after);
    expect(new Set(seen).size).toBe(total);
    expect(seen.length).toBe(total);
    expect(pages).toBe(Math.ceil(total / 70));
  });

  it('refuses a combined page larger than 1000 and a bad after token', async () => {
    expect((await api.post('/alerts/combined/alerts/v1', { limit: 1001 })).status).toBe(400);
    const bad = await api.post('/alerts/combined/alerts/v1', { after: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.message).toContain('invalid after token');
  });

  it('aggregates through v1 like v2', async () => {
    const spec = [{ type: 'terms', field: 'product', name: 'products' }];
    const v1 = await api.post('/alerts/aggregates/alerts/v1', spec);
    const v2 = await api.post('/alerts/aggregates/alerts/v2', spec);
    expect(v1.body.resources).toEqual(v2.body.resources);
    expect((v1.body.resources[0] as { buckets: unknown[] }).buckets.length).toBeGreaterThan(1);
  });
});

describe('case templates, SLAs and notification groups', () => {
  it('links a new group, SLA and template by reference and shows the template fields', async () => {
    const group = idOf(
      await api.post('/casemgmt/entities/notification-groups/v2', {
        name: 'IR leads',
        channels: [{ type: 'email', config_id: 'c1', params: { to: 'ir@example.com' } }],
      }),
    );
    const sla = idOf(
      await api.post('/casemgmt/entities/slas/v1', {
        name: 'High: 4 hours',
        goals: [
          {
            type: 'resolution',
            duration_seconds: 14_400,
            escalation_policy: { steps: [{ escalate_after_seconds: 7200, notification_group_id: group }] },
          },
        ],
      }),
    );
    const created = await api.post('/casemgmt/entities/templates/v1', {
      name: 'Ransomware',
      sla_id: sla,
      fields: [{ name: 'Encrypted shares', data_type: 'string', options: [{ value: 'yes' }] }],
    });
    const template = idOf(created);
    const [fieldId] = (await api.get('/casemgmt/queries/fields/v1', { filter: "name:'Encrypted shares'" }))
      .body.resources as string[];
    const [field] = (await api.get('/casemgmt/entities/fields/v1', { ids: [fieldId as string] })).body
      .resources;
    expect(field).toMatchObject({ name: 'Encrypted shares', template_id: template, data_type: 'string' });
    expect((field as { options: { id: string }[] }).options[0]?.id).toEqual(expect.any(String));

    // Both versions see the group the v2 route created.
    const v1 = await api.get('/casemgmt/entities/notification-groups/v1', { ids: [group] });
    expect(v1.body.resources).toMatchObject([{ id: group, name: 'IR leads' }]);

    // In use: the SLA by the template, the group by the SLA.
    const slaDelete = await api.delete('/casemgmt/entities/slas/v1', { ids: [sla] });
    expect(slaDelete.status).toBe(409);
    expect(slaDelete.body.errors[0]?.message).toContain(template);
    expect((await api.delete('/casemgmt/entities/notification-groups/v1', { ids: [group] })).status).toBe(
      409,
    );

    // Deleting the template frees the SLA, then the group.
    expect((await api.delete('/casemgmt/entities/templates/v1', { ids: [template] })).body.resources).toEqual(
      [template],
    );
    expect(
      (await api.get('/casemgmt/queries/fields/v1', { filter: "name:'Encrypted shares'" })).body.resources,
    ).toEqual([]);
    expect((await api.delete('/casemgmt/entities/slas/v1', { ids: [sla] })).status).toBe(200);
    expect((await api.delete('/casemgmt/entities/notification-groups/v2', { ids: [group] })).status).toBe(
      200,
    );
    expect((await api.get('/casemgmt/entities/slas/v1', { ids: [sla] })).status).toBe(404);
  });

  it('refuses dangling references and leaves the record unchanged on a bad update', async () => {
    const missingSla = await api.post('/casemgmt/entities/templates/v1', {
      name: 'x',
      sla_id: 'no-such-sla',
    });
    expect(missingSla.status).toBe(400);
    expect(missingSla.body.errors[0]?.message).toContain('body.sla_id "no-such-sla" is not an existing SLA');
    const [sla] = (await api.get('/casemgmt/queries/slas/v1')).body.resources as string[];
    const bad = await api.patch('/casemgmt/entities/slas/v1', {
      id: sla,
      name: 'renamed',
      goals: [
        {
          type: 'triage',
          duration_seconds: 60,
          escalation_policy: { steps: [{ notification_group_id: 'nope' }] },
        },
      ],
    });
    expect(bad.status).toBe(400);
    const [after] = (await api.get('/casemgmt/entities/slas/v1', { ids: [sla as string] })).body.resources;
    expect(after).toMatchObject({ name: 'Critical: triage in 1 hour' });
    expect((await api.patch('/casemgmt/entities/slas/v1', { id: 'nope', name: 'n' })).status).toBe(404);
  });

  it('updates, queries by filter and aggregates', async () => {
    const [group] = (await api.get('/casemgmt/queries/notification-groups/v1')).body.resources as string[];
    await api.patch('/casemgmt/entities/notification-groups/v1', { id: group, name: 'Night shift' });
    const found = await api.get('/casemgmt/queries/notification-groups/v2', { filter: "name:'Night shift'" });
    expect(found.body.resources).toEqual([group]);
    const agg = await api.post('/casemgmt/aggregates/templates/v1', [{ type: 'count', name: 'all' }]);
    expect(agg.body.resources).toEqual([
      { name: 'all', buckets: [{ label: 'count', count: 1 }], sum_other_doc_count: 0 },
    ]);
  });
});

describe('access tags', () => {
  it('pages with after tokens and gets by id', async () => {
    const first = await api.get('/casemgmt/queries/access-tags/v1', { limit: '1' });
    expect(first.body.meta.pagination).toMatchObject({ limit: 1, total: 2 });
    const after = first.body.meta.pagination?.['after'] as string;
    const second = await api.get('/casemgmt/queries/access-tags/v1', { limit: '1', after });
    expect(second.body.meta.pagination?.['after']).toBeUndefined();
    const ids = [...first.body.resources, ...second.body.resources] as string[];
    const tags = (await api.get('/casemgmt/entities/access-tags/v1', { ids })).body.resources as {
      key: string;
    }[];
    expect(tags.map((t) => t.key)).toEqual(['legal-hold', 'soc-tier-2']);
  });
});
