/**
 * Every operation of the operations table, over real HTTP: served with its success status, in the
 * envelope, with the exact headers, logged with its operationId; and scope-checked (a client
 * without the operation's scope gets 403, a client with only that scope gets through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_OPERATIONS, type OperationSpec } from '../../src/falcon/operations/index.ts';
import { type RunningEmulator, unservedOperations } from '../../src/emulator/index.ts';
import { type CallOptions, call, client, login, startTestEmulator } from './helpers.ts';

let emulator: RunningEmulator;
let token: string;
const ids: Record<string, string> = {};

type Sample = (op: OperationSpec) => CallOptions;

const terms = [{ type: 'terms', field: 'status', name: 'by_status' }];
const SAMPLES: Record<string, Sample> = {
  getChildren: () => ({ query: { ids: [emulator.admin.children()[0]?.child_cid ?? ''] } }),
  GetDetectSummaries: () => ({ json: { ids: [ids['detection']] } }),
  UpdateDetectsByIdsV2: () => ({ json: { ids: [ids['detection']], status: 'in_progress' } }),
  GetAggregateDetects: () => ({ json: terms }),
  GetIncidents: () => ({ json: { ids: [ids['incident']] } }),
  GetBehaviors: () => ({ json: { ids: [ids['behavior']] } }),
  PerformIncidentAction: () => ({
    json: { ids: [ids['incident']], action_parameters: [{ name: 'add_tag', value: 't' }] },
  }),
  indicator_get_v1: () => ({ query: { ids: [ids['ioc'] as string] } }),
  indicator_create_v1: () => ({
    json: {
      indicators: [
        {
          type: 'domain',
          value: 'routes-test.example.com',
          action: 'detect',
          severity: 'high',
          platforms: ['windows'],
          applied_globally: true,
        },
      ],
    },
  }),
  indicator_update_v1: () => ({ json: { indicators: [{ id: ids['ioc'], description: 'updated' }] } }),
  indicator_delete_v1: () => ({ query: { ids: [ids['iocToDelete'] as string] } }),
  indicator_aggregate_v1: () => ({ json: { type: 'terms', field: 'type', name: 'types' } }),
  indicator_get_device_count_v1: () => ({ query: { type: 'sha256', value: ids['sha256'] as string } }),
  indicator_get_devices_ran_on_v1: () => ({ query: { type: 'sha256', value: ids['sha256'] as string } }),
  indicator_get_processes_ran_on_v1: () => ({
    query: { type: 'sha256', value: ids['sha256'] as string, device_id: ids['aid'] as string },
  }),
  action_get_v1: () => ({ query: { ids: ['detect'] } }),
  GetIndicatorsReport: () => ({ json: { report_format: 'csv', search: { filter: "type:'domain'" } } }),
  DevicesCount: () => ({ query: { type: 'sha256', value: ids['sha256'] as string } }),
  DevicesRanOn: () => ({ query: { type: 'sha256', value: ids['sha256'] as string } }),
  ProcessesRanOn: () => ({
    query: { type: 'sha256', value: ids['sha256'] as string, device_id: ids['aid'] as string },
  }),
  entities_processes: () => ({ query: { ids: [ids['process'] as string] } }),
  get_scans_by_scan_ids: () => ({ query: { ids: [ids['scan'] as string] } }),
  get_scans_by_scan_ids_v2: () => ({ query: { ids: [ids['scan'] as string] } }),
  get_scheduled_scans_by_scan_ids: () => ({ query: { ids: [ids['scheduledScan'] as string] } }),
  get_scan_host_metadata_by_ids: () => ({ query: { ids: [ids['scanHost'] as string] } }),
  get_malicious_files_by_ids: () => ({ query: { ids: [ids['maliciousFile'] as string] } }),
  create_scan: () => ({
    json: { hosts: [ids['aid']], file_paths: ['C:\\Users\\**'], description: 'routes test' },
  }),
  schedule_scan: () => ({
    json: { host_groups: ['hg1'], schedule: { start_timestamp: '2026-12-01T10:00', interval: 7 } },
  }),
  delete_scheduled_scans: () => ({ query: { ids: [ids['scheduledScanToDelete'] as string] } }),
  cancel_scans: () => ({ json: { ids: [ids['pendingScan']] } }),
  aggregate_scans: () => ({ json: terms }),
  aggregate_scheduled_scans: () => ({ json: terms }),
  aggregate_query_scan_host_metadata: () => ({ json: terms }),
  GetSensorDetails: () => ({ json: { ids: [ids['sensor']] } }),
  GetSensorAggregates: () => ({ json: { type: 'terms', field: 'status', name: 'status' } }),
  get_policy_rules: () => ({ query: { ids: [ids['rule'] as string] } }),
  post_policy_rules: () => ({
    json: { name: 'MFA for admins', action: 'MFA', trigger: 'access', enabled: true, simulationMode: false },
  }),
  delete_policy_rules: () => ({ query: { ids: [ids['ruleToDelete'] as string] } }),
  api_preempt_proxy_post_graphql: () => ({
    json: { query: '{ entities(first: 2) { nodes { entityId } pageInfo { hasNextPage endCursor } } }' },
  }),
  PostEntitiesAlertsV2: () => ({ json: { composite_ids: [ids['alert']] } }),
  PatchEntitiesAlertsV3: () => ({
    json: { composite_ids: [ids['alert']], action_parameters: [{ name: 'add_tag', value: 'x' }] },
  }),
  PostAggregatesAlertsV2: () => ({ json: [{ type: 'terms', field: 'product', name: 'products' }] }),
  PostEntitiesAlertsV1: () => ({ json: { ids: [ids['alert']] } }),
  PatchEntitiesAlertsV2: () => ({
    json: { ids: [ids['alert']], action_parameters: [{ name: 'add_tag', value: 'v2' }] },
  }),
  PostAggregatesAlertsV1: () => ({ json: [{ type: 'terms', field: 'product', name: 'products' }] }),
  PostCombinedAlertsV1: () => ({ json: { filter: "product:'epp'", limit: 5 } }),
  entities_templates_get_v1: () => ({ query: { ids: [ids['template'] as string] } }),
  entities_templates_post_v1: () => ({
    json: { name: 't', sla_id: ids['sla'], fields: [{ name: 'f', data_type: 'string' }] },
  }),
  entities_templates_patch_v1: () => ({ json: { id: ids['template'], description: 'updated' } }),
  entities_templates_delete_v1: () => ({ query: { ids: [ids['spareTemplate'] as string] } }),
  aggregates_templates_post_v1: () => ({ json: [{ type: 'terms', field: 'name', name: 'names' }] }),
  entities_slas_get_v1: () => ({ query: { ids: [ids['sla'] as string] } }),
  entities_slas_post_v1: () => ({ json: { name: 's', goals: [{ type: 'triage', duration_seconds: 60 }] } }),
  entities_slas_patch_v1: () => ({ json: { id: ids['sla'], description: 'updated' } }),
  entities_slas_delete_v1: () => ({ query: { ids: [ids['spareSla'] as string] } }),
  aggregates_slas_post_v1: () => ({ json: [{ type: 'terms', field: 'name', name: 'names' }] }),
  entities_notification_groups_get_v1: () => ({ query: { ids: [ids['group'] as string] } }),
  entities_notification_groups_post_v1: () => ({ json: { name: 'g', channels: [{ type: 'email' }] } }),
  entities_notification_groups_patch_v1: () => ({ json: { id: ids['group'], description: 'updated' } }),
  entities_notification_groups_delete_v1: () => ({ query: { ids: [ids['spareGroup1'] as string] } }),
  aggregates_notification_groups_post_v1: () => ({ json: [{ type: 'terms', field: 'name', name: 'n' }] }),
  entities_notification_groups_get_v2: () => ({ query: { ids: [ids['group'] as string] } }),
  entities_notification_groups_post_v2: () => ({
    json: { name: 'g2', channels: [{ type: 'email', config_id: 'c', params: {} }] },
  }),
  entities_notification_groups_patch_v2: () => ({ json: { id: ids['group'], name: 'renamed' } }),
  entities_notification_groups_delete_v2: () => ({ query: { ids: [ids['spareGroup2'] as string] } }),
  aggregates_notification_groups_post_v2: () => ({ json: [{ type: 'terms', field: 'name', name: 'n' }] }),
  entities_fields_get_v1: () => ({ query: { ids: [ids['field'] as string] } }),
  entities_access_tags_get_v1: () => ({ query: { ids: [ids['accessTag'] as string] } }),
  aggregates_access_tags_post_v1: () => ({ json: [{ type: 'terms', field: 'key', name: 'keys' }] }),
  RTR_InitSession: () => ({ json: { device_id: ids['rtrHost'] } }),
  RTR_DeleteSession: () => ({ query: { session_id: ids['rtrSpareSession'] as string } }),
  RTR_ListSessions: () => ({ json: { ids: [ids['rtrSession']] } }),
  RTR_PulseSession: () => ({ json: { device_id: ids['rtrHost'] } }),
  RTR_ExecuteCommand: () => ({
    json: { session_id: ids['rtrSession'], base_command: 'ps', command_string: 'ps' },
  }),
  RTR_CheckCommandStatus: () => ({ query: { cloud_request_id: ids['rtrRead'] as string, sequence_id: '0' } }),
  RTR_ExecuteActiveResponderCommand: () => ({
    json: { session_id: ids['rtrSession'], base_command: 'filehash', command_string: 'filehash /etc/hosts' },
  }),
  RTR_CheckActiveResponderCommandStatus: () => ({
    query: { cloud_request_id: ids['rtrActive'] as string, sequence_id: '0' },
  }),
  RTR_ExecuteAdminCommand: () => ({
    json: {
      session_id: ids['rtrSession'],
      base_command: 'runscript',
      command_string: 'runscript -Raw=```ls```',
    },
  }),
  RTR_CheckAdminCommandStatus: () => ({
    query: { cloud_request_id: ids['rtrAdmin'] as string, sequence_id: '0' },
  }),
  BatchInitSessions: () => ({ json: { host_ids: [ids['rtrHost']] } }),
  BatchRefreshSessions: () => ({ json: { batch_id: ids['rtrBatch'] } }),
  BatchCmd: () => ({
    json: { batch_id: ids['rtrBatch'], base_command: 'netstat', command_string: 'netstat' },
  }),
  BatchActiveResponderCmd: () => ({
    json: { batch_id: ids['rtrBatch'], base_command: 'cat', command_string: 'cat /etc/hosts' },
  }),
  BatchAdminCmd: () => ({ json: { batch_id: ids['rtrBatch'], base_command: 'env', command_string: 'env' } }),
  BatchGetCmd: () => ({ json: { batch_id: ids['rtrBatch'], file_path: '/no/such/file' } }),
  BatchGetCmdStatus: () => ({ query: { batch_get_cmd_req_id: ids['rtrBatchGet'] as string } }),
  RTR_ListFilesV2: () => ({ query: { session_id: ids['rtrSession'] as string } }),
  RTR_GetExtractedFileContents: () => ({
    query: { session_id: ids['rtrSession'] as string, sha256: ids['rtrSha256'] as string },
  }),
  RTR_GetScriptsV2: () => ({ query: { ids: [ids['rtrScript'] as string] } }),
  RTR_GetFalconScripts: () => ({ query: { ids: [ids['rtrFalconScript'] as string] } }),
  entities_cases_post_v2: () => ({ json: { ids: [ids['case']] } }),
  entities_cases_put_v2: () => ({ json: { name: 'n', description: 'd', status: 'new', severity: 50 } }),
  entities_cases_patch_v2: () => ({ json: { id: ids['case'], fields: { status: 'in_progress' } } }),
  entities_alert_evidence_post_v1: () => ({ json: { id: ids['case'], alerts: [{ id: ids['alert'] }] } }),
  entities_case_tags_post_v1: () => ({ json: { id: ids['case'], tags: ['t1'] } }),
  entities_case_tags_delete_v1: () => ({ query: { id: ids['case'] as string, tag: ['t1'] } }),
  entities_event_evidence_post_v1: () => ({ json: { id: ids['case'], events: [{ id: 'event-1' }] } }),
  GetDeviceDetailsV2: () => ({ query: { ids: [ids['aid'] as string] } }),
  PostDeviceDetailsV2: () => ({ json: { ids: [ids['aid']] } }),
  PerformActionV2: () => ({ query: { action_name: 'detection_suppress' }, json: { ids: [ids['aid']] } }),
  UpdateDeviceTags: () => ({
    json: { action: 'add', device_ids: [ids['aid']], tags: ['FalconGroupingTags/routes-test'] },
  }),
  GetOnlineState_V1: () => ({ query: { ids: [ids['aid'] as string] } }),
  listAvailableStreamsOAuth2: () => ({ query: { appId: 'routes' } }),
  refreshActiveStreamSession: () => ({
    query: { appId: 'routes', action_name: 'refresh_active_stream_session' },
  }),
};

/** The path to call: path parameters ({partition}) filled with a value the emulator has. */
function routeOf(op: OperationSpec): string {
  return op.path.replace('{partition}', '0');
}

