/**
 * Hosts (devices): search, details, online state, containment and other host actions, tags.
 * Routes, parameters and PEP 8 names from falconpy src/falconpy/_endpoint/_hosts.py and
 * src/falconpy/hosts.py (method names and their aliases), cross-checked with falconjs
 * src/_endpoints/hosts.ts and gofalcon falcon/client/hosts/*.go (PerformActionV2 answers 202 with
 * msa.ReplyAffectedEntities). Scopes: `devices:read` and `devices:write` (falconpy docs list the
 * collection as "Hosts: READ/WRITE"; the OAuth2 scope strings are devices:read / devices:write).
 * Id caps the SDKs do not state are marked "unconfirmed" next to the entry (docs/hosts.md).
 */
import { FILTER_QUERY, idsBody, idsQuery } from './params.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

/** Action names of PerformActionV2 (falconpy hosts.py perform_action `_allowed_actions`). */
export const HOST_ACTION_NAMES = [
  'contain',
  'lift_containment',
  'hide_host',
  'unhide_host',
  'detection_suppress',
  'detection_unsuppress',
] as const;

/** Values of a device's `status` field as containment moves (falcon-response.md, Hosts). */
export const CONTAINMENT_STATUSES = [
  'normal',
  'containment_pending',
  'contained',
  'lift_containment_pending',
] as const;

const SOURCE = 'falconpy src/falconpy/_endpoint/_hosts.py + hosts.py; falconjs src/_endpoints/hosts.ts';

// Sort fields every device query names (falconpy query_hidden_devices docstring, the short list).
const DEVICE_SORT_FIELDS = [
  'device_id',
  'agent_version',
  'external_ip',
  'first_seen',
  'hostname',
  'last_login_timestamp',
  'last_seen',
  'local_ip',
  'mac_address',
  'machine_domain',
  'modified_timestamp',
  'os_version',
  'platform_name',
  'product_type_desc',
  'site_name',
  'status',
  'tags',
  'groups',
];

const SORT: ParamSpec = {
  name: 'sort',
  in: 'query',
  type: 'string',
  description: `field.asc|desc over device fields such as ${DEVICE_SORT_FIELDS.slice(0, 8).join(', ')}, ...`,
};

function integerOffsetLimit(max: number): ParamSpec[] {
  return [
    { name: 'offset', in: 'query', type: 'integer', minimum: 0, description: 'Start position.' },
    { name: 'limit', in: 'query', type: 'integer', minimum: 1, maximum: max, description: 'Page size.' },
  ];
}

function tokenOffsetLimit(max: number): ParamSpec[] {
  return [
    {
      name: 'offset',
      in: 'query',
      type: 'string',
      description: 'Token from the previous answer (meta.pagination.offset); omit on the first call.',
    },
    { name: 'limit', in: 'query', type: 'integer', minimum: 1, maximum: max, description: 'Page size.' },
  ];
}

/** A GET query of device ids: the three id searches differ only in route, paging and limits. */
function deviceIdQuery(
  fields: Pick<OperationSpec, 'operationId' | 'pep8' | 'path' | 'params' | 'limit' | 'summary'> &
    Partial<Pick<OperationSpec, 'aliases'>>,
): OperationSpec {
  return {
    ...fields,
    collection: 'hosts',
    method: 'GET',
    scope: 'devices:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    bodyShape: 'none',
    pagination: 'offset',
    resources: 'ids',
    source: SOURCE,
  };
}

