/**
 * Case Management administration: templates (and the fields they define), SLAs, notification groups
 * (v1 and v2) and access tags. Routes and parameters from falconpy src/falconpy/_endpoint/_case_management.py,
 * PEP 8 names from falconpy tests/test_case_management.py and case_management.py, bodies from
 * falconpy src/falconpy/_payload/_case_management.py, scopes case-templates:read / case-templates:write
 * from falconjs src/apis/CaseManagementApi.ts. docs/falcon-successors.md lists what is confirmed.
 */
import { AGGREGATE_BODY, FILTER_QUERY, idsQuery, offsetLimitQuery, sortQuery } from './params.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

const SOURCE =
  'falconpy _endpoint/_case_management.py, _payload/_case_management.py; falconjs apis/CaseManagementApi.ts';

// No SDK states an ids cap for these routes; 200 matches their page size (unconfirmed, docs/falcon-successors.md).
const IDS_CAP = 200;
const PAGE = { min: 1, max: 200, default: 100 } as const;

type Spec = Omit<OperationSpec, 'collection' | 'source' | 'successStatus' | 'idempotent' | 'kind' | 'scope'>;

function read(spec: Spec): OperationSpec {
  return {
    ...spec,
    collection: 'cases',
    source: SOURCE,
    successStatus: 200,
    idempotent: true,
    kind: 'read',
    scope: 'case-templates:read',
  };
}

function write(spec: Spec & { idempotent?: boolean }): OperationSpec {
  return {
    idempotent: false,
    ...spec,
    collection: 'cases',
    source: SOURCE,
    successStatus: 200,
    kind: 'write',
    scope: 'case-templates:write',
  };
}

/** One family of administrative records: its route stem, names and body fields. */
interface Family {
  /** Route segment: templates, slas, notification-groups. */
  route: string;
  version: 'v1' | 'v2';
  /** Operation id stem: templates, slas, notification_groups. */
  stem: string;
  label: string;
  names: { query: string; get: string; create: string; update: string; delete: string; aggregate: string };
  fields: readonly ParamSpec[];
  /** Field required on create besides name. */
  required?: readonly string[];
}

function family(f: Family): OperationSpec[] {
  const base = `/casemgmt`;
  const entities = `${base}/entities/${f.route}/${f.version}`;
  const bodyFields = (requireName: boolean): ParamSpec[] => [
    { name: 'name', in: 'body', type: 'string', required: requireName },
    { name: 'description', in: 'body', type: 'string' },
    ...f.fields.map((p) => (requireName && f.required?.includes(p.name) ? { ...p, required: true } : p)),
  ];
  return [
    read({
      operationId: `queries_${f.stem}_get_${f.version}`,
      pep8: f.names.query,
      method: 'GET',
      path: `${base}/queries/${f.route}/${f.version}`,
      params: [FILTER_QUERY, sortQuery(), ...offsetLimitQuery(PAGE.min, PAGE.max)],
      bodyShape: 'none',
      pagination: 'offset',
      limit: PAGE,
      resources: 'ids',
      summary: `Search ${f.label} ids by FQL filter.`,
    }),
    read({
      operationId: `entities_${f.stem}_get_${f.version}`,
      pep8: f.names.get,
      method: 'GET',
      path: entities,
      params: [idsQuery(IDS_CAP)],
      bodyShape: 'none',
      ids: { param: 'ids', max: IDS_CAP },
      pagination: 'none',
      resources: 'entities',
      summary: `Get ${f.label} by id.`,
    }),
    write({
      operationId: `entities_${f.stem}_post_${f.version}`,
      pep8: f.names.create,
      method: 'POST',
      path: entities,
      params: bodyFields(true),
      bodyShape: 'object',
      pagination: 'none',
      readBack: `queries_${f.stem}_get_${f.version}`,
      resources: 'entities',
      summary: `Create a ${f.label.replace(/s$/, '')}.`,
    }),
    write({
      operationId: `entities_${f.stem}_patch_${f.version}`,
      pep8: f.names.update,
      method: 'PATCH',
      path: entities,
      params: [{ name: 'id', in: 'body', type: 'string', required: true }, ...bodyFields(false)],
      bodyShape: 'object',
      pagination: 'none',
      readBack: `entities_${f.stem}_get_${f.version}`,
      resources: 'entities',
      summary: `Update a ${f.label.replace(/s$/, '')} (fields not sent are kept).`,
    }),
    write({
      operationId: `entities_${f.stem}_delete_${f.version}`,
      pep8: f.names.delete,
      method: 'DELETE',
      path: entities,
      idempotent: true,
      params: [idsQuery(IDS_CAP)],
      bodyShape: 'none',
      ids: { param: 'ids', max: IDS_CAP },
      pagination: 'none',
      readBack: `entities_${f.stem}_get_${f.version}`,
      resources: 'ids',
      summary: `Delete ${f.label} by id.`,
    }),
    read({
      operationId: `aggregates_${f.stem}_post_${f.version}`,
      pep8: f.names.aggregate,
      method: 'POST',
      path: `${base}/aggregates/${f.route}/${f.version}`,
      params: AGGREGATE_BODY,
      bodyShape: 'array',
      pagination: 'none',
      resources: 'entities',
      summary: `Aggregate ${f.label} (body is a list of aggregate specs).`,
    }),
  ];
}

