/**
 * Case Management, the successor of Incidents (docs/falcon-successors.md). Routes and parameters from
 * falconpy src/falconpy/_endpoint/_case_management.py; scopes cases:read / cases:write from falconjs
 * src/apis/CasesApi.ts; bodies from falconjs src/models/Operations*Request.ts. The public SDKs have
 * no case-comment route: comment on the alerts instead (append_comment).
 */
import { FILTER_QUERY, idsBody } from './params.ts';
import type { OperationSpec } from './types.ts';

const SOURCE = 'falconpy _endpoint/_case_management.py; falconjs apis/CasesApi.ts; docs/falcon-successors.md';

function cases(spec: Omit<OperationSpec, 'collection' | 'source' | 'successStatus'>): OperationSpec {
  return { ...spec, collection: 'cases', successStatus: 200, source: SOURCE };
}

/** Core Case Management operations. */
export const CASES_OPERATIONS: readonly OperationSpec[] = [
  cases({
    operationId: 'queries_cases_get_v1',
    pep8: 'query_case_ids',
    method: 'GET',
    path: '/cases/queries/cases/v1',
    scope: 'cases:read',
    kind: 'read',
    idempotent: true,
    params: [
      { name: 'limit', in: 'query', type: 'integer', minimum: 0, maximum: 10000 },
      { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: '0 is the latest case.' },
      { name: 'sort', in: 'query', type: 'string', description: 'field|asc or field|desc.' },
      FILTER_QUERY,
      { name: 'q', in: 'query', type: 'string', description: 'Free-text search over case metadata.' },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 0, max: 10000, default: 100 },
    resources: 'ids',
    summary: 'Search case ids by FQL filter.',
  }),
  cases({
    operationId: 'entities_cases_post_v2',
    pep8: 'get_cases',
    method: 'POST',
    path: '/cases/entities/cases/v2',
    scope: 'cases:read',
    kind: 'read',
    idempotent: true,
    params: [idsBody(1000)],
    bodyShape: 'object',
    // Undocumented cap; 1000 chosen to match the Alerts reads.
    ids: { param: 'ids', max: 1000 },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get cases by id.',
  }),
  cases({
    operationId: 'entities_cases_put_v2',
    pep8: 'create_case',
    method: 'PUT',
    path: '/cases/entities/cases/v2',
    scope: 'cases:write',
    kind: 'write',
    idempotent: false,
    params: [
      { name: 'name', in: 'body', type: 'string', required: true },
      { name: 'description', in: 'body', type: 'string', required: true },
      { name: 'status', in: 'body', type: 'string', required: true },
      { name: 'severity', in: 'body', type: 'integer', required: true },
      { name: 'severity_info', in: 'body', type: 'object' },
      { name: 'assigned_to_user_uuid', in: 'body', type: 'string' },
      {
        name: 'evidence',
        in: 'body',
        type: 'object',
        description: '{alerts: [{id}], events: [{id}], leads: [{id}]}',
      },
      { name: 'tags', in: 'body', type: 'string[]' },
      { name: 'access_tags', in: 'body', type: 'object[]' },
      { name: 'template', in: 'body', type: 'object' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    readBack: 'queries_cases_get_v1',
    resources: 'entities',
    summary: 'Create a case (PUT).',
  }),
  cases({
    operationId: 'entities_cases_patch_v2',
    pep8: 'update_case_fields',
    method: 'PATCH',
    path: '/cases/entities/cases/v2',
    scope: 'cases:write',
    kind: 'write',
    idempotent: false,
    params: [
      { name: 'id', in: 'body', type: 'string', required: true },
      {
        name: 'fields',
        in: 'body',
        type: 'object',
        required: true,
        description:
          '{name, description, status, severity, assigned_to_user_uuid, remove_user_assignment, ...}',
      },
      { name: 'expected_version', in: 'body', type: 'integer' },
      { name: 'expected_consistency_version', in: 'body', type: 'integer' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    readBack: 'entities_cases_post_v2',
    resources: 'entities',
    summary: 'Update fields of one case.',
  }),
  cases({
    operationId: 'entities_alert_evidence_post_v1',
    pep8: 'add_case_alert_evidence',
    method: 'POST',
    path: '/cases/entities/alert-evidence/v1',
    scope: 'cases:write',
    kind: 'write',
    idempotent: false,
    params: [
      { name: 'id', in: 'body', type: 'string', required: true, description: 'Case id.' },
      {
        name: 'alerts',
        in: 'body',
        type: 'object[]',
        required: true,
        description: '[{id: <alert composite id>}]',
      },
    ],
    bodyShape: 'object',
    pagination: 'none',
    readBack: 'entities_cases_post_v2',
    resources: 'entities',
    summary: 'Add alerts to a case as evidence.',
  }),
  cases({
    operationId: 'entities_case_tags_post_v1',
    pep8: 'add_case_tags',
    method: 'POST',
    path: '/cases/entities/case-tags/v1',
    scope: 'cases:write',
    kind: 'write',
    idempotent: false,
    params: [
      { name: 'id', in: 'body', type: 'string', required: true, description: 'Case id.' },
      { name: 'tags', in: 'body', type: 'string[]', required: true },
    ],
    bodyShape: 'object',
    pagination: 'none',
    readBack: 'entities_cases_post_v2',
    resources: 'entities',
    summary: 'Add tags to a case.',
  }),
  cases({
    operationId: 'entities_case_tags_delete_v1',
    pep8: 'delete_case_tags',
    method: 'DELETE',
    path: '/cases/entities/case-tags/v1',
    scope: 'cases:write',
    kind: 'write',
    idempotent: true,
    params: [
      { name: 'id', in: 'query', type: 'string', required: true, description: 'Case id.' },
      { name: 'tag', in: 'query', type: 'string[]', required: true },
    ],
    bodyShape: 'none',
    pagination: 'none',
    readBack: 'entities_cases_post_v2',
    resources: 'entities',
    summary: 'Remove tags from a case.',
  }),
  cases({
    operationId: 'entities_event_evidence_post_v1',
    pep8: 'add_case_event_evidence',
    method: 'POST',
    path: '/cases/entities/event-evidence/v1',
    scope: 'cases:write',
    kind: 'write',
    idempotent: false,
    params: [
      { name: 'id', in: 'body', type: 'string', required: true, description: 'Case id.' },
      { name: 'events', in: 'body', type: 'object[]', required: true, description: '[{id}]' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    readBack: 'entities_cases_post_v2',
    resources: 'entities',
    summary: 'Add events to a case as evidence.',
  }),
];