function sample(op: OperationSpec): CallOptions {
  return (SAMPLES[op.operationId] ?? (() => ({})))(op);
}

async function first(path: string, query: Record<string, string> = {}): Promise<string> {
  const reply = await client(emulator, token).get(path, { limit: '5', ...query });
  const id = reply.body.resources[0];
  if (typeof id !== 'string') throw new Error(`no id from ${path}: ${JSON.stringify(reply.body)}`);
  return id;
}

beforeAll(async () => {
  emulator = await startTestEmulator({
    clients: [
      { clientId: 'all', clientSecret: 'all-secret', scopes: '*' },
      { clientId: 'none', clientSecret: 'none-secret', scopes: [] },
      ...[...new Set(ALL_OPERATIONS.map((op) => op.scope))].map((scope) => ({
        clientId: scope,
        clientSecret: 's',
        scopes: [scope],
      })),
    ],
    unauthenticatedRateLimitPerMinute: 10_000,
  });
  token = await login(emulator.url, 'all', 'all-secret');
  const api = client(emulator, token);
  ids['detection'] = await first('/detects/queries/detects/v1');
  ids['incident'] = await first('/incidents/queries/incidents/v1');
  ids['behavior'] = await first('/incidents/queries/behaviors/v1');
  ids['ioc'] = await first('/iocs/queries/indicators/v1');
  const hashIocs = await api.get('/iocs/queries/indicators/v1', { filter: "type:'domain'", limit: '5' });
  ids['iocToDelete'] = hashIocs.body.resources[0] as string;
  const summary = (await api.post('/detects/entities/summaries/GET/v1', { ids: [ids['detection']] })).body
    .resources[0] as {
    device: { device_id: string };
    behaviors: { sha256: string; triggering_process_graph_id: string }[];
  };
  ids['aid'] = summary.device.device_id;
  ids['sha256'] = summary.behaviors[0]?.sha256 as string;
  ids['process'] = summary.behaviors[0]?.triggering_process_graph_id as string;
  ids['scan'] = await first('/ods/queries/scans/v1');
  ids['pendingScan'] = (
    await api.post('/ods/entities/scans/v1', { hosts: [ids['aid']], description: 'to cancel' })
  ).body.resources.map((s) => (s as { id: string }).id)[0] as string;
  ids['scheduledScan'] = await first('/ods/queries/scheduled-scans/v1');
  ids['scheduledScanToDelete'] = await first('/ods/queries/scheduled-scans/v1', { offset: '1' });
  ids['scanHost'] = await first('/ods/queries/scan-hosts/v1');
  ids['maliciousFile'] = await first('/ods/queries/malicious-files/v1');
  ids['sensor'] = await first('/identity-protection/queries/devices/v1');
  const rules = (await api.get('/identity-protection/queries/policy-rules/v1')).body.resources as string[];
  ids['rule'] = rules[0] as string;
  ids['ruleToDelete'] = rules[1] as string;
  ids['alert'] = await first('/alerts/queries/alerts/v2', { filter: "product:'epp'" });
  ids['case'] = await first('/cases/queries/cases/v1');
  ids['template'] = await first('/casemgmt/queries/templates/v1');
  ids['sla'] = await first('/casemgmt/queries/slas/v1');
  ids['group'] = await first('/casemgmt/queries/notification-groups/v1');
  ids['field'] = await first('/casemgmt/queries/fields/v1');
  ids['accessTag'] = await first('/casemgmt/queries/access-tags/v1');
  const created = async (path: string, json: unknown) =>
    ((await api.post(path, json)).body.resources[0] as { id: string }).id;
  ids['spareSla'] = await created('/casemgmt/entities/slas/v1', { name: 'spare', goals: [] });
  ids['spareTemplate'] = await created('/casemgmt/entities/templates/v1', { name: 'spare' });
  ids['spareGroup1'] = await created('/casemgmt/entities/notification-groups/v1', {
    name: 'a',
    channels: [],
  });
  await rtrFixtures(api);
  ids['spareGroup2'] = await created('/casemgmt/entities/notification-groups/v2', {
    name: 'b',
    channels: [],
  });
  // A stream session for appId "routes", so the refresh route has one to extend.
  await api.get('/sensors/entities/datafeed/v2', { appId: 'routes' });
});