const CHANNELS: ParamSpec = {
  name: 'channels',
  in: 'body',
  type: 'object[]',
  description: '[{type (email, ...), config_id, config_name, recipients, severity}] (v2 adds params).',
};

/** Templates, SLAs, notification groups v1/v2, fields and access tags. */
export const CASE_ADMIN_OPERATIONS: readonly OperationSpec[] = [
  ...family({
    route: 'templates',
    version: 'v1',
    stem: 'templates',
    label: 'case templates',
    names: {
      query: 'query_templates',
      get: 'get_templates',
      create: 'create_template',
      update: 'update_template',
      delete: 'delete_templates',
      aggregate: 'get_template_aggregations',
    },
    fields: [
      { name: 'sla_id', in: 'body', type: 'string', description: 'An existing SLA.' },
      {
        name: 'fields',
        in: 'body',
        type: 'object[]',
        description:
          '[{name, data_type, input_type, required, multivalued, default_value, options: [{value}]}]',
      },
    ],
  }),
  ...family({
    route: 'slas',
    version: 'v1',
    stem: 'slas',
    label: 'SLAs',
    names: {
      query: 'query_slas',
      get: 'get_slas',
      create: 'create_sla',
      update: 'update_sla',
      delete: 'delete_sla',
      aggregate: 'get_sla_aggregations',
    },
    fields: [
      {
        name: 'goals',
        in: 'body',
        type: 'object[]',
        description:
          '[{type, duration_seconds, escalation_policy: {steps: [{escalate_after_seconds, notification_group_id}]}}]',
      },
    ],
    required: ['goals'],
  }),
  ...family({
    route: 'notification-groups',
    version: 'v1',
    stem: 'notification_groups',
    label: 'notification groups',
    names: {
      query: 'query_notification_groups',
      get: 'get_notification_groups',
      create: 'create_notification_group',
      update: 'update_notification_group',
      delete: 'delete_notification_group',
      aggregate: 'get_notification_groups_aggregation',
    },
    fields: [CHANNELS],
    required: ['channels'],
  }),
  ...family({
    route: 'notification-groups',
    version: 'v2',
    stem: 'notification_groups',
    label: 'notification groups',
    names: {
      query: 'query_notification_groups_v2',
      get: 'get_notification_groups_v2',
      create: 'create_notification_group_v2',
      update: 'update_notification_group_v2',
      delete: 'delete_notification_group_v2',
      aggregate: 'get_notification_groups_aggregation_v2',
    },
    fields: [CHANNELS],
    required: ['channels'],
  }),
  read({
    operationId: 'queries_fields_get_v1',
    pep8: 'query_fields',
    method: 'GET',
    path: '/casemgmt/queries/fields/v1',
    params: [FILTER_QUERY, ...offsetLimitQuery(PAGE.min, PAGE.max)],
    bodyShape: 'none',
    pagination: 'offset',
    limit: PAGE,
    resources: 'ids',
    summary: 'Search the ids of the fields templates define.',
  }),
  read({
    operationId: 'entities_fields_get_v1',
    pep8: 'get_fields',
    method: 'GET',
    path: '/casemgmt/entities/fields/v1',
    params: [idsQuery(IDS_CAP)],
    bodyShape: 'none',
    ids: { param: 'ids', max: IDS_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get template fields by id.',
  }),
  read({
    operationId: 'queries_access_tags_get_v1',
    pep8: 'query_access_tags',
    method: 'GET',
    path: '/casemgmt/queries/access-tags/v1',
    params: [
      FILTER_QUERY,
      sortQuery(),
      { name: 'limit', in: 'query', type: 'integer', minimum: PAGE.min, maximum: PAGE.max },
      { name: 'after', in: 'query', type: 'string', description: 'Token of the next page.' },
    ],
    bodyShape: 'none',
    pagination: 'after',
    limit: PAGE,
    resources: 'ids',
    summary: 'Search access tag ids (after-token paging).',
  }),
  read({
    operationId: 'entities_access_tags_get_v1',
    pep8: 'get_access_tags',
    method: 'GET',
    path: '/casemgmt/entities/access-tags/v1',
    params: [idsQuery(IDS_CAP)],
    bodyShape: 'none',
    ids: { param: 'ids', max: IDS_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get access tags by id.',
  }),
  read({
    operationId: 'aggregates_access_tags_post_v1',
    pep8: 'get_access_tag_aggregations',
    method: 'POST',
    path: '/casemgmt/aggregates/access-tags/v1',
    params: AGGREGATE_BODY,
    bodyShape: 'array',
    pagination: 'none',
    resources: 'entities',
    summary: 'Aggregate access tags (body is a list of aggregate specs).',
  }),
];
