/** IOC Management, routes under /iocs (falcon-api.md §4.3, §5.3). Current, not deprecated. */
import { AGGREGATE_BODY, FILTER_QUERY, idsQuery, STRING_OFFSET_LIMIT } from './params.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

/** Indicator vocabularies (falcon-api.md §5.3; PSFalcon's former ValidateSets in public/iocs.ps1). */
export const IOC_ACTIONS: readonly string[] = ['no_action', 'allow', 'prevent_no_ui', 'detect', 'prevent'];
export const IOC_TYPES: readonly string[] = ['sha256', 'md5', 'domain', 'ipv4', 'ipv6'];
/** Mobile-only type (terraform custom_ioc docs, falcon-api.md §5.3). */
export const IOC_MOBILE_TYPES: readonly string[] = ['all_subdomains'];
export const IOC_PLATFORMS: readonly string[] = ['windows', 'mac', 'linux', 'ios', 'android'];
export const IOC_SEVERITIES: readonly string[] = ['informational', 'low', 'medium', 'high', 'critical'];

/**
 * Fields of one indicator (`api.IndicatorCreateReqV1`, falcon-api.md §5.3; falconjs
 * src/models/ApiIndicatorCreateReqV1.ts). Updates carry the same fields plus `id`.
 */
const INDICATOR_FIELDS: readonly ParamSpec[] = [
  { name: 'type', in: 'body', type: 'string', required: true, enum: [...IOC_TYPES, ...IOC_MOBILE_TYPES] },
  { name: 'value', in: 'body', type: 'string', required: true },
  { name: 'action', in: 'body', type: 'string', enum: IOC_ACTIONS, description: 'Desktop action.' },
  { name: 'mobile_action', in: 'body', type: 'string', description: 'Action on mobile platforms.' },
  {
    name: 'severity',
    in: 'body',
    type: 'string',
    description: `Required for detect/prevent: ${IOC_SEVERITIES.join(', ')} (any case).`,
  },
  { name: 'platforms', in: 'body', type: 'string[]', enum: IOC_PLATFORMS },
  { name: 'host_groups', in: 'body', type: 'string[]', description: 'Host group ids.' },
  { name: 'applied_globally', in: 'body', type: 'boolean' },
  { name: 'expiration', in: 'body', type: 'string', description: 'RFC 3339 time, in the future.' },
  { name: 'description', in: 'body', type: 'string' },
  { name: 'source', in: 'body', type: 'string', description: 'At most 200 characters.' },
  { name: 'tags', in: 'body', type: 'string[]' },
  { name: 'metadata', in: 'body', type: 'object', description: '{filename}' },
];

const INDICATOR_UPDATE_FIELDS: readonly ParamSpec[] = [
  { name: 'id', in: 'body', type: 'string', required: true },
  ...INDICATOR_FIELDS.filter((f) => f.name !== 'type' && f.name !== 'value'),
];

const BULK_UPDATE_FIELDS: readonly ParamSpec[] = [
  { name: 'filter', in: 'body', type: 'string', required: true, description: 'FQL selecting indicators.' },
  { name: 'from_parent', in: 'body', type: 'boolean' },
  ...INDICATOR_FIELDS.filter((f) => f.name !== 'type' && f.name !== 'value'),
];

const IOC_SORT_FIELDS = [
  'action',
  'applied_globally',
  'metadata.av_hits',
  'metadata.company_name.raw',
  'created_by',
  'created_on',
  'expiration',
  'expired',
  'metadata.filename.raw',
  'modified_by',
  'modified_on',
  'metadata.original_filename.raw',
  'metadata.product_name.raw',
  'metadata.product_version',
  'severity_number',
  'source',
  'type',
  'value',
];

const FROM_PARENT: ParamSpec = {
  name: 'from_parent',
  in: 'query',
  type: 'boolean',
  description: 'MSSP: only the parent CID indicators.',
};

/** Search/combined share their query parameters; offset and after are mutually exclusive. */
const SEARCH_PARAMS: readonly ParamSpec[] = [
  FILTER_QUERY,
  { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: 'offset+limit <= 10000.' },
  { name: 'limit', in: 'query', type: 'integer', minimum: 1, maximum: 500 },
  {
    name: 'sort',
    in: 'query',
    type: 'string',
    description: `Field and direction; fields: ${IOC_SORT_FIELDS.join(', ')}.`,
  },
  { name: 'after', in: 'query', type: 'string', description: 'Pagination token (use past 10000).' },
  FROM_PARENT,
];

const WRITE_QUERY: readonly ParamSpec[] = [
  { name: 'retrodetects', in: 'query', type: 'boolean', description: 'Generate retroactive detections.' },
  { name: 'ignore_warnings', in: 'query', type: 'boolean', description: 'Ignore validation warnings.' },
];