/** An online host with a session, a second session to delete, a batch, one command of each kind, a file. */
async function rtrFixtures(api: ReturnType<typeof client>): Promise<void> {
  const detections = (await api.get('/detects/queries/detects/v1', { limit: '40' })).body.resources;
  const summaries = (await api.post('/detects/entities/summaries/GET/v1', { ids: detections })).body
    .resources as { device: { device_id: string; platform_name: string } }[];
  const linux = [
    ...new Set(summaries.filter((d) => d.device.platform_name !== 'Windows').map((d) => d.device.device_id)),
  ];
  const init = await api.post('/real-time-response/combined/batch-init-session/v1', { host_ids: linux });
  const online = Object.values(
    init.body['resources'] as unknown as Record<string, { aid: string; session_id: string }>,
  )
    .filter((h) => h.session_id !== '')
    .map((h) => h.aid);
  if (online.length < 2) throw new Error(`need two online non-Windows hosts, got ${online.length}`);
  ids['rtrBatch'] = init.body['batch_id'] as string;
  const hosts = init.body['resources'] as unknown as Record<string, { session_id: string }>;
  ids['rtrHost'] = online[0] as string;
  ids['rtrSession'] = hosts[online[0] as string]?.session_id as string;
  ids['rtrSpareSession'] = hosts[online[1] as string]?.session_id as string;
  const run = async (path: string, base: string, line: string) =>
    (
      (await api.post(path, { session_id: ids['rtrSession'], base_command: base, command_string: line })).body
        .resources[0] as { cloud_request_id: string }
    ).cloud_request_id;
  ids['rtrRead'] = await run('/real-time-response/entities/command/v1', 'ls', 'ls /etc');
  ids['rtrActive'] = await run(
    '/real-time-response/entities/active-responder-command/v1',
    'get',
    'get /etc/hosts',
  );
  ids['rtrAdmin'] = await run('/real-time-response/entities/admin-command/v1', 'ps', 'ps');
  ids['rtrSha256'] = (
    (await api.get('/real-time-response/entities/file/v2', { session_id: ids['rtrSession'] as string })).body
      .resources[0] as { sha256: string }
  ).sha256;
  ids['rtrBatchGet'] = (
    await api.post('/real-time-response/combined/batch-get-command/v1', {
      batch_id: ids['rtrBatch'],
      file_path: '/etc/passwd',
    })
  ).body['batch_get_cmd_req_id'] as string;
  ids['rtrScript'] = await first('/real-time-response/queries/scripts/v1');
  ids['rtrFalconScript'] = await first('/real-time-response/queries/falcon-scripts/v1');
}

