/**
 * Contract suite: every operation of the table, called through FalconClient against the emulator over
 * real HTTP. For each call it checks the request that arrived (method, route, query, body, from the
 * emulator's request log) and the parsed answer (status, resources, trace id). Reads run first and
 * collect real ids from the seeded world; writes use them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { ALL_OPERATIONS, type FalconClient, findOperation } from '../../src/falcon/index.ts';
import { clientFor } from '../helpers/falcon.ts';

let emulator: RunningEmulator;
let client: FalconClient;
const ids: Record<string, string[]> = {};
const exercised = new Set<string>();

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 42 });
  client = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
});

type Query = Record<string, string[]>;

interface Expectation {
  query?: Query;
  body?: unknown;
  /** The path as sent, when the route has path parameters. */
  path?: string;
}

/** Calls `name`, checks what arrived and what came back, returns the resources. */
async function contract(
  name: string,
  params: Record<string, unknown>,
  expected: Expectation,
): Promise<unknown[]> {
  const op = findOperation(name);
  if (!op) throw new Error(`unknown ${name}`);
  const mark = emulator.admin.requests().at(-1)?.seq ?? 0;
  const result = await client.call(name, params);
  const arrived = emulator.admin.requests(mark).filter((r) => r.path !== '/oauth2/token');
  expect(arrived, `${op.operationId}: one request, no retries`).toHaveLength(1);
  const request = arrived[0];
  expect(request?.operationId).toBe(op.operationId);
  expect(request?.method).toBe(op.method);
  expect(request?.path).toBe(expected.path ?? op.path);
  expect(request?.query).toEqual(expected.query ?? {});
  expect(request?.body).toEqual(expected.body);
  expect(result.status).toBe(op.successStatus);
  expect(Array.isArray(result.resources)).toBe(true);
  expect(Array.isArray(result.errors)).toBe(true);
  expect(result.traceId).toBe(request?.traceId);
  exercised.add(op.operationId);
  return result.resources;
}

function strings(list: unknown[], n = 2): string[] {
  const out = list.filter((x): x is string => typeof x === 'string').slice(0, n);
  expect(out.length, 'the seeded world has ids for this query').toBeGreaterThan(0);
  return out;
}

function field(list: unknown[], key: string): string[] {
  return list
    .map((x) => (x as Record<string, unknown>)[key])
    .filter((v): v is string => typeof v === 'string');
}

const AGG = { field: 'status', type: 'terms', size: 5, name: 'by_status' };

describe('Detects', () => {
  it('QueryDetects', async () => {
    ids.detections = strings(
      await contract(
        'detects.query_detects',
        { limit: 3, sort: 'last_behavior|desc', filter: "status:'new'" },
        { query: { limit: ['3'], sort: ['last_behavior|desc'], filter: ["status:'new'"] } },
      ),
    );
  });
  it('GetDetectSummaries', async () => {
    const found = await contract(
      'get_detect_summaries',
      { ids: ids.detections?.join(',') },
      { body: { ids: ids.detections } },
    );
    expect(field(found, 'detection_id')).toEqual(expect.arrayContaining(ids.detections ?? []));
    const behavior = ((found[0] as { behaviors?: Record<string, unknown>[] }).behaviors ?? [])[0] ?? {};
    ids.process = [String(behavior.triggering_process_graph_id ?? 'pid:none')];
  });
  it('GetAggregateDetects', async () => {
    await contract('GetAggregateDetects', AGG, { body: [AGG] });
  });
  it('UpdateDetectsByIdsV2', async () => {
    const target = ids.detections?.slice(0, 1);
    await contract(
      'update_detects_by_ids',
      { ids: target, status: 'in_progress', comment: 'contract' },
      { body: { ids: target, status: 'in_progress', comment: 'contract' } },
    );
  });
});

