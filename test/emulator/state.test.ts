/** Writes change state and reads see them: Detects, Incidents, IOC, ODS, Identity Protection; paging and sorting. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { client, login, startTestEmulator, type TestClient } from './helpers.ts';

let emulator: RunningEmulator;
let api: TestClient;

interface Detection {
  detection_id: string;
  status: string;
  max_severity: number;
  assigned_to_uid?: string;
  device: { device_id: string; hostname: string };
  behaviors: { sha256: string; timestamp: string }[];
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

async function detections(ids: readonly unknown[]): Promise<Detection[]> {
  return (await api.post('/detects/entities/summaries/GET/v1', { ids })).body.resources as Detection[];
}

describe('seed', () => {
  it('is deterministic for a seed and links entities consistently', async () => {
    const first = (await api.get('/detects/queries/detects/v1', { limit: '20' })).body.resources;
    emulator.admin.reset(8);
    expect((await api.get('/detects/queries/detects/v1', { limit: '20' })).body.resources).not.toEqual(first);
    emulator.admin.reset(7);
    expect((await api.get('/detects/queries/detects/v1', { limit: '20' })).body.resources).toEqual(first);
    for (const detection of await detections(first)) {
      expect(detection.detection_id).toMatch(/^ldt:[0-9a-f]{32}:\d+$/);
      expect(detection.detection_id.split(':')[1]).toBe(detection.device.device_id);
      expect(detection.behaviors.length).toBeGreaterThan(0);
      for (const behavior of detection.behaviors) expect(behavior.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const incidentIds = (await api.get('/incidents/queries/incidents/v1', { limit: '5' })).body.resources;
    const incidents = (await api.post('/incidents/entities/incidents/GET/v1', { ids: incidentIds })).body
      .resources as {
      incident_id: string;
      host_ids: string[];
    }[];
    for (const incident of incidents) {
      expect(incident.incident_id).toMatch(/^inc:[0-9a-f]{32}:[0-9a-f]{32}$/);
      const behaviorIds = (
        await api.get('/incidents/queries/behaviors/v1', { filter: `incident_id:'${incident.incident_id}'` })
      ).body.resources;
      expect(behaviorIds.length).toBeGreaterThan(0);
      const behaviors = (await api.post('/incidents/entities/behaviors/GET/v1', { ids: behaviorIds })).body
        .resources as {
        behavior_id: string;
        aid: string;
        detection_ids: string[];
      }[];
      for (const behavior of behaviors) {
        expect(behavior.behavior_id).toMatch(/^ind:[0-9a-f]{32}:[\d-]+$/);
        expect(incident.host_ids).toContain(behavior.aid);
        expect(await detections(behavior.detection_ids)).toHaveLength(1);
      }
    }
  });
});

describe('Detects', () => {
  it('pages with offset and limit and reports the total', async () => {
    const all = (await api.get('/detects/queries/detects/v1', { limit: '300' })).body;
    expect(all.meta.pagination).toEqual({ offset: 0, limit: 300, total: 300 });
    const page = await api.get('/detects/queries/detects/v1', { offset: '100', limit: '50' });
    expect(page.body.resources).toEqual(all.resources.slice(100, 150));
    expect(page.body.meta.pagination).toEqual({ offset: 100, limit: 50, total: 300 });
  });

  it('sorts with both separators and filters with FQL over HTTP', async () => {
    const asc = (await api.get('/detects/queries/detects/v1', { sort: 'max_severity.asc', limit: '300' }))
      .body.resources;
    const pipe = (await api.get('/detects/queries/detects/v1', { sort: 'max_severity|asc', limit: '300' }))
      .body.resources;
    expect(pipe).toEqual(asc);
    const severities = (await detections(asc.slice(0, 300))).map((d) => d.max_severity);
    expect(severities).toEqual([...severities].sort((a, b) => a - b));
    const filtered = await api.get('/detects/queries/detects/v1', {
      filter: "status:'new'+max_severity:>=70",
      limit: '300',
    });
    const found = await detections(filtered.body.resources);
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) expect(d.status === 'new' && d.max_severity >= 70).toBe(true);
    const host = found[0]?.device.hostname as string;
    const byHost = await api.get('/detects/queries/detects/v1', {
      filter: `device.hostname:'${host}'`,
      limit: '300',
    });
    for (const d of await detections(byHost.body.resources)) expect(d.device.hostname).toBe(host);
    const since = await api.get('/detects/queries/detects/v1', {
      filter: "first_behavior:>='now-3d'",
      limit: '300',
    });
    expect(since.status).toBe(200);
  });

  it('updates status and assignee, visible to later reads and in the audit log', async () => {
    const ids = (await api.get('/detects/queries/detects/v1', { filter: "status:'new'", limit: '3' })).body
      .resources;
    const uuid = '11111111-2222-4333-a444-555555555555';
    const reply = await api.patch('/detects/entities/detects/v2', {
      ids,
      status: 'true_positive',
      assigned_to_uuid: uuid,
      comment: 'confirmed',
    });
    expect(reply.status).toBe(200);
    expect(reply.body.meta.writes).toEqual({ resources_affected: 3 });
    for (const d of await detections(ids)) {
      expect(d.status).toBe('true_positive');
      expect(d.assigned_to_uid).toBe(uuid);
    }
    const stillNew = (await api.get('/detects/queries/detects/v1', { filter: "status:'new'", limit: '300' }))
      .body.resources;
    for (const id of ids) expect(stillNew).not.toContain(id);
    expect(emulator.admin.audit()).toMatchObject([
      { operationId: 'UpdateDetectsByIdsV2', ids, method: 'PATCH' },
    ]);
  });

  it('rejects a comment without status or show_in_ui', async () => {
    const ids = (await api.get('/detects/queries/detects/v1', { limit: '1' })).body.resources;
    const reply = await api.patch('/detects/entities/detects/v2', { ids, comment: 'only a comment' });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.message).toContain('comment requires status or show_in_ui');
  });

  it('reports unknown ids next to found ones and answers 404 when none exists', async () => {
    const ids = (await api.get('/detects/queries/detects/v1', { limit: '1' })).body.resources;
    const partial = await api.post('/detects/entities/summaries/GET/v1', { ids: [...ids, 'ldt:nope:1'] });
    expect(partial.status).toBe(200);
    expect(partial.body.resources).toHaveLength(1);
    expect(partial.body.errors).toEqual([
      { code: 404, message: 'detections ldt:nope:1 not found', id: 'ldt:nope:1' },
    ]);
    expect((await api.post('/detects/entities/summaries/GET/v1', { ids: ['ldt:nope:1'] })).status).toBe(404);
  });

  it('aggregates by terms and date ranges, accepting an object or an array body', async () => {
    const array = await api.post('/detects/aggregates/detects/GET/v1', [
      { type: 'terms', field: 'status', name: 's', size: 20 },
    ]);
    const buckets = (array.body.resources[0] as { buckets: { count: number }[] }).buckets;
    expect(buckets.reduce((sum, b) => sum + b.count, 0)).toBe(300);
    const object = await api.post('/detects/aggregates/detects/GET/v1', {
      type: 'date_range',
      field: 'first_behavior',
      name: 'recent',
      date_ranges: [{ from: 'now-100d', to: 'now' }],
    });
    expect(object.body.resources).toMatchObject([{ name: 'recent', buckets: [{ count: 300 }] }]);
    expect(
      (await api.post('/detects/aggregates/detects/GET/v1', [{ type: 'bogus', field: 'status' }])).status,
    ).toBe(400);
  });
});

describe('Incidents', () => {
  it('applies actions, keeps state in step with status, and updates linked detections', async () => {
    const ids = (await api.get('/incidents/queries/incidents/v1', { filter: 'status:20', limit: '1' })).body
      .resources as string[];
    expect(ids).toHaveLength(1);
    const reply = await api.post(
      '/incidents/entities/incident-actions/v1',
      {
        ids,
        action_parameters: [
          { name: 'add_tag', value: 'talon' },
          { name: 'add_tag', value: 'second' },
          { name: 'update_status', value: '40' },
          { name: 'update_name', value: 'Renamed' },
        ],
      },
      { update_detects: 'true', overwrite_detects: 'true' },
    );
    expect(reply.status).toBe(200);
    const result = reply.body.resources[0] as {
      detections_updated: string[];
      detections_unchanged: string[];
    };
    expect(result.detections_updated.length).toBeGreaterThan(0);
    const incident = (await api.post('/incidents/entities/incidents/GET/v1', { ids })).body
      .resources[0] as Record<string, unknown>;
    expect(incident).toMatchObject({ status: 40, state: 'closed', name: 'Renamed' });
    expect(incident['tags']).toEqual(expect.arrayContaining(['talon', 'second']));
    for (const d of await detections(result.detections_updated)) expect(d.status).toBe('closed');
    expect(emulator.admin.audit()[0]?.ids).toEqual([...ids, ...result.detections_updated]);
    const removed = await api.post('/incidents/entities/incident-actions/v1', {
      ids,
      action_parameters: [{ name: 'delete_tag', value: 'talon' }],
    });
    expect(removed.status).toBe(200);
    const after = (await api.post('/incidents/entities/incidents/GET/v1', { ids })).body.resources[0] as {
      tags: string[];
    };
    expect(after.tags).not.toContain('talon');
  });

  it('leaves triaged detections alone without overwrite_detects', async () => {
    const ids = (await api.get('/incidents/queries/incidents/v1', { limit: '40' })).body
      .resources as string[];
    const reply = await api.post(
      '/incidents/entities/incident-actions/v1',
      { ids, action_parameters: [{ name: 'update_status', value: '30' }] },
      { update_detects: 'true' },
    );
    const result = reply.body.resources[0] as {
      detections_updated: string[];
      detections_unchanged: string[];
    };
    for (const d of await detections(result.detections_updated)) expect(d.status).toBe('in_progress');
    const unchanged = await detections(result.detections_unchanged);
    expect(unchanged.length).toBeGreaterThan(0);
    for (const d of unchanged) expect(d.status === 'new' && !d.assigned_to_uid).toBe(false);
  });

  it('rejects unknown actions and unknown incident ids', async () => {
    const ids = (await api.get('/incidents/queries/incidents/v1', { limit: '1' })).body.resources;
    expect(
      (
        await api.post('/incidents/entities/incident-actions/v1', {
          ids,
          action_parameters: [{ name: 'explode', value: 'x' }],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api.post('/incidents/entities/incident-actions/v1', {
          ids: ['inc:x:y'],
          action_parameters: [{ name: 'add_tag', value: 'x' }],
        })
      ).status,
    ).toBe(400);
  });
});

describe('IOC', () => {
  const domain = (value: string) => ({
    type: 'domain',
    value,
    action: 'detect',
    severity: 'HIGH',
    platforms: ['windows', 'mac'],
    applied_globally: true,
  });

  it('creates with 201, rejects a duplicate type+value, updates and deletes', async () => {
    const created = await api.post(
      '/iocs/entities/indicators/v1',
      { comment: 'c', indicators: [domain('evil.example.com')] },
      { retrodetects: 'true' },
    );
    expect(created.status).toBe(201);
    const ioc = created.body.resources[0] as {
      id: string;
      severity: string;
      mobile_action: string;
      created_by: string;
    };
    expect(ioc.id).toMatch(/^[0-9a-f]{64}$/);
    expect(ioc.severity).toBe('high');
    expect(ioc.mobile_action).toBe('no_action');
    const dup = await api.post('/iocs/entities/indicators/v1', { indicators: [domain('evil.example.com')] });
    expect(dup.status).toBe(400);
    expect(dup.body.errors[0]?.message).toBe(
      "Duplicate type: 'domain' and value: 'evil.example.com' combination.",
    );
    const updated = await api.patch('/iocs/entities/indicators/v1', {
      indicators: [{ id: ioc.id, action: 'no_action', severity: '' }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.resources[0]).toMatchObject({ id: ioc.id, action: 'no_action', severity: '' });
    expect(
      (
        await api.patch('/iocs/entities/indicators/v1', {
          indicators: [{ id: ioc.id, value: 'other.example.com' }],
        })
      ).status,
    ).toBe(400);
    const deleted = await api.delete('/iocs/entities/indicators/v1', { ids: [ioc.id] });
    expect(deleted.body.resources).toEqual([ioc.id]);
    expect((await api.get('/iocs/entities/indicators/v1', { ids: [ioc.id] })).status).toBe(404);
    expect(emulator.admin.audit().map((a) => a.operationId)).toEqual([
      'indicator_create_v1',
      'indicator_update_v1',
      'indicator_delete_v1',
    ]);
    const again = await api.post('/iocs/entities/indicators/v1', {
      indicators: [domain('evil.example.com')],
    });
    expect(again.status).toBe(201);
  });

  it.each([
    [
      {
        type: 'sha256',
        value: 'abc',
        action: 'detect',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
      },
      'not a valid sha256',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        action: 'prevent',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
      },
      'only allow the action detect or no_action',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        action: 'detect',
        platforms: ['windows'],
        applied_globally: true,
      },
      'severity is required',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        action: 'no_action',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
      },
      'severity must not be set',
    ],
    [
      { type: 'domain', value: 'x.example.com', action: 'detect', severity: 'low', platforms: ['windows'] },
      'host_groups or applied_globally',
    ],
    [
      {
        type: 'md5',
        value: 'a'.repeat(32),
        action: 'detect',
        severity: 'low',
        platforms: ['ios'],
        mobile_action: 'detect',
        applied_globally: true,
      },
      'only support windows, mac and linux',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
      },
      'action is required',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        action: 'detect',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
        expiration: '2001-01-01T00:00:00Z',
      },
      'expiration must be in the future',
    ],
    [
      {
        type: 'domain',
        value: 'x.example.com',
        action: 'detect',
        severity: 'low',
        platforms: ['windows'],
        applied_globally: true,
        colour: 'red',
      },
      'unknown field "colour"',
    ],
  ])('rejects an invalid indicator and creates nothing (%#)', async (indicator, message) => {
    const before = (await api.get('/iocs/queries/indicators/v1', { limit: '1' })).body.meta.pagination as {
      total: number;
    };
    const reply = await api.post('/iocs/entities/indicators/v1', {
      indicators: [domain('ok.example.com'), indicator],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.message).toContain(message);
    const after = (await api.get('/iocs/queries/indicators/v1', { limit: '1' })).body.meta.pagination as {
      total: number;
    };
    expect(after.total).toBe(before.total);
  });

  it('pages with after tokens, rejects offset+after together and offset past 10,000', async () => {
    const all = (await api.get('/iocs/queries/indicators/v1', { limit: '500' })).body.resources;
    const seen: unknown[] = [];
    let after: string | undefined;
    do {
      const page = await api.get(
        '/iocs/queries/indicators/v1',
        after ? { limit: '25', after } : { limit: '25' },
      );
      seen.push(...page.body.resources);
      after = (page.body.meta.pagination as { after?: string }).after;
    } while (after);
    expect(seen).toEqual(all);
    expect((await api.get('/iocs/queries/indicators/v1', { offset: '0', after: 'x' })).status).toBe(400);
    expect((await api.get('/iocs/queries/indicators/v1', { offset: '9900', limit: '200' })).status).toBe(400);
    expect((await api.get('/iocs/queries/indicators/v1', { after: 'garbage' })).status).toBe(400);
    const offset = await api.get('/iocs/queries/indicators/v1', { offset: '10', limit: '5' });
    expect(offset.body.meta.pagination).toEqual({ offset: 10, limit: 5, total: all.length });
  });

  it('bulk-updates by filter and deletes by filter (filter wins over ids)', async () => {
    await api.post('/iocs/entities/indicators/v1', {
      indicators: [domain('a.bulk.example.com'), domain('b.bulk.example.com')],
    });
    const bulk = await api.patch('/iocs/entities/indicators/v1', {
      bulk_update: { filter: "value:*'*.bulk.example.com'", description: 'bulk' },
    });
    expect(bulk.body.resources).toHaveLength(2);
    const keep = (await api.get('/iocs/queries/indicators/v1', { filter: "type:'sha256'", limit: '1' })).body
      .resources as string[];
    const removed = await api.delete('/iocs/entities/indicators/v1', {
      filter: "description:'bulk'",
      ids: keep,
    });
    expect(removed.body.resources).toHaveLength(2);
    expect((await api.get('/iocs/entities/indicators/v1', { ids: keep })).status).toBe(200);
  });

  it('counts and lists the hosts and processes that saw a hash', async () => {
    const [id] = (await api.get('/detects/queries/detects/v1', { limit: '1' })).body.resources;
    const [detection] = await detections([id]);
    const sha = detection?.behaviors[0]?.sha256 as string;
    const count = await api.get('/iocs/aggregates/indicators/device-count/v1', {
      type: 'sha256',
      value: sha,
    });
    expect((count.body.resources[0] as { device_count: number }).device_count).toBeGreaterThan(0);
    const devices = await api.get('/iocs/queries/indicators/devices/v1', { type: 'sha256', value: sha });
    expect(devices.body.resources).toContain(detection?.device.device_id);
    const processes = await api.get('/indicators/queries/processes/v1', {
      type: 'sha256',
      value: sha,
      device_id: detection?.device.device_id as string,
    });
    const details = await api.get('/processes/entities/processes/v1', {
      ids: processes.body.resources as string[],
    });
    expect(details.body.resources).toMatchObject([{ device_id: detection?.device.device_id }]);
    expect(
      (await api.get('/iocs/aggregates/indicators/device-count/v1', { type: 'sha256', value: 'xyz' })).status,
    ).toBe(400);
  });
});

describe('ODS', () => {
  it('creates, cancels and reads back a scan; schedules and soft-deletes a scheduled scan', async () => {
    const [detectionId] = (await api.get('/detects/queries/detects/v1', { limit: '1' })).body.resources;
    const aid = (await detections([detectionId]))[0]?.device.device_id;
    const created = await api.post('/ods/entities/scans/v1', {
      hosts: [aid],
      file_paths: ['C:\\'],
      quarantine: true,
    });
    expect(created.status).toBe(201);
    const scanId = (created.body.resources[0] as { id: string; status: string }).id;
    expect(scanId).toMatch(/^[0-9a-f]{32}$/);
    expect((await api.get('/ods/queries/scans/v1', { filter: "status:'pending'" })).body.resources).toContain(
      scanId,
    );
    expect(
      (await api.post('/ods/entities/scan-control-actions/cancel/v1', { ids: [scanId] })).body.resources,
    ).toEqual([scanId]);
    const v2 = await api.get('/ods/entities/scans/v2', { ids: [scanId] });
    expect(v2.body.resources[0]).toMatchObject({
      id: scanId,
      status: 'cancelled',
      metadata: expect.any(Array),
    });
    const again = await api.post('/ods/entities/scan-control-actions/cancel/v1', { ids: [scanId] });
    expect(again.body.errors[0]?.message).toContain('cannot be cancelled');
    expect((await api.post('/ods/entities/scans/v1', { file_paths: ['C:\\'] })).status).toBe(400);
    expect((await api.post('/ods/entities/scans/v1', { hosts: [aid], cpu_priority: 9 })).status).toBe(400);

    const scheduled = await api.post('/ods/entities/scheduled-scans/v1', {
      host_groups: ['hg'],
      schedule: { start_timestamp: '2026-12-01T10:00', interval: 14 },
    });
    expect(scheduled.status).toBe(201);
    const profileId = (scheduled.body.resources[0] as { id: string }).id;
    expect(
      (
        await api.post('/ods/entities/scheduled-scans/v1', {
          host_groups: ['hg'],
          schedule: { start_timestamp: '2026-12-01T10:00', interval: 3 },
        })
      ).status,
    ).toBe(400);
    expect((await api.delete('/ods/entities/scheduled-scans/v1', {})).status).toBe(400);
    expect(
      (await api.delete('/ods/entities/scheduled-scans/v1', { ids: [profileId] })).body.resources,
    ).toEqual([profileId]);
    expect(
      (await api.get('/ods/entities/scheduled-scans/v1', { ids: [profileId] })).body.resources[0],
    ).toMatchObject({ deleted: true });
    expect(
      (await api.get('/ods/queries/scheduled-scans/v1', { filter: 'deleted:false', limit: '500' })).body
        .resources,
    ).not.toContain(profileId);
    expect((await api.get('/ods/entities/scans/v1', { ids: ['f'.repeat(32)] })).status).toBe(404);
  });

  it('uses limit 1-500 with default 500 on ODS queries', async () => {
    const reply = await api.get('/ods/queries/scan-hosts/v1');
    expect((reply.body.meta.pagination as { limit: number }).limit).toBe(500);
    expect((await api.get('/ods/queries/scans/v1', { limit: '501' })).status).toBe(400);
  });
});

describe('Identity Protection', () => {
  it('creates, finds and deletes policy rules; rejects duplicate ids', async () => {
    const created = await api.post('/identity-protection/entities/policy-rules/v1', {
      name: 'Block legacy auth for contractors',
      action: 'BLOCK',
      trigger: 'access',
      enabled: true,
      simulationMode: true,
      sourceUser: { groupMembership: { include: ['g1'] } },
    });
    const id = (created.body.resources[0] as { id: string }).id;
    const found = await api.get('/identity-protection/queries/policy-rules/v1', {
      name: 'legacy auth for contractors',
      simulation_mode: 'true',
    });
    expect(found.body.resources).toEqual([id]);
    expect((await api.get('/identity-protection/entities/policy-rules/v1', { ids: [id, id] })).status).toBe(
      400,
    );
    expect(
      (await api.delete('/identity-protection/entities/policy-rules/v1', { ids: [id] })).body.resources,
    ).toEqual([id]);
    expect((await api.get('/identity-protection/entities/policy-rules/v1', { ids: [id] })).status).toBe(404);
    expect(
      (
        await api.post('/identity-protection/entities/policy-rules/v1', {
          name: 'x',
          action: 'EXPLODE',
          trigger: 'access',
          enabled: true,
          simulationMode: false,
        })
      ).status,
    ).toBe(400);
  });

  it('pages the GraphQL entities connection', async () => {
    const query =
      'query ($after: Cursor) { entities(first: 4, after: $after) { nodes { entityId } pageInfo { hasNextPage endCursor } } }';
    const first = await api.post('/identity-protection/combined/graphql/v1', { query });
    const data = first.body['data'] as {
      entities: { nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    };
    expect(data.entities.nodes).toHaveLength(4);
    const second = await api.post('/identity-protection/combined/graphql/v1', {
      query,
      variables: { after: data.entities.pageInfo.endCursor },
    });
    const next = second.body['data'] as { entities: { nodes: unknown[] } };
    expect(next.entities.nodes).not.toEqual(data.entities.nodes);
    const unsupported = await api.post('/identity-protection/combined/graphql/v1', {
      query: 'mutation { x }',
    });
    expect(unsupported.status).toBe(200);
    expect((unsupported.body.errors as unknown[]).length).toBe(1);
  });
});
