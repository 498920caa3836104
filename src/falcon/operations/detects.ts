/**
 * Detects (falcon-api.md §4.1). Every operation is decommissioned in the real cloud since 2025-09-30;
 * the successor is the Alerts collection (alerts.ts). The emulator still serves these routes so older
 * playbooks can be migrated step by step.
 */
import { AGGREGATE_BODY, FILTER_QUERY, idsBody, sortQuery } from './params.ts';
import type { Deprecation, OperationSpec } from './types.ts';

function decommissioned(successor: string): Deprecation {
  return {
    decommissioned: '2025-09-30',
    successor,
    note: `Detects API decommissioned on 2025-09-30; use the Alerts operation ${successor}.`,
  };
}

/** Detects operations. */
export const DETECTS_OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'QueryDetects',
    pep8: 'query_detects',
    collection: 'detects',
    method: 'GET',
    path: '/detects/queries/detects/v1',
    scope: 'detects:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: '0 is the latest detection.' },
      { name: 'limit', in: 'query', type: 'integer', minimum: 0, maximum: 9999, description: 'Page size.' },
      sortQuery([
        'first_behavior',
        'last_behavior',
        'max_severity',
        'max_confidence',
        'adversary_id',
        'device.hostname',
      ]),
      FILTER_QUERY,
      { name: 'q', in: 'query', type: 'string', description: 'Free-text search over detection metadata.' },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 0, max: 9999, default: 9999 },
    deprecated: decommissioned('GetQueriesAlertsV2'),
    resources: 'ids',
    summary: 'Search for detection ids that match an FQL filter.',
    source: 'falcon-api.md §4.1.1, §2.5',
  },
  {
    operationId: 'GetDetectSummaries',
    pep8: 'get_detect_summaries',
    collection: 'detects',
    method: 'POST',
    path: '/detects/entities/summaries/GET/v1',
    scope: 'detects:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsBody(1000)],
    bodyShape: 'object',
    ids: { param: 'ids', max: 1000 },
    pagination: 'none',
    deprecated: decommissioned('PostEntitiesAlertsV2'),
    resources: 'entities',
    summary: 'Get detection summaries (domain.APIDetectionDocument) by id.',
    source: 'falcon-api.md §4.1.2, §2.6',
  },
  {
    operationId: 'UpdateDetectsByIdsV2',
    pep8: 'update_detects_by_ids',
    collection: 'detects',
    method: 'PATCH',
    path: '/detects/entities/detects/v2',
    scope: 'detects:write',
    kind: 'write',
    idempotent: false,
    successStatus: 200,
    params: [
      idsBody(1000),
      {
        name: 'status',
        in: 'body',
        type: 'string',
        enum: ['new', 'in_progress', 'true_positive', 'false_positive', 'ignored', 'closed', 'reopened'],
      },
      { name: 'assigned_to_uuid', in: 'body', type: 'string', description: 'User UUID.' },
      { name: 'show_in_ui', in: 'body', type: 'boolean', description: 'false hides the detection.' },
      { name: 'comment', in: 'body', type: 'string', description: 'Needs status or show_in_ui.' },
      { name: 'new_behaviors_processed', in: 'body', type: 'string[]' },
    ],
    bodyShape: 'object',
    ids: { param: 'ids', max: 1000 },
    pagination: 'none',
    readBack: 'GetDetectSummaries',
    deprecated: decommissioned('PatchEntitiesAlertsV3'),
    resources: 'none',
    summary: 'Change status, assignee, visibility or add a comment on detections.',
    source: 'falcon-api.md §4.1.3, §2.6',
  },
  {
    operationId: 'GetAggregateDetects',
    pep8: 'get_aggregate_detects',
    collection: 'detects',
    method: 'POST',
    path: '/detects/aggregates/detects/GET/v1',
    scope: 'detects:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: AGGREGATE_BODY,
    bodyShape: 'array',
    pagination: 'none',
    deprecated: decommissioned('PostAggregatesAlertsV2'),
    resources: 'entities',
    summary: 'Aggregate detections (terms, date_range, ...).',
    source: 'falcon-api.md §4.1.4, §5.1',
  },
];
