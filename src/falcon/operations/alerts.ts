/**
 * Alerts, the successor of Detects (docs/falcon-successors.md). Routes, parameters and scopes from
 * falconpy src/falconpy/_endpoint/_alerts.py and falconjs src/apis/AlertsApi.ts. An endpoint
 * detection is an alert with product 'epp'; alerts are addressed by composite id.
 */
import { AGGREGATE_BODY, FILTER_QUERY } from './params.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

/** Action names accepted in `action_parameters[].name` on PatchEntitiesAlertsV3 (falconpy docstring). */
export const ALERT_ACTION_NAMES = [
  'add_tag',
  'remove_tag',
  'remove_tags_by_prefix',
  'append_comment',
  'assign_to_name',
  'assign_to_user_id',
  'assign_to_uuid',
  'unassign',
  'new_behavior_processed',
  'update_status',
  'show_in_ui',
] as const;

/** Values of the update_status action (falconpy update_alerts_v3 docstring). */
export const ALERT_STATUS_VALUES = ['new', 'in_progress', 'reopened', 'closed'] as const;

const INCLUDE_HIDDEN: ParamSpec = {
  name: 'include_hidden',
  in: 'query',
  type: 'boolean',
  description: 'Include previously hidden alerts (server default true).',
};

// Not documented in the SDKs; 1000 matches the Detects caps and falcon-mcp's batching (falcon-api.md §2.6).
const COMPOSITE_ID_CAP = 1000;

const COMPOSITE_IDS: ParamSpec = {
  name: 'composite_ids',
  in: 'body',
  type: 'string[]',
  required: true,
  maxItems: COMPOSITE_ID_CAP,
  description: 'Alert composite ids.',
};

const SOURCE = 'falconpy _endpoint/_alerts.py; falconjs apis/AlertsApi.ts; docs/falcon-successors.md';

/** Alerts operations (current versions only: query v2, get v2, update v3, aggregates v2). */
export const ALERTS_OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'GetQueriesAlertsV2',
    pep8: 'query_alerts_v2',
    collection: 'alerts',
    method: 'GET',
    path: '/alerts/queries/alerts/v2',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      INCLUDE_HIDDEN,
      { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: '0 is the latest alert.' },
      { name: 'limit', in: 'query', type: 'integer', minimum: 0, maximum: 10000 },
      { name: 'sort', in: 'query', type: 'string', description: 'field|asc or field|desc.' },
      FILTER_QUERY,
      { name: 'q', in: 'query', type: 'string', description: 'Free-text search over alert metadata.' },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 0, max: 10000, default: 100 },
    resources: 'ids',
    summary: 'Search alert composite ids by FQL filter.',
    source: SOURCE,
  },
  {
    operationId: 'PostEntitiesAlertsV2',
    pep8: 'get_alerts_v2',
    collection: 'alerts',
    method: 'POST',
    path: '/alerts/entities/alerts/v2',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [INCLUDE_HIDDEN, COMPOSITE_IDS],
    bodyShape: 'object',
    ids: { param: 'composite_ids', max: COMPOSITE_ID_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get alerts by composite id.',
    source: SOURCE,
  },
  {
    operationId: 'PatchEntitiesAlertsV3',
    pep8: 'update_alerts_v3',
    collection: 'alerts',
    method: 'PATCH',
    path: '/alerts/entities/alerts/v3',
    scope: 'alerts:write',
    kind: 'write',
    idempotent: false,
    successStatus: 200,
    params: [
      INCLUDE_HIDDEN,
      COMPOSITE_IDS,
      {
        name: 'action_parameters',
        in: 'body',
        type: 'object[]',
        description: `[{name, value}] with name one of ${ALERT_ACTION_NAMES.join(', ')}; update_status value one of ${ALERT_STATUS_VALUES.join(', ')}.`,
      },
    ],
    bodyShape: 'object',
    ids: { param: 'composite_ids', max: COMPOSITE_ID_CAP },
    pagination: 'none',
    readBack: 'PostEntitiesAlertsV2',
    resources: 'none',
    summary: 'Change status, assignee, tags or add a comment on alerts.',
    source: SOURCE,
  },
  {
    operationId: 'PostAggregatesAlertsV2',
    pep8: 'get_aggregate_alerts_v2',
    collection: 'alerts',
    method: 'POST',
    path: '/alerts/aggregates/alerts/v2',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [INCLUDE_HIDDEN, ...AGGREGATE_BODY],
    bodyShape: 'array',
    pagination: 'none',
    resources: 'entities',
    summary: 'Aggregate alerts (body is a list of aggregate specs).',
    source: SOURCE,
  },
];