describe('Incidents', () => {
  it('QueryIncidents / GetIncidents', async () => {
    ids.incidents = strings(
      await contract(
        'QueryIncidents',
        { limit: 2, sort: 'start.desc' },
        { query: { limit: ['2'], sort: ['start.desc'] } },
      ),
    );
    await contract('incidents.get_incidents', { ids: ids.incidents }, { body: { ids: ids.incidents } });
  });
  it('QueryBehaviors / GetBehaviors', async () => {
    ids.behaviors = strings(await contract('query_behaviors', { limit: 2 }, { query: { limit: ['2'] } }));
    await contract('GetBehaviors', { ids: ids.behaviors }, { body: { ids: ids.behaviors } });
  });
  it('CrowdScore', async () => {
    await contract('crowdscore', { limit: 5 }, { query: { limit: ['5'] } });
  });
  it('PerformIncidentAction', async () => {
    const target = ids.incidents?.slice(0, 1);
    await contract(
      'perform_incident_action',
      { ids: target, update_status: '30', add_tag: 'contract', update_detects: false },
      {
        query: { update_detects: ['false'] },
        body: {
          ids: target,
          action_parameters: [
            { name: 'update_status', value: '30' },
            { name: 'add_tag', value: 'contract' },
          ],
        },
      },
    );
  });
});

describe('IOC management', () => {
  const indicator = {
    type: 'domain',
    value: 'contract.example.com',
    action: 'detect',
    severity: 'high',
    platforms: ['windows', 'mac'],
    applied_globally: true,
  };
  it('search, combined, get', async () => {
    ids.iocs = strings(
      await contract(
        'indicator_search',
        { limit: 2, filter: "type:'domain'" },
        { query: { limit: ['2'], filter: ["type:'domain'"] } },
      ),
    );
    await contract('ioc.indicator_combined', { limit: 2 }, { query: { limit: ['2'] } });
    await contract('indicator_get_v1', { ids: ids.iocs }, { query: { ids: ids.iocs ?? [] } });
  });
  it('aggregate and reference lists', async () => {
    await contract(
      'indicator_aggregate',
      { field: 'type', type: 'terms', filter: 'expired:false' },
      { query: { filter: ['expired:false'] }, body: { field: 'type', type: 'terms' } },
    );
    ids.actions = strings(await contract('action_query_v1', { limit: 10 }, { query: { limit: ['10'] } }));
    await contract('action_get', { ids: ids.actions }, { query: { ids: ids.actions ?? [] } });
    await contract('ioc_type_query', {}, {});
    await contract('platform_query', {}, {});
    await contract('severity_query', {}, {});
  });
  it('create, update, report, delete', async () => {
    const created = await contract(
      'ioc.indicator_create',
      { comment: 'contract', indicators: [indicator], retrodetects: false },
      {
        query: { retrodetects: ['false'] },
        body: { comment: 'contract', indicators: [indicator] },
      },
    );
    const id = field(created, 'id');
    expect(id).toHaveLength(1);
    await contract(
      'indicator_update',
      { indicators: [{ id: id[0], description: 'updated' }] },
      { body: { indicators: [{ id: id[0], description: 'updated' }] } },
    );
    await contract(
      'get_indicators_report',
      { report_format: 'csv', search: { filter: "type:'domain'" } },
      { body: { report_format: 'csv', search: { filter: "type:'domain'" } } },
    );
    await contract(
      'indicator_delete',
      { ids: id, comment: 'cleanup' },
      { query: { ids: id, comment: ['cleanup'] } },
    );
  });
  it('device count, devices and processes ran on', async () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
    await contract(
      'ioc.devices_count',
      { type: 'md5', value: md5 },
      { query: { type: ['md5'], value: [md5] } },
    );
    await contract(
      'ioc.devices_ran_on',
      { type: 'md5', value: md5, limit: '5' },
      { query: { type: ['md5'], value: [md5], limit: ['5'] } },
    );
    await contract(
      'ioc.processes_ran_on',
      { type: 'md5', value: md5, device_id: 'a'.repeat(32) },
      { query: { type: ['md5'], value: [md5], device_id: ['a'.repeat(32)] } },
    );
  });
});

