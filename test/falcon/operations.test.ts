import { describe, expect, it } from 'vitest';
import {
  ALL_OPERATIONS,
  COLLECTIONS,
  REMOVED_OPERATIONS,
  editDistance,
  findOperation,
  findOperationByRoute,
  operationRoutes,
  operationsByCollection,
  suggestOperations,
} from '../../src/falcon/index.ts';

/** The scopes of falcon-api.md §3, plus Alerts and Cases (docs/falcon-successors.md). */
const KNOWN_SCOPES = new Set([
  'detects:read',
  'detects:write',
  'incidents:read',
  'incidents:write',
  'ioc:read',
  'ioc:write',
  'iocs:read',
  'iocs:write',
  'ods:read',
  'ods:write',
  'identity-entities:read',
  'identity-policy-rules:read',
  'identity-policy-rules:write',
  'identity-graphql:write',
  'alerts:read',
  'alerts:write',
  'cases:read',
  'cases:write',
  'case-templates:read',
  'case-templates:write',
  'devices:read',
  'devices:write',
  'streaming:read',
  'real-time-response:read',
  'real-time-response:write',
  'real-time-response-admin:write',
  'mssp:read',
]);

/** Wire facts copied from falcon-api.md §4 (operationId -> method, path, scope, success status). */
const WIRE: readonly [string, string, string, string, number][] = [
  ['QueryDetects', 'GET', '/detects/queries/detects/v1', 'detects:read', 200],
  ['GetDetectSummaries', 'POST', '/detects/entities/summaries/GET/v1', 'detects:read', 200],
  ['UpdateDetectsByIdsV2', 'PATCH', '/detects/entities/detects/v2', 'detects:write', 200],
  ['GetAggregateDetects', 'POST', '/detects/aggregates/detects/GET/v1', 'detects:read', 200],
  ['QueryIncidents', 'GET', '/incidents/queries/incidents/v1', 'incidents:read', 200],
  ['GetIncidents', 'POST', '/incidents/entities/incidents/GET/v1', 'incidents:read', 200],
  ['QueryBehaviors', 'GET', '/incidents/queries/behaviors/v1', 'incidents:read', 200],
  ['GetBehaviors', 'POST', '/incidents/entities/behaviors/GET/v1', 'incidents:read', 200],
  ['PerformIncidentAction', 'POST', '/incidents/entities/incident-actions/v1', 'incidents:write', 200],
  ['CrowdScore', 'GET', '/incidents/combined/crowdscores/v1', 'incidents:read', 200],
  ['indicator_search_v1', 'GET', '/iocs/queries/indicators/v1', 'ioc:read', 200],
  ['indicator_combined_v1', 'GET', '/iocs/combined/indicator/v1', 'ioc:read', 200],
  ['indicator_get_v1', 'GET', '/iocs/entities/indicators/v1', 'ioc:read', 200],
  ['indicator_create_v1', 'POST', '/iocs/entities/indicators/v1', 'ioc:write', 201],
  ['indicator_update_v1', 'PATCH', '/iocs/entities/indicators/v1', 'ioc:write', 200],
  ['indicator_delete_v1', 'DELETE', '/iocs/entities/indicators/v1', 'ioc:write', 200],
  ['indicator_aggregate_v1', 'POST', '/iocs/aggregates/indicators/v1', 'ioc:read', 200],
  ['indicator_get_device_count_v1', 'GET', '/iocs/aggregates/indicators/device-count/v1', 'ioc:read', 200],
  ['indicator_get_devices_ran_on_v1', 'GET', '/iocs/queries/indicators/devices/v1', 'ioc:read', 200],
  ['indicator_get_processes_ran_on_v1', 'GET', '/iocs/queries/indicators/processes/v1', 'ioc:read', 200],
  ['action_query_v1', 'GET', '/iocs/queries/actions/v1', 'ioc:read', 200],
  ['action_get_v1', 'GET', '/iocs/entities/actions/v1', 'ioc:read', 200],
  ['ioc_type_query_v1', 'GET', '/iocs/queries/ioc-types/v1', 'ioc:read', 200],
  ['platform_query_v1', 'GET', '/iocs/queries/platforms/v1', 'ioc:read', 200],
  ['severity_query_v1', 'GET', '/iocs/queries/severities/v1', 'ioc:read', 200],
  ['GetIndicatorsReport', 'POST', '/iocs/entities/indicators-reports/v1', 'ioc:read', 200],
  ['DevicesCount', 'GET', '/indicators/aggregates/devices-count/v1', 'iocs:read', 200],
  ['DevicesRanOn', 'GET', '/indicators/queries/devices/v1', 'iocs:read', 200],
  ['ProcessesRanOn', 'GET', '/indicators/queries/processes/v1', 'iocs:read', 200],
  ['entities_processes', 'GET', '/processes/entities/processes/v1', 'iocs:read', 200],
  ['query_scans', 'GET', '/ods/queries/scans/v1', 'ods:read', 200],
  ['query_scheduled_scans', 'GET', '/ods/queries/scheduled-scans/v1', 'ods:read', 200],
  ['query_scan_host_metadata', 'GET', '/ods/queries/scan-hosts/v1', 'ods:read', 200],
  ['query_malicious_files', 'GET', '/ods/queries/malicious-files/v1', 'ods:read', 200],
  ['get_scans_by_scan_ids', 'GET', '/ods/entities/scans/v1', 'ods:read', 200],
  ['get_scans_by_scan_ids_v2', 'GET', '/ods/entities/scans/v2', 'ods:read', 200],
  ['get_scheduled_scans_by_scan_ids', 'GET', '/ods/entities/scheduled-scans/v1', 'ods:read', 200],
  ['get_scan_host_metadata_by_ids', 'GET', '/ods/entities/scan-hosts/v1', 'ods:read', 200],
  ['get_malicious_files_by_ids', 'GET', '/ods/entities/malicious-files/v1', 'ods:read', 200],
  ['create_scan', 'POST', '/ods/entities/scans/v1', 'ods:write', 201],
  ['schedule_scan', 'POST', '/ods/entities/scheduled-scans/v1', 'ods:write', 201],
  ['delete_scheduled_scans', 'DELETE', '/ods/entities/scheduled-scans/v1', 'ods:write', 200],
  ['cancel_scans', 'POST', '/ods/entities/scan-control-actions/cancel/v1', 'ods:write', 200],
  ['aggregate_scans', 'POST', '/ods/aggregates/scans/v1', 'ods:write', 200],
  ['aggregate_scheduled_scans', 'POST', '/ods/aggregates/scheduled-scans/v1', 'ods:write', 200],
  ['aggregate_query_scan_host_metadata', 'POST', '/ods/aggregates/scan-hosts/v1', 'ods:write', 200],
  ['QuerySensorsByFilter', 'GET', '/identity-protection/queries/devices/v1', 'identity-entities:read', 200],
  ['GetSensorDetails', 'POST', '/identity-protection/entities/devices/GET/v1', 'identity-entities:read', 200],
  [
    'GetSensorAggregates',
    'POST',
    '/identity-protection/aggregates/devices/GET/v1',
    'identity-entities:read',
    200,
  ],
  [
    'get_policy_rules_query',
    'GET',
    '/identity-protection/queries/policy-rules/v1',
    'identity-policy-rules:read',
    200,
  ],
  [
    'get_policy_rules',
    'GET',
    '/identity-protection/entities/policy-rules/v1',
    'identity-policy-rules:read',
    200,
  ],
  [
    'post_policy_rules',
    'POST',
    '/identity-protection/entities/policy-rules/v1',
    'identity-policy-rules:write',
    200,
  ],
  [
    'delete_policy_rules',
    'DELETE',
    '/identity-protection/entities/policy-rules/v1',
    'identity-policy-rules:write',
    200,
  ],
  [
    'api_preempt_proxy_post_graphql',
    'POST',
    '/identity-protection/combined/graphql/v1',
    'identity-graphql:write',
    200,
  ],
  ['GetQueriesAlertsV2', 'GET', '/alerts/queries/alerts/v2', 'alerts:read', 200],
  ['PostEntitiesAlertsV2', 'POST', '/alerts/entities/alerts/v2', 'alerts:read', 200],
  ['PatchEntitiesAlertsV3', 'PATCH', '/alerts/entities/alerts/v3', 'alerts:write', 200],
  ['PostAggregatesAlertsV2', 'POST', '/alerts/aggregates/alerts/v2', 'alerts:read', 200],
  ['queries_cases_get_v1', 'GET', '/cases/queries/cases/v1', 'cases:read', 200],
  ['entities_cases_post_v2', 'POST', '/cases/entities/cases/v2', 'cases:read', 200],
  ['entities_cases_put_v2', 'PUT', '/cases/entities/cases/v2', 'cases:write', 200],
  ['entities_cases_patch_v2', 'PATCH', '/cases/entities/cases/v2', 'cases:write', 200],
  ['entities_alert_evidence_post_v1', 'POST', '/cases/entities/alert-evidence/v1', 'cases:write', 200],
  ['entities_case_tags_post_v1', 'POST', '/cases/entities/case-tags/v1', 'cases:write', 200],
  ['entities_case_tags_delete_v1', 'DELETE', '/cases/entities/case-tags/v1', 'cases:write', 200],
  ['entities_event_evidence_post_v1', 'POST', '/cases/entities/event-evidence/v1', 'cases:write', 200],
  // falconpy _endpoint/_real_time_response.py and _real_time_response_admin.py (scopes: falcon-response.md).
  ['RTR_InitSession', 'POST', '/real-time-response/entities/sessions/v1', 'real-time-response:read', 201],
  ['RTR_DeleteSession', 'DELETE', '/real-time-response/entities/sessions/v1', 'real-time-response:read', 200],
  ['RTR_ListAllSessions', 'GET', '/real-time-response/queries/sessions/v1', 'real-time-response:read', 200],
  [
    'RTR_ListSessions',
    'POST',
    '/real-time-response/entities/sessions/GET/v1',
    'real-time-response:read',
    200,
  ],
  [
    'RTR_PulseSession',
    'POST',
    '/real-time-response/entities/refresh-session/v1',
    'real-time-response:read',
    201,
  ],
  ['RTR_ExecuteCommand', 'POST', '/real-time-response/entities/command/v1', 'real-time-response:read', 201],
  [
    'RTR_CheckCommandStatus',
    'GET',
    '/real-time-response/entities/command/v1',
    'real-time-response:read',
    200,
  ],
  [
    'RTR_ExecuteActiveResponderCommand',
    'POST',
    '/real-time-response/entities/active-responder-command/v1',
    'real-time-response:write',
    201,
  ],
  [
    'RTR_CheckActiveResponderCommandStatus',
    'GET',
    '/real-time-response/entities/active-responder-command/v1',
    'real-time-response:write',
    200,
  ],
  [
    'BatchInitSessions',
    'POST',
    '/real-time-response/combined/batch-init-session/v1',
    'real-time-response:read',
    201,
  ],
  [
    'BatchRefreshSessions',
    'POST',
    '/real-time-response/combined/batch-refresh-session/v1',
    'real-time-response:read',
    201,
  ],
  ['BatchCmd', 'POST', '/real-time-response/combined/batch-command/v1', 'real-time-response:read', 201],
  [
    'BatchActiveResponderCmd',
    'POST',
    '/real-time-response/combined/batch-active-responder-command/v1',
    'real-time-response:write',
    201,
  ],
  [
    'BatchGetCmd',
    'POST',
    '/real-time-response/combined/batch-get-command/v1',
    'real-time-response:write',
    201,
  ],
  [
    'BatchGetCmdStatus',
    'GET',
    '/real-time-response/combined/batch-get-command/v1',
    'real-time-response:write',
    200,
  ],
  ['RTR_ListFilesV2', 'GET', '/real-time-response/entities/file/v2', 'real-time-response:write', 200],
  [
    'RTR_GetExtractedFileContents',
    'GET',
    '/real-time-response/entities/extracted-file-contents/v1',
    'real-time-response:write',
    200,
  ],
  [
    'RTR_ExecuteAdminCommand',
    'POST',
    '/real-time-response/entities/admin-command/v1',
    'real-time-response-admin:write',
    201,
  ],
  [
    'RTR_CheckAdminCommandStatus',
    'GET',
    '/real-time-response/entities/admin-command/v1',
    'real-time-response-admin:write',
    200,
  ],
  [
    'BatchAdminCmd',
    'POST',
    '/real-time-response/combined/batch-admin-command/v1',
    'real-time-response-admin:write',
    201,
  ],
  ['RTR_ListScripts', 'GET', '/real-time-response/queries/scripts/v1', 'real-time-response-admin:write', 200],
  [
    'RTR_GetScriptsV2',
    'GET',
    '/real-time-response/entities/scripts/v2',
    'real-time-response-admin:write',
    200,
  ],
  [
    'RTR_ListFalconScripts',
    'GET',
    '/real-time-response/queries/falcon-scripts/v1',
    'real-time-response-admin:write',
    200,
  ],
  [
    'RTR_GetFalconScripts',
    'GET',
    '/real-time-response/entities/falcon-scripts/v1',
    'real-time-response-admin:write',
    200,
  ],
  // falconpy _endpoint/_alerts.py (older versions, combined) and _case_management.py (administration).
  ['GetQueriesAlertsV1', 'GET', '/alerts/queries/alerts/v1', 'alerts:read', 200],
  ['PostEntitiesAlertsV1', 'POST', '/alerts/entities/alerts/v1', 'alerts:read', 200],
  ['PatchEntitiesAlertsV2', 'PATCH', '/alerts/entities/alerts/v2', 'alerts:write', 200],
  ['PostAggregatesAlertsV1', 'POST', '/alerts/aggregates/alerts/v1', 'alerts:read', 200],
  ['PostCombinedAlertsV1', 'POST', '/alerts/combined/alerts/v1', 'alerts:read', 200],
  ['queries_templates_get_v1', 'GET', '/casemgmt/queries/templates/v1', 'case-templates:read', 200],
  ['entities_templates_get_v1', 'GET', '/casemgmt/entities/templates/v1', 'case-templates:read', 200],
  ['entities_templates_post_v1', 'POST', '/casemgmt/entities/templates/v1', 'case-templates:write', 200],
  ['entities_templates_patch_v1', 'PATCH', '/casemgmt/entities/templates/v1', 'case-templates:write', 200],
  ['entities_templates_delete_v1', 'DELETE', '/casemgmt/entities/templates/v1', 'case-templates:write', 200],
  ['aggregates_templates_post_v1', 'POST', '/casemgmt/aggregates/templates/v1', 'case-templates:read', 200],
  ['queries_slas_get_v1', 'GET', '/casemgmt/queries/slas/v1', 'case-templates:read', 200],
  ['entities_slas_get_v1', 'GET', '/casemgmt/entities/slas/v1', 'case-templates:read', 200],
  ['entities_slas_post_v1', 'POST', '/casemgmt/entities/slas/v1', 'case-templates:write', 200],
  ['entities_slas_patch_v1', 'PATCH', '/casemgmt/entities/slas/v1', 'case-templates:write', 200],
  ['entities_slas_delete_v1', 'DELETE', '/casemgmt/entities/slas/v1', 'case-templates:write', 200],
  ['aggregates_slas_post_v1', 'POST', '/casemgmt/aggregates/slas/v1', 'case-templates:read', 200],
  [
    'queries_notification_groups_get_v1',
    'GET',
    '/casemgmt/queries/notification-groups/v1',
    'case-templates:read',
    200,
  ],
  [
    'entities_notification_groups_get_v1',
    'GET',
    '/casemgmt/entities/notification-groups/v1',
    'case-templates:read',
    200,
  ],
  [
    'entities_notification_groups_post_v1',
    'POST',
    '/casemgmt/entities/notification-groups/v1',
    'case-templates:write',
    200,
  ],
  [
    'entities_notification_groups_patch_v1',
    'PATCH',
    '/casemgmt/entities/notification-groups/v1',
    'case-templates:write',
    200,
  ],
  [
    'entities_notification_groups_delete_v1',
    'DELETE',
    '/casemgmt/entities/notification-groups/v1',
    'case-templates:write',
    200,
  ],
  [
    'aggregates_notification_groups_post_v1',
    'POST',
    '/casemgmt/aggregates/notification-groups/v1',
    'case-templates:read',
    200,
  ],
  [
    'queries_notification_groups_get_v2',
    'GET',
    '/casemgmt/queries/notification-groups/v2',
    'case-templates:read',
    200,
  ],
  [
    'entities_notification_groups_get_v2',
    'GET',
    '/casemgmt/entities/notification-groups/v2',
    'case-templates:read',
    200,
  ],
  [
    'entities_notification_groups_post_v2',
    'POST',
    '/casemgmt/entities/notification-groups/v2',
    'case-templates:write',
    200,
  ],
  [
    'entities_notification_groups_patch_v2',
    'PATCH',
    '/casemgmt/entities/notification-groups/v2',
    'case-templates:write',
    200,
  ],
  [
    'entities_notification_groups_delete_v2',
    'DELETE',
    '/casemgmt/entities/notification-groups/v2',
    'case-templates:write',
    200,
  ],
  [
    'aggregates_notification_groups_post_v2',
    'POST',
    '/casemgmt/aggregates/notification-groups/v2',
    'case-templates:read',
    200,
  ],
  ['queries_fields_get_v1', 'GET', '/casemgmt/queries/fields/v1', 'case-templates:read', 200],
  ['entities_fields_get_v1', 'GET', '/casemgmt/entities/fields/v1', 'case-templates:read', 200],
  ['queries_access_tags_get_v1', 'GET', '/casemgmt/queries/access-tags/v1', 'case-templates:read', 200],
  ['entities_access_tags_get_v1', 'GET', '/casemgmt/entities/access-tags/v1', 'case-templates:read', 200],
  [
    'aggregates_access_tags_post_v1',
    'POST',
    '/casemgmt/aggregates/access-tags/v1',
    'case-templates:read',
    200,
  ],
  // Hosts (falconpy _endpoint/_hosts.py; docs/hosts.md).
  ['QueryDevicesByFilter', 'GET', '/devices/queries/devices/v1', 'devices:read', 200],
  ['QueryDevicesByFilterScroll', 'GET', '/devices/queries/devices-scroll/v1', 'devices:read', 200],
  ['QueryHiddenDevices', 'GET', '/devices/queries/devices-hidden/v1', 'devices:read', 200],
  ['CombinedDevicesByFilter', 'GET', '/devices/combined/devices/v1', 'devices:read', 200],
  ['GetDeviceDetailsV2', 'GET', '/devices/entities/devices/v2', 'devices:read', 200],
  ['PostDeviceDetailsV2', 'POST', '/devices/entities/devices/v2', 'devices:read', 200],
  ['PerformActionV2', 'POST', '/devices/entities/devices-actions/v2', 'devices:write', 202],
  ['UpdateDeviceTags', 'PATCH', '/devices/entities/devices/tags/v1', 'devices:write', 200],
  ['GetOnlineState_V1', 'GET', '/devices/entities/online-state/v1', 'devices:read', 200],
  // falconpy _endpoint/_event_streams.py; falconjs apis/EventStreamsApi.ts (scope streaming:read).
  ['listAvailableStreamsOAuth2', 'GET', '/sensors/entities/datafeed/v2', 'streaming:read', 200],
  [
    'refreshActiveStreamSession',
    'POST',
    '/sensors/entities/datafeed-actions/v1/{partition}',
    'streaming:read',
    200,
  ],
  // Flight Control: falconpy _endpoint/_mssp.py; scope from the PSFalcon endpoint definitions.
  ['queryChildren', 'GET', '/mssp/queries/children/v1', 'mssp:read', 200],
  ['getChildren', 'GET', '/mssp/entities/children/v1', 'mssp:read', 200],
];

