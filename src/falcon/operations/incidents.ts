/**
 * Incidents (falcon-api.md §4.2). Every operation is marked "removed in March 2026"; the successors are
 * Case Management (cases.ts) for incidents and Alerts (alerts.ts) for behaviors.
 */
import { FILTER_QUERY, idsBody, offsetLimitQuery, sortQuery } from './params.ts';
import type { Deprecation, OperationSpec } from './types.ts';

function removedMarch2026(successor?: string): Deprecation {
  const base = 'Incidents API removed in March 2026';
  if (successor === undefined) {
    return { decommissioned: '2026-03-01', note: `${base}; no direct successor.` };
  }
  return { decommissioned: '2026-03-01', successor, note: `${base}; use ${successor}.` };
}

function dirs(fields: readonly string[]): string[] {
  return fields.flatMap((f) => [`${f}.asc`, `${f}.desc`]);
}

/** Incident action names accepted in `action_parameters[].name` (§4.2.5, all SDKs). */
export const INCIDENT_ACTION_NAMES = [
  'add_tag',
  'delete_tag',
  'update_name',
  'update_description',
  'update_status',
  'update_assigned_to_v2',
  'update_assigned_to',
  'update_assigned_to_name',
  'unassign',
  'add_comment',
  'close_with_descriptor',
] as const;

/** Incidents operations. */
export const INCIDENTS_OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'QueryIncidents',
    pep8: 'query_incidents',
    collection: 'incidents',
    method: 'GET',
    path: '/incidents/queries/incidents/v1',
    scope: 'incidents:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        ...sortQuery(),
        enum: dirs([
          'assigned_to',
          'assigned_to_name',
          'end',
          'modified_timestamp',
          'name',
          'sort_score',
          'start',
          'state',
          'status',
        ]),
      },
      FILTER_QUERY,
      ...offsetLimitQuery(1, 500),
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 500, default: 100 },
    deprecated: removedMarch2026('queries_cases_get_v1'),
    resources: 'ids',
    summary: 'Search for incident ids by FQL filter.',
    source: 'falcon-api.md §4.2.1, §2.5 (default limit inferred)',
  },
  {
    operationId: 'GetIncidents',
    pep8: 'get_incidents',
    collection: 'incidents',
    method: 'POST',
    path: '/incidents/entities/incidents/GET/v1',
    scope: 'incidents:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsBody(500)],
    bodyShape: 'object',
    // The cap is not documented; 500 is PSFalcon's batch size (§2.6).
    ids: { param: 'ids', max: 500 },
    pagination: 'none',
    deprecated: removedMarch2026('entities_cases_post_v2'),
    resources: 'entities',
    summary: 'Get incidents (domain.Incident) by id.',
    source: 'falcon-api.md §4.2.2, §2.6',
  },
  {
    operationId: 'QueryBehaviors',
    pep8: 'query_behaviors',
    collection: 'incidents',
    method: 'GET',
    path: '/incidents/queries/behaviors/v1',
    scope: 'incidents:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      FILTER_QUERY,
      ...offsetLimitQuery(1, 500),
      {
        ...sortQuery(),
        enum: dirs([
          'alert_ids',
          'cmdline',
          'detection_ids',
          'display_name',
          'domain',
          'filepath',
          'timestamp',
        ]),
      },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 500, default: 100 },
    deprecated: removedMarch2026('GetQueriesAlertsV2'),
    resources: 'ids',
    summary: 'Search for behavior ids by FQL filter.',
    source: 'falcon-api.md §4.2.3, §2.5 (default limit inferred)',
  },
  {
    operationId: 'GetBehaviors',
    pep8: 'get_behaviors',
    collection: 'incidents',
    method: 'POST',
    path: '/incidents/entities/behaviors/GET/v1',
    scope: 'incidents:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsBody(500)],
    bodyShape: 'object',
    ids: { param: 'ids', max: 500 },
    pagination: 'none',
    deprecated: removedMarch2026('PostEntitiesAlertsV2'),
    resources: 'entities',
    summary: 'Get behaviors (domain.Behavior) by id.',
    source: 'falcon-api.md §4.2.4, §2.6',
  },
  {
    operationId: 'PerformIncidentAction',
    pep8: 'perform_incident_action',
    collection: 'incidents',
    method: 'POST',
    path: '/incidents/entities/incident-actions/v1',
    scope: 'incidents:write',
    kind: 'write',
    idempotent: false,
    successStatus: 200,
    params: [
      { name: 'update_detects', in: 'query', type: 'boolean', description: 'Also update linked detections.' },
      { name: 'overwrite_detects', in: 'query', type: 'boolean', description: 'Overwrite detection values.' },
      idsBody(5000),
      {
        name: 'action_parameters',
        in: 'body',
        type: 'object[]',
        required: true,
        description: `[{name, value}] with name one of ${INCIDENT_ACTION_NAMES.join(', ')}; update_status values "20"|"25"|"30"|"40".`,
      },
    ],
    bodyShape: 'object',
    ids: { param: 'ids', max: 5000 },
    pagination: 'none',
    readBack: 'GetIncidents',
    deprecated: removedMarch2026('entities_cases_patch_v2'),
    resources: 'entities',
    summary: 'Tag, rename, describe, assign, comment on or change the status of incidents.',
    source: 'falcon-api.md §4.2.5, §2.6',
  },
  {
    operationId: 'CrowdScore',
    pep8: 'crowdscore',
    collection: 'incidents',
    method: 'GET',
    path: '/incidents/combined/crowdscores/v1',
    scope: 'incidents:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      FILTER_QUERY,
      ...offsetLimitQuery(1, 2500),
      { ...sortQuery(), enum: dirs(['adjusted_score', 'score', 'timestamp']) },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 2500, default: 100 },
    deprecated: removedMarch2026(),
    resources: 'entities',
    summary: 'Environment-wide CrowdScore values.',
    source: 'falcon-api.md §4.2.6, §2.5 (default limit inferred)',
  },
];