describe('legacy IOCs', () => {
  it('the four live routes', async () => {
    const sha = 'e'.repeat(64);
    await contract(
      'iocs.devices_count',
      { type: 'sha256', value: sha },
      { query: { type: ['sha256'], value: [sha] } },
    );
    await contract(
      'DevicesRanOn',
      { type: 'sha256', value: sha },
      { query: { type: ['sha256'], value: [sha] } },
    );
    await contract(
      'ProcessesRanOn',
      { type: 'sha256', value: sha, device_id: 'b'.repeat(32) },
      { query: { type: ['sha256'], value: [sha], device_id: ['b'.repeat(32)] } },
    );
    const pid = ids.process ?? [];
    const details = await contract('entities_processes', { ids: pid.join(',') }, { query: { ids: pid } });
    expect(field(details, 'process_id')).toEqual(pid);
  });
});

describe('ODS', () => {
  it('queries and gets', async () => {
    ids.scans = strings(
      await contract(
        'query_scans',
        { limit: 2, sort: 'created_on|desc' },
        { query: { limit: ['2'], sort: ['created_on|desc'] } },
      ),
    );
    await contract('get_scans_by_scan_ids_v1', { ids: ids.scans }, { query: { ids: ids.scans ?? [] } });
    await contract('ods.get_scans', { ids: ids.scans }, { query: { ids: ids.scans ?? [] } });
    ids.scheduled = strings(await contract('query_scheduled_scans', {}, {}));
    await contract('get_scheduled_scans', { ids: ids.scheduled }, { query: { ids: ids.scheduled ?? [] } });
    ids.scanHosts = strings(await contract('query_scan_hosts', { limit: 2 }, { query: { limit: ['2'] } }));
    await contract('get_scan_hosts', { ids: ids.scanHosts }, { query: { ids: ids.scanHosts ?? [] } });
    ids.files = strings(await contract('query_malicious_files', { limit: 2 }, { query: { limit: ['2'] } }));
    await contract('get_malicious_files', { ids: ids.files }, { query: { ids: ids.files ?? [] } });
  });
  it('aggregates (list bodies)', async () => {
    await contract('aggregate_scans', AGG, { body: [AGG] });
    await contract('aggregate_scheduled_scans', AGG, { body: [AGG] });
    await contract('ods.aggregate_scan_hosts', AGG, { body: [AGG] });
  });
  it('create, schedule, cancel, delete', async () => {
    const hosts = field(
      await client
        .call('GetSensorDetails', {
          ids: strings((await client.call('query_sensors', { limit: 1 })).resources, 1),
        })
        .then((r) => r.resources),
      'device_id',
    );
    const scan = {
      hosts: hosts.length > 0 ? hosts : ['c'.repeat(32)],
      file_paths: ['C:\\Users'],
      cpu_priority: 2,
      quarantine: true,
    };
    await contract('create_scan', scan, { body: scan });
    const schedule = {
      host_groups: ['d'.repeat(32)],
      file_paths: ['C:\\'],
      schedule: { start_timestamp: '2030-01-01T00:00', interval: 7 },
    };
    const scheduled = await contract('schedule_scan', schedule, { body: schedule });
    await contract(
      'cancel_scans',
      { ids: ids.scans?.slice(0, 1) },
      { body: { ids: ids.scans?.slice(0, 1) } },
    );
    const sid = field(scheduled, 'id');
    await contract('delete_scheduled_scans', { ids: sid }, { query: { ids: sid } });
  });
});