describe('operations registry integrity', () => {
  it('has unique operationIds across served and removed operations', () => {
    const ids = [...ALL_OPERATIONS, ...REMOVED_OPERATIONS].map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has unique PEP 8 names and aliases inside each collection', () => {
    for (const collection of COLLECTIONS) {
      const names = operationsByCollection(collection).flatMap((op) => [op.pep8, ...(op.aliases ?? [])]);
      expect(new Set(names).size, collection).toBe(names.length);
    }
  });

  it('has one operation per method and path', () => {
    const routes = operationRoutes().map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('uses only known scopes, and every write needs a :write scope', () => {
    for (const op of [...ALL_OPERATIONS, ...REMOVED_OPERATIONS]) {
      expect(KNOWN_SCOPES.has(op.scope), `${op.operationId}: ${op.scope}`).toBe(true);
      if (op.kind === 'write') expect(op.scope.endsWith(':write'), op.operationId).toBe(true);
    }
  });

  it('has sane limits, id caps and pagination', () => {
    for (const op of ALL_OPERATIONS) {
      expect(op.path.startsWith('/'), op.operationId).toBe(true);
      expect(op.path.includes('?'), op.operationId).toBe(false);
      if (op.limit) {
        expect(op.limit.min, op.operationId).toBeLessThanOrEqual(op.limit.default);
        expect(op.limit.default, op.operationId).toBeLessThanOrEqual(op.limit.max);
        const limitParam = op.params.find((p) => p.name === 'limit');
        expect(limitParam?.maximum, op.operationId).toBe(op.limit.max);
      }
      if (op.pagination !== 'none')
        expect(op.params.some((p) => p.name === 'offset' || p.name === 'after')).toBe(true);
      if (op.ids) {
        expect(op.ids.max, op.operationId).toBeGreaterThan(0);
        const param = op.params.find((p) => p.name === op.ids?.param);
        expect(param, `${op.operationId} ids param`).toBeDefined();
        expect(param?.type.endsWith('[]'), op.operationId).toBe(true);
        // The batch limit is written twice (ids.max, the param's maxItems): the two must agree.
        expect(param?.maxItems, `${op.operationId} ids maxItems`).toBe(op.ids.max);
      }
      if (op.method === 'GET' || op.method === 'DELETE') {
        expect(
          op.params.every((p) => p.in === 'query'),
          op.operationId,
        ).toBe(true);
        expect(op.bodyShape, op.operationId).toBe('none');
      }
      if (op.method === 'GET') expect(op.idempotent, op.operationId).toBe(true);
      if (op.readBack) expect(findOperation(op.readBack), `${op.operationId} readBack`).toBeDefined();
      expect(op.source.length, op.operationId).toBeGreaterThan(0);
    }
  });

  it('names successors that exist, and never a deprecated successor', () => {
    for (const op of [...ALL_OPERATIONS, ...REMOVED_OPERATIONS]) {
      const successor = op.deprecated?.successor;
      if (successor === undefined) continue;
      const next = findOperation(successor);
      expect(next, `${op.operationId} -> ${successor}`).toBeDefined();
      expect(next?.deprecated, successor).toBeUndefined();
    }
  });

  it('keeps removed operations out of the served list', () => {
    expect(REMOVED_OPERATIONS.length).toBeGreaterThan(0);
    for (const op of REMOVED_OPERATIONS) {
      expect(op.deprecated?.removed).toBe(true);
      expect(ALL_OPERATIONS.includes(op)).toBe(false);
    }
    for (const op of ALL_OPERATIONS) expect(op.deprecated?.removed).not.toBe(true);
  });
});

describe('wire facts from falcon-api.md', () => {
  it('covers exactly the recorded operations', () => {
    expect(ALL_OPERATIONS.map((op) => op.operationId).sort()).toEqual(WIRE.map((w) => w[0]).sort());
  });

  it.each(WIRE)('%s is %s %s with scope %s', (id, method, path, scope, status) => {
    const op = findOperation(id);
    expect(op).toBeDefined();
    expect(op?.method).toBe(method);
    expect(op?.path).toBe(path);
    expect(op?.scope).toBe(scope);
    expect(op?.successStatus).toBe(status);
    expect(findOperationByRoute(method, path)?.operationId).toBe(id);
  });

  it('records the id caps of §2.6 and the limit ranges of §2.5', () => {
    expect(findOperation('GetDetectSummaries')?.ids).toEqual({ param: 'ids', max: 1000 });
    expect(findOperation('PerformIncidentAction')?.ids).toEqual({ param: 'ids', max: 5000 });
    expect(findOperation('GetSensorDetails')?.ids).toEqual({ param: 'ids', max: 5000 });
    expect(findOperation('get_policy_rules')?.ids?.max).toBe(100);
    expect(findOperation('QueryDetects')?.limit).toMatchObject({ min: 0, max: 9999 });
    expect(findOperation('QueryIncidents')?.limit).toMatchObject({ min: 1, max: 500 });
    expect(findOperation('CrowdScore')?.limit).toMatchObject({ min: 1, max: 2500 });
    expect(findOperation('query_scans')?.limit).toEqual({ min: 1, max: 500, default: 500 });
    expect(findOperation('QuerySensorsByFilter')?.limit).toMatchObject({ min: 1, max: 200 });
    expect(findOperation('indicator_search_v1')?.pagination).toBe('offset-or-after');
  });

  it('sends aggregate bodies the way falcon-api.md §0 says', () => {
    expect(findOperation('GetAggregateDetects')?.bodyShape).toBe('array');
    expect(findOperation('aggregate_scans')?.bodyShape).toBe('array');
    expect(findOperation('indicator_aggregate_v1')?.bodyShape).toBe('object');
  });

  it('marks Detects and Incidents deprecated with successors', () => {
    for (const op of operationsByCollection('detects')) {
      expect(op.deprecated?.decommissioned).toBe('2025-09-30');
      expect(findOperation(op.deprecated?.successor ?? '')?.collection).toBe('alerts');
    }
    for (const op of operationsByCollection('incidents')) expect(op.deprecated).toBeDefined();
    expect(findOperation('QueryDetects')?.deprecated?.successor).toBe('GetQueriesAlertsV2');
    expect(findOperation('UpdateDetectsByIdsV2')?.deprecated?.successor).toBe('PatchEntitiesAlertsV3');
    expect(findOperation('GetIncidents')?.deprecated?.successor).toBe('entities_cases_post_v2');
  });
});

describe('name lookup', () => {
  it.each([
    ['QueryDetects', 'QueryDetects'],
    ['query_detects', 'QueryDetects'],
    ['detects.query_detects', 'QueryDetects'],
    ['detects.QueryDetects', 'QueryDetects'],
    ['ioc.indicator_create', 'indicator_create_v1'],
    ['indicator_create', 'indicator_create_v1'],
    ['indicator.create.v1', 'indicator_create_v1'],
    ['ods.get_scans', 'get_scans_by_scan_ids_v2'],
    ['query-scans', 'query_scans'],
    ['identity_protection.graphql', 'api_preempt_proxy_post_graphql'],
    ['iocs.devices_count', 'DevicesCount'],
    ['ioc.devices_count', 'indicator_get_device_count_v1'],
    ['devices_count', 'indicator_get_device_count_v1'],
    ['alerts.update_alerts_v3', 'PatchEntitiesAlertsV3'],
    ['cases.create_case', 'entities_cases_put_v2'],
    ['iocs.create_ioc', 'CreateIOC'],
  ])('%s resolves to %s', (name, id) => {
    expect(findOperation(name)?.operationId).toBe(id);
  });

  it('resolves nothing for unknown names or a wrong collection', () => {
    expect(findOperation('query_detectz')).toBeUndefined();
    expect(findOperation('ioc.query_detects')).toBeUndefined();
    expect(findOperation('')).toBeUndefined();
  });

  it("prefers a PEP 8 name over another collection's alias of the same spelling", () => {
    // ioc.devices_ran_on is a PEP 8 name; iocs.devices_ran_on only an alias of DevicesRanOn.
    expect(findOperation('devices_ran_on')?.operationId).toBe('indicator_get_devices_ran_on_v1');
    expect(findOperation('iocs.devices_ran_on')?.operationId).toBe('DevicesRanOn');
  });

  it('has no bare PEP 8 name shared by two collections', () => {
    const names = ALL_OPERATIONS.map((op) => op.pep8);
    expect(new Set(names).size).toBe(names.length);
  });

  it('suggests close names for typos', () => {
    expect(suggestOperations('query_detect')[0]).toBe('detects.query_detects');
    expect(suggestOperations('detects.query_detect')[0]).toBe('detects.query_detects');
    expect(suggestOperations('indicator_creat')).toContain('ioc.indicator_create');
    expect(suggestOperations('zzzzzzzzzzzzzzzzzzzzzzzz')).toEqual([]);
  });

  it('computes edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