/** Hosts operations. */
export const HOSTS_OPERATIONS: readonly OperationSpec[] = [
  // "[1-5000]" (falconpy docstring); the default of 100 is not stated by the SDKs (unconfirmed).
  deviceIdQuery({
    operationId: 'QueryDevicesByFilter',
    pep8: 'query_devices_by_filter',
    path: '/devices/queries/devices/v1',
    params: [...integerOffsetLimit(5000), SORT, FILTER_QUERY],
    limit: { min: 1, max: 5000, default: 100 },
    summary: 'Search visible hosts (device ids) by FQL filter.',
  }),
  // falconpy hosts.py: "[integer, 1-10000]"; the offset token expires after 2 minutes.
  deviceIdQuery({
    operationId: 'QueryDevicesByFilterScroll',
    pep8: 'query_devices_by_filter_scroll',
    aliases: ['query_devices', 'QueryDevices'],
    path: '/devices/queries/devices-scroll/v1',
    params: [...tokenOffsetLimit(10000), SORT, FILTER_QUERY],
    limit: { min: 1, max: 10000, default: 100 },
    summary: 'Search host ids with a scroll token (no 10,000 window; token expires after 2 minutes).',
  }),
  deviceIdQuery({
    operationId: 'QueryHiddenDevices',
    pep8: 'query_hidden_devices',
    path: '/devices/queries/devices-hidden/v1',
    params: [...integerOffsetLimit(5000), SORT, FILTER_QUERY],
    limit: { min: 1, max: 5000, default: 100 },
    summary: 'Search hidden hosts (device ids) by FQL filter.',
  }),
  {
    operationId: 'CombinedDevicesByFilter',
    pep8: 'query_devices_by_filter_combined',
    collection: 'hosts',
    method: 'GET',
    path: '/devices/combined/devices/v1',
    scope: 'devices:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      ...tokenOffsetLimit(10000),
      SORT,
      FILTER_QUERY,
      {
        name: 'fields',
        in: 'query',
        type: 'string',
        description: 'Comma-separated fields to return, e.g. hostname,device_id.',
      },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    // falconpy: "default": 100, "[1-10000]"; offset is the "next" value of the previous answer.
    limit: { min: 1, max: 10000, default: 100 },
    resources: 'entities',
    summary: 'Search hosts and return full device records in one call.',
    source: SOURCE,
  },
  {
    operationId: 'GetDeviceDetailsV2',
    pep8: 'get_device_details_v2',
    collection: 'hosts',
    method: 'GET',
    path: '/devices/entities/devices/v2',
    scope: 'devices:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsQuery(100)],
    bodyShape: 'none',
    // "Supports up to a maximum 100 IDs" and maxItems 100 (falconpy _hosts.py).
    ids: { param: 'ids', max: 100 },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get host details by device id (ids in the query string).',
    source: SOURCE,
  },
  {
    operationId: 'PostDeviceDetailsV2',
    pep8: 'get_device_details',
    aliases: ['post_device_details_v2', 'GetDeviceDetails'],
    collection: 'hosts',
    method: 'POST',
    path: '/devices/entities/devices/v2',
    scope: 'devices:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsBody(5000)],
    bodyShape: 'object',
    // "Supports up to a maximum 5000 IDs" (falconpy _hosts.py).
    ids: { param: 'ids', max: 5000 },
    pagination: 'none',
    resources: 'entities',
    summary: 'Get host details by device id (ids in the body); the read-back of host actions.',
    source: SOURCE,
  },
  {
    operationId: 'PerformActionV2',
    pep8: 'perform_action',
    collection: 'hosts',
    method: 'POST',
    path: '/devices/entities/devices-actions/v2',
    scope: 'devices:write',
    kind: 'write',
    idempotent: false,
    // 202 Accepted is the only success gofalcon's reader accepts (perform_action_v2_responses.go).
    successStatus: 202,
    params: [
      {
        name: 'action_name',
        in: 'query',
        type: 'string',
        required: true,
        enum: HOST_ACTION_NAMES,
        description: `One of ${HOST_ACTION_NAMES.join(', ')}.`,
      },
      idsBody(100),
      {
        name: 'action_parameters',
        in: 'body',
        type: 'object[]',
        description: '[{name, value}], e.g. {name: "note", value: "..."} (msa.EntityActionRequestV2).',
      },
    ],
    bodyShape: 'object',
    // Unconfirmed: no SDK states a cap. PSFalcon's Invoke-HostAction batches hide/unhide by 100 and
    // contain/lift by 500; 100 is used for every action so one batch size is safe for all of them.
    ids: { param: 'ids', max: 100 },
    pagination: 'none',
    readBack: 'PostDeviceDetailsV2',
    response: {
      kind: 'host-action',
      hostsParam: 'ids',
      byAction: {
        param: 'action_name',
        kinds: { contain: 'containment', lift_containment: 'containment' },
      },
    },
    resources: 'entities',
    summary: 'Contain or lift containment, hide or unhide, suppress or unsuppress detections on hosts.',
    source: `${SOURCE}; gofalcon falcon/client/hosts/perform_action_v2_responses.go`,
  },
  {
    operationId: 'UpdateDeviceTags',
    pep8: 'update_device_tags',
    collection: 'hosts',
    method: 'PATCH',
    path: '/devices/entities/devices/tags/v1',
    scope: 'devices:write',
    kind: 'write',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        name: 'action',
        in: 'body',
        type: 'string',
        required: true,
        enum: ['add', 'remove'],
        description: 'add or remove.',
      },
      {
        name: 'device_ids',
        in: 'body',
        type: 'string[]',
        required: true,
        maxItems: 100,
        description: 'Device ids.',
      },
      {
        name: 'tags',
        in: 'body',
        type: 'string[]',
        required: true,
        description: 'Falcon grouping tags, FalconGroupingTags/<name> (falconpy adds the prefix).',
      },
    ],
    bodyShape: 'object',
    // Unconfirmed: no SDK states a cap for device_ids; 100 keeps one request small.
    ids: { param: 'device_ids', max: 100 },
    pagination: 'none',
    readBack: 'PostDeviceDetailsV2',
    response: { kind: 'host-action', hostsParam: 'device_ids' },
    resources: 'entities',
    summary: 'Add or remove Falcon grouping tags on hosts.',
    source: SOURCE,
  },
  {
    operationId: 'GetOnlineState_V1',
    pep8: 'get_online_state',
    aliases: ['get_online_state_v1'],
    collection: 'hosts',
    method: 'GET',
    path: '/devices/entities/online-state/v1',
    scope: 'devices:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [idsQuery(100)],
    bodyShape: 'none',
    // Unconfirmed: the SDKs give no maxItems; 100 like GetDeviceDetailsV2 (ids in the query string).
    ids: { param: 'ids', max: 100 },
    pagination: 'none',
    resources: 'entities',
    summary: 'Online state (online, offline, unknown) per host id.',
    source: SOURCE,
  },
];