describe('Identity Protection', () => {
  it('sensors', async () => {
    ids.sensors = strings(
      await contract(
        'query_sensors',
        { limit: 2, sort: 'hostname.asc' },
        { query: { limit: ['2'], sort: ['hostname.asc'] } },
      ),
    );
    await contract('get_sensor_details', { ids: ids.sensors }, { body: { ids: ids.sensors } });
    await contract('get_sensor_aggregates', AGG, { body: [AGG] });
  });
  it('policy rules and GraphQL', async () => {
    await contract('query_policy_rules', { enabled: true }, { query: { enabled: ['true'] } });
    const rule = {
      name: 'contract rule',
      action: 'BLOCK',
      trigger: 'access',
      enabled: true,
      simulationMode: false,
    };
    const created = await contract('identity_protection.create_policy_rules', rule, { body: rule });
    const rid = field(created, 'id');
    await contract('get_policy_rules', { ids: rid }, { query: { ids: rid } });
    await contract('delete_policy_rules', { ids: rid }, { query: { ids: rid } });
    const gql = {
      query: '{ entities(first: 2) { nodes { primaryDisplayName } pageInfo { hasNextPage endCursor } } }',
    };
    await contract('graphql', gql, { body: gql });
  });
});

describe('Alerts', () => {
  it('query, get, aggregate, update', async () => {
    ids.alerts = strings(
      await contract(
        'alerts.query_alerts_v2',
        { limit: 2, filter: "product:'epp'" },
        { query: { limit: ['2'], filter: ["product:'epp'"] } },
      ),
    );
    const found = await contract(
      'get_alerts_v2',
      { composite_ids: ids.alerts },
      { body: { composite_ids: ids.alerts } },
    );
    expect(field(found, 'composite_id')).toEqual(expect.arrayContaining(ids.alerts ?? []));
    await contract('get_aggregate_alerts_v2', AGG, { body: [AGG] });
    const target = ids.alerts?.slice(0, 1);
    await contract(
      'update_alerts_v3',
      { composite_ids: target, update_status: 'in_progress', append_comment: 'contract' },
      {
        body: {
          composite_ids: target,
          action_parameters: [
            { name: 'update_status', value: 'in_progress' },
            { name: 'append_comment', value: 'contract' },
          ],
        },
      },
    );
  });
});

describe('Cases', () => {
  it('create, query, get, update, evidence, tags', async () => {
    const alert = ids.alerts?.[0] ?? 'unknown';
    const newCase = {
      name: 'contract case',
      description: 'from the contract suite',
      status: 'new',
      severity: 50,
      evidence: { alerts: [{ id: alert }], events: [], leads: [] },
    };
    const created = await contract('cases.create_case', newCase, { body: newCase });
    const caseId = field(created, 'id')[0] ?? '';
    const found = strings(await contract('query_case_ids', { limit: 5 }, { query: { limit: ['5'] } }), 5);
    expect(found).toContain(caseId);
    await contract('get_cases', { ids: [caseId] }, { body: { ids: [caseId] } });
    await contract(
      'update_case_fields',
      { id: caseId, fields: { status: 'in_progress' } },
      { body: { id: caseId, fields: { status: 'in_progress' } } },
    );
    await contract(
      'add_case_alert_evidence',
      { id: caseId, alerts: [{ id: alert }] },
      { body: { id: caseId, alerts: [{ id: alert }] } },
    );
    await contract(
      'add_case_tags',
      { id: caseId, tags: ['t1', 't2'] },
      { body: { id: caseId, tags: ['t1', 't2'] } },
    );
    await contract(
      'delete_case_tags',
      { id: caseId, tag: ['t1', 't2'] },
      { query: { id: [caseId], tag: ['t1', 't2'] } },
    );
    await contract(
      'add_case_event_evidence',
      { id: caseId, events: [{ id: 'event-1' }] },
      { body: { id: caseId, events: [{ id: 'event-1' }] } },
    );
  });
});

describe('Alerts, older versions', () => {
  it('query v1, get v1, PATCH v2, aggregates v1, combined v1', async () => {
    const found = strings(
      await contract(
        'GetQueriesAlertsV1',
        { limit: 2, filter: "product:'epp'" },
        { query: { limit: ['2'], filter: ["product:'epp'"] } },
      ),
    );
    const got = await contract('PostEntitiesAlertsV1', { ids: found }, { body: { ids: found } });
    expect(field(got, 'composite_id')).toEqual(expect.arrayContaining(found));
    const target = found.slice(0, 1);
    const actions = [{ name: 'add_tag', value: 'contract-v2' }];
    await contract(
      'PatchEntitiesAlertsV2',
      { ids: target, action_parameters: actions },
      { body: { ids: target, action_parameters: actions } },
    );
    await contract('PostAggregatesAlertsV1', AGG, { body: [AGG] });
    const combined = await contract(
      'PostCombinedAlertsV1',
      { filter: "product:'epp'", limit: 2, sort: 'created_timestamp|asc' },
      { body: { filter: "product:'epp'", limit: 2, sort: 'created_timestamp|asc' } },
    );
    expect(combined).toHaveLength(2);
  });
});