const TYPE_VALUE: readonly ParamSpec[] = [
  {
    name: 'type',
    in: 'query',
    type: 'string',
    required: true,
    enum: IOC_TYPES,
  },
  { name: 'value', in: 'query', type: 'string', required: true },
];

const LOOKUP_PAGING: readonly ParamSpec[] = [
  { name: 'offset', in: 'query', type: 'string', description: 'Start position (string).' },
  { name: 'limit', in: 'query', type: 'integer', minimum: 1 },
];

function readOp(
  operationId: string,
  pep8: string,
  path: string,
  params: readonly ParamSpec[],
  extra: Partial<OperationSpec> & Pick<OperationSpec, 'resources' | 'summary' | 'source'>,
): OperationSpec {
  return {
    operationId,
    pep8,
    collection: 'ioc',
    method: 'GET',
    path,
    scope: 'ioc:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params,
    bodyShape: 'none',
    pagination: 'none',
    ...extra,
  };
}

/** IOC Management operations. */
export const IOC_OPERATIONS: readonly OperationSpec[] = [
  readOp('indicator_search_v1', 'indicator_search', '/iocs/queries/indicators/v1', SEARCH_PARAMS, {
    aliases: ['indicator.search.v1'],
    pagination: 'offset-or-after',
    limit: { min: 1, max: 500, default: 100 },
    resources: 'ids',
    summary: 'Search indicator ids by FQL (offset or after paging).',
    source: 'falcon-api.md §4.3.1, §2.5',
  }),
  readOp('indicator_combined_v1', 'indicator_combined', '/iocs/combined/indicator/v1', SEARCH_PARAMS, {
    aliases: ['indicator.combined.v1'],
    pagination: 'offset-or-after',
    limit: { min: 1, max: 500, default: 100 },
    resources: 'entities',
    summary: 'Search indicators and return full records.',
    source: 'falcon-api.md §4.3.2, §2.5',
  }),
  readOp('indicator_get_v1', 'indicator_get', '/iocs/entities/indicators/v1', [idsQuery(500)], {
    aliases: ['indicator.get.v1'],
    // Undocumented cap; bounded by URL length, PSFalcon budgets ~500 ids (§2.6).
    ids: { param: 'ids', max: 500 },
    resources: 'entities',
    summary: 'Get indicators by id.',
    source: 'falcon-api.md §4.3.3, §2.6',
  }),
  {
    operationId: 'indicator_create_v1',
    pep8: 'indicator_create',
    aliases: ['indicator.create.v1'],
    collection: 'ioc',
    method: 'POST',
    path: '/iocs/entities/indicators/v1',
    scope: 'ioc:write',
    kind: 'write',
    idempotent: false,
    successStatus: 201,
    params: [
      ...WRITE_QUERY,
      { name: 'comment', in: 'body', type: 'string', description: 'Audit comment.' },
      {
        name: 'indicators',
        in: 'body',
        type: 'object[]',
        required: true,
        maxItems: 2000,
        description: 'api.IndicatorCreateReqV1 records.',
        fields: INDICATOR_FIELDS,
      },
    ],
    bodyShape: 'object',
    ids: { param: 'indicators', max: 2000 },
    pagination: 'none',
    readBack: 'indicator_combined_v1',
    resources: 'entities',
    summary: 'Create indicators (201).',
    source: 'falcon-api.md §4.3.4, §5.3, §2.6',
  },
  {
    operationId: 'indicator_update_v1',
    pep8: 'indicator_update',
    aliases: ['indicator.update.v1'],
    collection: 'ioc',
    method: 'PATCH',
    path: '/iocs/entities/indicators/v1',
    scope: 'ioc:write',
    kind: 'write',
    idempotent: false,
    successStatus: 200,
    params: [
      ...WRITE_QUERY,
      { name: 'comment', in: 'body', type: 'string' },
      {
        name: 'indicators',
        in: 'body',
        type: 'object[]',
        maxItems: 2000,
        description: '[{id, ...fields}]',
        fields: INDICATOR_UPDATE_FIELDS,
      },
      {
        name: 'bulk_update',
        in: 'body',
        type: 'object',
        description: '{filter, from_parent?, ...fields}',
        fields: BULK_UPDATE_FIELDS,
      },
    ],
    bodyShape: 'object',
    ids: { param: 'indicators', max: 2000 },
    pagination: 'none',
    readBack: 'indicator_get_v1',
    resources: 'entities',
    summary: 'Update indicators by id or by filter (bulk_update).',
    source: 'falcon-api.md §4.3.5, §5.3',
  },
  {
    operationId: 'indicator_delete_v1',
    pep8: 'indicator_delete',
    aliases: ['indicator.delete.v1'],
    collection: 'ioc',
    method: 'DELETE',
    path: '/iocs/entities/indicators/v1',
    scope: 'ioc:write',
    kind: 'write',
    // Deleting the same ids again changes nothing more, so a retry after a timeout is safe.
    idempotent: true,
    successStatus: 200,
    params: [
      { ...FILTER_QUERY, description: 'Bulk delete by FQL; takes precedence over ids.' },
      idsQuery(500, false),
      { name: 'comment', in: 'query', type: 'string', description: 'Audit reason.' },
      FROM_PARENT,
    ],
    bodyShape: 'none',
    ids: { param: 'ids', max: 500 },
    pagination: 'none',
    readBack: 'indicator_get_v1',
    resources: 'ids',
    summary: 'Delete indicators by id or filter.',
    source: 'falcon-api.md §4.3.6',
  },
  {
    operationId: 'indicator_aggregate_v1',
    pep8: 'indicator_aggregate',
    aliases: ['indicator.aggregate.v1'],
    collection: 'ioc',
    method: 'POST',
    path: '/iocs/aggregates/indicators/v1',
    scope: 'ioc:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    // The query-string filter shadows the aggregate spec's body filter of the same name; pass the
    // body whole (`body`) to set a body filter.
    params: [FILTER_QUERY, FROM_PARENT, ...AGGREGATE_BODY.filter((p) => p.name !== 'filter')],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Aggregate indicators (single aggregate object body).',
    source: 'falcon-api.md §4.3.7, §5.1',
  },
  readOp(
    'indicator_get_device_count_v1',
    'devices_count',
    '/iocs/aggregates/indicators/device-count/v1',
    TYPE_VALUE,
    {
      aliases: ['indicator.get.device_count.v1'],
      resources: 'entities',
      summary: 'Number of hosts that observed an indicator.',
      source: 'falcon-api.md §4.3.8',
    },
  ),
  readOp(
    'indicator_get_devices_ran_on_v1',
    'devices_ran_on',
    '/iocs/queries/indicators/devices/v1',
    [...TYPE_VALUE, ...STRING_OFFSET_LIMIT],
    {
      aliases: ['indicator.get.devices_ran_on.v1'],
      pagination: 'offset',
      resources: 'ids',
      summary: 'Device ids that observed an indicator.',
      source: 'falcon-api.md §4.3.9',
    },
  ),
  readOp(
    'indicator_get_processes_ran_on_v1',
    'processes_ran_on',
    '/iocs/queries/indicators/processes/v1',
    [
      ...TYPE_VALUE,
      { name: 'device_id', in: 'query', type: 'string', required: true },
      ...STRING_OFFSET_LIMIT,
    ],
    {
      aliases: ['indicator.get.processes_ran_on.v1'],
      pagination: 'offset',
      resources: 'ids',
      summary: 'Process ids on one device associated with an indicator.',
      source: 'falcon-api.md §4.3.10',
    },
  ),
  readOp('action_query_v1', 'action_query', '/iocs/queries/actions/v1', LOOKUP_PAGING, {
    aliases: ['action.query.v1'],
    pagination: 'offset',
    resources: 'ids',
    summary: 'Query indicator action ids.',
    source: 'falcon-api.md §4.3.11',
  }),
  readOp('action_get_v1', 'action_get', '/iocs/entities/actions/v1', [idsQuery(500)], {
    aliases: ['action.get.v1'],
    ids: { param: 'ids', max: 500 },
    resources: 'entities',
    summary: 'Get indicator actions by id.',
    source: 'falcon-api.md §4.3.12',
  }),
  readOp('ioc_type_query_v1', 'ioc_type_query', '/iocs/queries/ioc-types/v1', LOOKUP_PAGING, {
    aliases: ['ioc_type.query.v1'],
    pagination: 'offset',
    resources: 'ids',
    summary: 'Query the allowed indicator types.',
    source: 'falcon-api.md §4.3.13',
  }),
  readOp('platform_query_v1', 'platform_query', '/iocs/queries/platforms/v1', LOOKUP_PAGING, {
    aliases: ['platform.query.v1'],
    pagination: 'offset',
    resources: 'ids',
    summary: 'Query the allowed platforms.',
    source: 'falcon-api.md §4.3.13',
  }),
  readOp('severity_query_v1', 'severity_query', '/iocs/queries/severities/v1', LOOKUP_PAGING, {
    aliases: ['severity.query.v1'],
    pagination: 'offset',
    resources: 'ids',
    summary: 'Query the allowed severities.',
    source: 'falcon-api.md §4.3.13',
  }),
  {
    operationId: 'GetIndicatorsReport',
    pep8: 'get_indicators_report',
    collection: 'ioc',
    method: 'POST',
    path: '/iocs/entities/indicators-reports/v1',
    scope: 'ioc:read',
    kind: 'read',
    // Launches a report job: a retry would start a second job.
    idempotent: false,
    successStatus: 200,
    params: [
      { name: 'report_format', in: 'body', type: 'string', required: true },
      { name: 'search', in: 'body', type: 'object', required: true, description: '{filter, query, sort}' },
      { name: 'from_parent', in: 'body', type: 'boolean' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Launch an indicators report job.',
    source: 'falcon-api.md §4.3.14',
  },
];
