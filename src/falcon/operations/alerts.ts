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

const QUERY_PARAMS: readonly ParamSpec[] = [
  { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: '0 is the latest alert.' },
  { name: 'limit', in: 'query', type: 'integer', minimum: 0, maximum: 10000 },
  { name: 'sort', in: 'query', type: 'string', description: 'field|asc or field|desc.' },
  FILTER_QUERY,
  { name: 'q', in: 'query', type: 'string', description: 'Free-text search over alert metadata.' },
];

/** The older versions' `{"ids": [...]}` body: composite ids under the name the v2 routes renamed. */
const V1_IDS: ParamSpec = { ...COMPOSITE_IDS, name: 'ids', description: 'Alert composite ids.' };

const ACTION_PARAMETERS: ParamSpec = {
  name: 'action_parameters',
  in: 'body',
  type: 'object[]',
  description: `[{name, value}] with name one of ${ALERT_ACTION_NAMES.join(', ')}; update_status value one of ${ALERT_STATUS_VALUES.join(', ')}.`,
};

/** Largest page of PostCombinedAlertsV1 (falconpy get_alerts_combined docstring: default 100, max 1000). */
const COMBINED_LIMIT_MAX = 1000;

/** Alerts operations: the current versions (query v2, get v2, update v3, aggregates v2), then the older ones. */
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
    params: [INCLUDE_HIDDEN, ...QUERY_PARAMS],
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
    params: [INCLUDE_HIDDEN, COMPOSITE_IDS, ACTION_PARAMETERS],
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
  // The older versions falconpy still ships (and its own tests call). They see the same alerts;
  // none takes include_hidden, so hidden alerts are always included.
  {
    operationId: 'GetQueriesAlertsV1',
    pep8: 'query_alerts_v1',
    aliases: ['query_alerts'],
    collection: 'alerts',
    method: 'GET',
    path: '/alerts/queries/alerts/v1',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: QUERY_PARAMS,
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 0, max: 10000, default: 100 },
    resources: 'ids',
    summary: 'Search alert composite ids by FQL filter (older version of query_alerts_v2).',
    source: SOURCE,
  },
  {
    operationId: 'PostEntitiesAlertsV1',
    pep8: 'get_alerts_v1',
    aliases: ['get_alerts'],
    collection: 'alerts',
    method: 'POST',
    path: '/alerts/entities/alerts/v1',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [V1_IDS],
    bodyShape: 'object',
    ids: { param: 'ids', max: COMPOSITE_ID_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get alerts by composite id, body {ids} (older version of get_alerts_v2).',
    source: SOURCE,
  },
  {
    operationId: 'PatchEntitiesAlertsV2',
    pep8: 'update_alerts_v2',
    aliases: ['update_alerts'],
    collection: 'alerts',
    method: 'PATCH',
    path: '/alerts/entities/alerts/v2',
    scope: 'alerts:write',
    kind: 'write',
    idempotent: false,
    successStatus: 200,
    params: [V1_IDS, ACTION_PARAMETERS],
    bodyShape: 'object',
    ids: { param: 'ids', max: COMPOSITE_ID_CAP },
    pagination: 'none',
    readBack: 'PostEntitiesAlertsV2',
    resources: 'none',
    summary: 'Act on alerts, body {ids, action_parameters} (older version of update_alerts_v3).',
    source: SOURCE,
  },
  {
    operationId: 'PostAggregatesAlertsV1',
    pep8: 'get_aggregate_alerts_v1',
    aliases: ['get_aggregate_alerts'],
    collection: 'alerts',
    method: 'POST',
    path: '/alerts/aggregates/alerts/v1',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: AGGREGATE_BODY,
    bodyShape: 'array',
    pagination: 'none',
    resources: 'entities',
    summary: 'Aggregate alerts (older version of get_aggregate_alerts_v2, no include_hidden).',
    source: SOURCE,
  },
  {
    operationId: 'PostCombinedAlertsV1',
    pep8: 'get_alerts_combined',
    collection: 'alerts',
    method: 'POST',
    path: '/alerts/combined/alerts/v1',
    scope: 'alerts:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        name: 'after',
        in: 'body',
        type: 'string',
        description: 'Token of the next page (from meta.pagination.after).',
      },
      { ...FILTER_QUERY, in: 'body' },
      { name: 'limit', in: 'body', type: 'integer', minimum: 1, maximum: COMBINED_LIMIT_MAX },
      {
        name: 'sort',
        in: 'body',
        type: 'string',
        description: 'field|asc or field|desc (default created_timestamp|desc).',
      },
    ],
    bodyShape: 'object',
    pagination: 'after',
    limit: { min: 1, max: COMBINED_LIMIT_MAX, default: 100 },
    resources: 'entities',
    summary: 'Alert entities matching a filter, paged by an after token (for more than 10,000 alerts).',
    source: SOURCE,
  },
];