describe('Case Management administration', () => {
  const CHANNELS = [{ type: 'email', config_id: 'c1', params: { to: 'soc@example.com' } }];
  const GOALS = [{ type: 'triage', duration_seconds: 3600 }];
  const families = [
    { stem: 'notification_groups', version: 'v1', body: { name: 'contract group v1', channels: CHANNELS } },
    { stem: 'notification_groups', version: 'v2', body: { name: 'contract group v2', channels: CHANNELS } },
    { stem: 'slas', version: 'v1', body: { name: 'contract sla', goals: GOALS } },
    { stem: 'templates', version: 'v1', body: { name: 'contract template' } },
  ] as const;
  const COUNT = [{ type: 'count', name: 'all' }];

  for (const f of families) {
    it(`${f.stem} ${f.version}: create, query, get, update, aggregate, delete`, async () => {
      const created = await contract(`entities_${f.stem}_post_${f.version}`, f.body, { body: f.body });
      const id = field(created, 'id')[0] ?? '';
      expect(id).not.toBe('');
      const listed = await contract(
        `queries_${f.stem}_get_${f.version}`,
        { limit: 200 },
        { query: { limit: ['200'] } },
      );
      expect(listed).toContain(id);
      const got = await contract(
        `entities_${f.stem}_get_${f.version}`,
        { ids: [id] },
        { query: { ids: [id] } },
      );
      expect(field(got, 'name')).toEqual([f.body.name]);
      const update = { id, name: `${f.body.name} renamed` };
      await contract(`entities_${f.stem}_patch_${f.version}`, update, { body: update });
      await contract(`aggregates_${f.stem}_post_${f.version}`, { body: COUNT }, { body: COUNT });
      const deleted = await contract(
        `entities_${f.stem}_delete_${f.version}`,
        { ids: [id] },
        { query: { ids: [id] } },
      );
      expect(deleted).toEqual([id]);
    });
  }

  it('fields and access tags', async () => {
    const fieldIds = strings(
      await contract('queries_fields_get_v1', { limit: 5 }, { query: { limit: ['5'] } }),
      5,
    );
    const fields = await contract('entities_fields_get_v1', { ids: fieldIds }, { query: { ids: fieldIds } });
    expect(field(fields, 'id')).toEqual(fieldIds);
    const tagIds = strings(
      await contract('queries_access_tags_get_v1', { limit: 5 }, { query: { limit: ['5'] } }),
      5,
    );
    const tags = await contract('entities_access_tags_get_v1', { ids: tagIds }, { query: { ids: tagIds } });
    expect(field(tags, 'id')).toEqual(tagIds);
    await contract('aggregates_access_tags_post_v1', { body: COUNT }, { body: COUNT });
  });
});