afterAll(async () => {
  await emulator?.close();
});

const KEYED_BY_HOST = new Set(['BatchInitSessions', 'BatchRefreshSessions', 'BatchGetCmdStatus']);

/** The one operation whose answer is bytes, not the envelope: the file a session's get uploaded. */
async function expectFileBytes(op: OperationSpec): Promise<void> {
  const query = new URLSearchParams(sample(op).query as Record<string, string>);
  const response = await fetch(`${emulator.url}${op.path}?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/octet-stream');
  expect(await response.text()).toContain('localhost');
}

describe('operations table coverage', () => {
  it('has a handler for every operation of the table', () => {
    expect(unservedOperations()).toEqual([]);
  });
});

describe.each(ALL_OPERATIONS.map((op) => [op.operationId, op] as const))('%s', (_name, op) => {
  it(`answers ${op.method} ${op.path} with ${op.successStatus} in the Falcon envelope`, async () => {
    if (op.operationId === 'RTR_GetExtractedFileContents') return expectFileBytes(op);
    const before = emulator.admin.requests().length;
    const reply = await call(emulator.url, op.method, routeOf(op), { token, ...sample(op) });
    expect(reply.body.errors, JSON.stringify(reply.body.errors)).toEqual([]);
    expect(reply.status).toBe(op.successStatus);
    if (KEYED_BY_HOST.has(op.operationId)) {
      // RTR batch answers: resources is an object keyed by host id (falconjs DomainBatchInitSessionResponse).
      expect(typeof reply.body.resources).toBe('object');
      expect(Array.isArray(reply.body.resources)).toBe(false);
      expect(reply.body.meta.trace_id).toBe(reply.headers.get('x-cs-traceid'));
    } else if (op.operationId !== 'api_preempt_proxy_post_graphql') {
      expect(Array.isArray(reply.body.resources)).toBe(true);
      expect(reply.body.meta.trace_id).toBe(reply.headers.get('x-cs-traceid'));
      expect(typeof reply.body.meta.query_time).toBe('number');
      if (op.resources === 'ids') for (const id of reply.body.resources) expect(typeof id).toBe('string');
      if (op.resources === 'entities')
        for (const entity of reply.body.resources) expect(typeof entity).toBe('object');
    } else {
      expect(reply.body['data']).toBeTruthy();
    }
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-ratelimit-limit')).toBe('6000');
    expect(Number(reply.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(reply.headers.has('x-cs-region')).toBe(false);
    const logged = emulator.admin.requests().slice(before);
    expect(logged.map((r) => [r.operationId, r.method, r.path, r.status])).toEqual([
      [op.operationId, op.method, routeOf(op), op.successStatus],
    ]);
  });

  it(`requires the ${op.scope} scope`, async () => {
    const denied = await login(emulator.url, 'none', 'none-secret');
    const refused = await call(emulator.url, op.method, routeOf(op), { token: denied, ...sample(op) });
    expect(refused.status).toBe(403);
    expect(refused.body.errors).toEqual([{ code: 403, message: 'access denied, authorization failed' }]);
    const scoped = await login(emulator.url, op.scope, 's');
    const allowed = await call(emulator.url, op.method, routeOf(op), {
      token: scoped,
      query: sample(op).query ?? {},
    });
    expect(allowed.status).not.toBe(403);
    expect(allowed.status).not.toBe(401);
  });

  it('answers 401 in the gateway envelope without a valid token', async () => {
    const reply = await call(emulator.url, op.method, routeOf(op), { token: 'not-a-token', ...sample(op) });
    expect(reply.status).toBe(401);
    expect(reply.body.meta.powered_by).toBe('crowdstrike-api-gateway');
    expect(reply.body.errors).toEqual([{ code: 401, message: 'access denied, invalid bearer token' }]);
    expect(reply.headers.get('x-ratelimit-limit')).toBe('10000');
  });
});