describe('Hosts', () => {
  it('queries, details, online state', async () => {
    const q = { limit: 3, filter: "platform_name:'Windows'", sort: 'hostname.asc' };
    const wire = { limit: ['3'], filter: ["platform_name:'Windows'"], sort: ['hostname.asc'] };
    ids.hosts = strings(await contract('hosts.query_devices_by_filter', q, { query: wire }), 3);
    const scrolled = await contract('QueryDevicesByFilterScroll', q, { query: wire });
    expect(scrolled).toEqual(ids.hosts);
    await contract('query_hidden_devices', { limit: 3 }, { query: { limit: ['3'] } });
    const combined = await contract(
      'query_devices_by_filter_combined',
      { ...q, fields: 'device_id,hostname' },
      { query: { ...wire, fields: ['device_id,hostname'] } },
    );
    expect(field(combined, 'device_id')).toEqual(ids.hosts);
    const hosts = ids.hosts ?? [];
    const v2 = await contract('get_device_details_v2', { ids: hosts }, { query: { ids: hosts } });
    expect(field(v2, 'device_id')).toEqual(hosts);
    const posted = await contract('hosts.get_device_details', { ids: hosts }, { body: { ids: hosts } });
    expect(field(posted, 'status')).toEqual(hosts.map(() => 'normal'));
    const online = await contract('get_online_state', { ids: hosts }, { query: { ids: hosts } });
    expect(field(online, 'id')).toEqual(hosts);
  });

  it('perform action (202) and tags', async () => {
    const target = ids.hosts?.slice(0, 1) ?? [];
    const contained = await contract(
      'hosts.perform_action',
      { action_name: 'contain', ids: target },
      { query: { action_name: ['contain'] }, body: { ids: target } },
    );
    expect(field(contained, 'id')).toEqual(target);
    const tags = ['FalconGroupingTags/contract'];
    await contract(
      'update_device_tags',
      { action: 'add', device_ids: target, tags },
      { body: { action: 'add', device_ids: target, tags } },
    );
    const contain = emulator.admin.audit().filter((e) => e.operationId === 'PerformActionV2');
    expect(contain.map((e) => [e.action, e.ids])).toEqual([['contain', target]]);
  });
});

describe('Real Time Response', () => {
  /** An online Windows host, found through the Hosts routes. */
  async function onlineWindowsHost(): Promise<string> {
    const listed = await client.call('QueryDevicesByFilter', {
      filter: "platform_name:'Windows'",
      limit: 100,
    });
    const states = await client.call('GetOnlineState_V1', { ids: listed.resources });
    const online = states.resources.find((s) => (s as { state?: string }).state === 'online') as
      | { id: string }
      | undefined;
    expect(online, 'the seeded world has an online Windows host').toBeDefined();
    return online?.id ?? '';
  }

  async function command(
    execute: string,
    check: string,
    session_id: string,
    base_command: string,
    command_string: string,
  ): Promise<void> {
    const body = { base_command, command_string, session_id };
    const sent = await contract(execute, body, { body });
    const cloudRequestId = field(sent, 'cloud_request_id')[0] ?? '';
    expect(cloudRequestId).not.toBe('');
    const status = await contract(
      check,
      { cloud_request_id: cloudRequestId, sequence_id: 0 },
      { query: { cloud_request_id: [cloudRequestId], sequence_id: ['0'] } },
    );
    expect(status).toHaveLength(1);
  }

  it('a session: init, pulse, list, commands of the three levels, files, delete', async () => {
    const host = await onlineWindowsHost();
    const opened = await contract('RTR_InitSession', { device_id: host }, { body: { device_id: host } });
    const sessionId = field(opened, 'session_id')[0] ?? '';
    expect(sessionId).not.toBe('');
    await contract('RTR_PulseSession', { device_id: host }, { body: { device_id: host } });
    expect(await contract('RTR_ListAllSessions', { limit: 100 }, { query: { limit: ['100'] } })).toContain(
      sessionId,
    );
    const details = await contract('RTR_ListSessions', { ids: [sessionId] }, { body: { ids: [sessionId] } });
    expect(field(details, 'id')).toEqual([sessionId]);
    await command('RTR_ExecuteCommand', 'RTR_CheckCommandStatus', sessionId, 'ls', 'ls C:\\');
    await command(
      'RTR_ExecuteActiveResponderCommand',
      'RTR_CheckActiveResponderCommandStatus',
      sessionId,
      'get',
      'get C:\\Users\\Public\\Downloads\\invoice.pdf',
    );
    await command('RTR_ExecuteAdminCommand', 'RTR_CheckAdminCommandStatus', sessionId, 'ps', 'ps');
    const files = await contract(
      'RTR_ListFilesV2',
      { session_id: sessionId },
      { query: { session_id: [sessionId] } },
    );
    const sha256 = field(files, 'sha256')[0] ?? '';
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    const contents = await contract(
      'RTR_GetExtractedFileContents',
      { session_id: sessionId, sha256 },
      { query: { session_id: [sessionId], sha256: [sha256] } },
    );
    // The answer is the file's bytes (a 7z archive on the real API), handed back as one resource.
    expect(contents).toHaveLength(1);
    const file = contents[0] as { size: number; base64: string; content_type: string };
    expect(file.size).toBeGreaterThan(0);
    expect(Buffer.from(file.base64, 'base64')).toHaveLength(file.size);
    await contract('RTR_DeleteSession', { session_id: sessionId }, { query: { session_id: [sessionId] } });
  });

  it('a batch: init, refresh, commands of the three levels, get and its status', async () => {
    const host = await onlineWindowsHost();
    const init = await client.call('BatchInitSessions', { host_ids: [host] });
    expect(init.resources).toHaveLength(1);
    const opened = await contract('BatchInitSessions', { host_ids: [host] }, { body: { host_ids: [host] } });
    expect(field(opened, 'aid')).toEqual([host]);
    const batchId = String(init.meta['batch_id']);
    await contract('BatchRefreshSessions', { batch_id: batchId }, { body: { batch_id: batchId } });
    for (const [op, base] of [
      ['BatchCmd', 'ls'],
      ['BatchActiveResponderCmd', 'ps'],
      ['BatchAdminCmd', 'ps'],
    ] as const) {
      const body = { batch_id: batchId, base_command: base, command_string: base };
      expect(await contract(op, body, { body })).toHaveLength(1);
    }
    const getBody = { batch_id: batchId, file_path: 'C:\\Users\\Public\\Downloads\\invoice.pdf' };
    await contract('BatchGetCmd', getBody, { body: getBody });
    const again = await client.call('BatchGetCmd', getBody);
    const requestId = String(again.meta['batch_get_cmd_req_id']);
    const status = await contract(
      'BatchGetCmdStatus',
      { batch_get_cmd_req_id: requestId },
      { query: { batch_get_cmd_req_id: [requestId] } },
    );
    expect(status).toHaveLength(1);
  });

  it('scripts and Falcon scripts', async () => {
    const scripts = strings(await contract('RTR_ListScripts', { limit: 5 }, { query: { limit: ['5'] } }), 5);
    await contract('RTR_GetScriptsV2', { ids: scripts }, { query: { ids: scripts } });
    const falconScripts = strings(
      await contract('RTR_ListFalconScripts', { limit: 5 }, { query: { limit: ['5'] } }),
      5,
    );
    await contract('RTR_GetFalconScripts', { ids: falconScripts }, { query: { ids: falconScripts } });
  });
});

describe('Event Streams', () => {
  it('list, then refresh the partition', async () => {
    const streams = await contract(
      'event_streams.list_available_streams',
      { appId: 'contract1', format: 'json' },
      { query: { appId: ['contract1'], format: ['json'] } },
    );
    expect(streams).toHaveLength(1);
    await contract(
      'refresh_active_stream',
      { action_name: 'refresh_active_stream_session', appId: 'contract1', partition: 0 },
      {
        path: '/sensors/entities/datafeed-actions/v1/0',
        query: { action_name: ['refresh_active_stream_session'], appId: ['contract1'] },
      },
    );
  });
});

describe('Flight Control (MSSP)', () => {
  it('query the children, then get them', async () => {
    const children = strings(
      await contract('mssp.query_children', { limit: 2 }, { query: { limit: ['2'] } }),
      2,
    );
    await contract('getChildren', { ids: children }, { query: { ids: children } });
  });
});

describe('coverage', () => {
  it('exercised every operation of the table', () => {
    expect(ALL_OPERATIONS.map((op) => op.operationId).filter((id) => !exercised.has(id))).toEqual([]);
  });
});
