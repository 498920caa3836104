/**
 * Legacy IOCs, routes under /indicators and /processes (falcon-api.md §4.4). Four read routes are
 * live. The legacy custom-IOC CRUD is gone from the real API (falconpy answers locally, falconjs and
 * gofalcon dropped it); it is listed in IOCS_LEGACY_REMOVED so the checker can name the successor.
 */
import { idsQuery, STRING_OFFSET_LIMIT } from './params.ts';
import type { Deprecation, OperationSpec, ParamSpec } from './types.ts';

const TYPE_VALUE: readonly ParamSpec[] = [
  { name: 'type', in: 'query', type: 'string', required: true },
  { name: 'value', in: 'query', type: 'string', required: true },
];

function live(
  operationId: string,
  pep8: string,
  aliases: readonly string[],
  path: string,
  params: readonly ParamSpec[],
  extra: Pick<OperationSpec, 'resources' | 'summary' | 'pagination'> & Partial<OperationSpec>,
): OperationSpec {
  return {
    operationId,
    pep8,
    aliases,
    collection: 'iocs',
    method: 'GET',
    path,
    scope: 'iocs:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params,
    bodyShape: 'none',
    source: 'falcon-api.md §4.4',
    ...extra,
  };
}

/** The live legacy read routes. */
export const IOCS_LEGACY_OPERATIONS: readonly OperationSpec[] = [
  live(
    'DevicesCount',
    'devices_count_legacy',
    ['devices_count'],
    '/indicators/aggregates/devices-count/v1',
    TYPE_VALUE,
    {
      pagination: 'none',
      resources: 'entities',
      summary: 'Number of hosts that observed a custom IOC (legacy route).',
    },
  ),
  live(
    'DevicesRanOn',
    'devices_ran_on_legacy',
    ['devices_ran_on'],
    '/indicators/queries/devices/v1',
    [...TYPE_VALUE, ...STRING_OFFSET_LIMIT],
    {
      pagination: 'offset',
      resources: 'ids',
      summary: 'Device ids that observed a custom IOC (legacy route).',
    },
  ),
  live(
    'ProcessesRanOn',
    'processes_ran_on_legacy',
    ['processes_ran_on'],
    '/indicators/queries/processes/v1',
    [
      ...TYPE_VALUE,
      { name: 'device_id', in: 'query', type: 'string', required: true },
      ...STRING_OFFSET_LIMIT,
    ],
    {
      pagination: 'offset',
      resources: 'ids',
      summary: 'Process ids for a custom IOC on one device (legacy route).',
    },
  ),
  live(
    'entities_processes',
    'entities_processes',
    ['entities.processes'],
    '/processes/entities/processes/v1',
    [idsQuery(500)],
    {
      pagination: 'none',
      ids: { param: 'ids', max: 500 },
      resources: 'entities',
      summary: 'Process details by process id.',
    },
  ),
];

function removed(successor: string): Deprecation {
  return {
    decommissioned: 'removed (absent from falconjs and gofalcon; falconpy sends no request)',
    successor,
    note: `Legacy custom-IOC route removed from the Falcon API; use IOC Management ${successor}.`,
    removed: true,
  };
}

function gone(
  operationId: string,
  pep8: string,
  method: OperationSpec['method'],
  path: string,
  scope: string,
  params: readonly ParamSpec[],
  successor: string,
  summary: string,
): OperationSpec {
  const kind = scope.endsWith(':write') ? 'write' : 'read';
  return {
    operationId,
    pep8,
    collection: 'iocs',
    method,
    path,
    scope,
    kind,
    idempotent: kind === 'read',
    successStatus: 200,
    params,
    bodyShape: method === 'POST' ? 'object' : 'none',
    pagination: 'none',
    deprecated: removed(successor),
    resources: 'entities',
    summary,
    source: 'falcon-api.md §4.4 (removed)',
  };
}

/** Removed legacy custom-IOC CRUD, kept only so a playbook naming them gets a clear message. */
export const IOCS_LEGACY_REMOVED: readonly OperationSpec[] = [
  gone(
    'GetIOC',
    'get_ioc',
    'GET',
    '/indicators/entities/iocs/v1',
    'iocs:read',
    TYPE_VALUE,
    'indicator_get_v1',
    'Get a custom IOC.',
  ),
  gone(
    'CreateIOC',
    'create_ioc',
    'POST',
    '/indicators/entities/iocs/v1',
    'iocs:write',
    [
      { name: 'type', in: 'body', type: 'string', required: true },
      { name: 'value', in: 'body', type: 'string', required: true },
      { name: 'policy', in: 'body', type: 'string', enum: ['detect', 'none'] },
      { name: 'share_level', in: 'body', type: 'string' },
      { name: 'expiration_days', in: 'body', type: 'integer' },
      { name: 'source', in: 'body', type: 'string' },
      { name: 'description', in: 'body', type: 'string' },
    ],
    'indicator_create_v1',
    'Create a custom IOC.',
  ),
  gone(
    'UpdateIOC',
    'update_ioc',
    'PATCH',
    '/indicators/entities/iocs/v1',
    'iocs:write',
    TYPE_VALUE,
    'indicator_update_v1',
    'Update a custom IOC.',
  ),
  gone(
    'DeleteIOC',
    'delete_ioc',
    'DELETE',
    '/indicators/entities/iocs/v1',
    'iocs:write',
    TYPE_VALUE,
    'indicator_delete_v1',
    'Delete a custom IOC.',
  ),
  gone(
    'QueryIOCs',
    'query_iocs',
    'GET',
    '/indicators/queries/iocs/v1',
    'iocs:read',
    [
      { name: 'types', in: 'query', type: 'string[]' },
      { name: 'values', in: 'query', type: 'string[]' },
      { name: 'policies', in: 'query', type: 'string[]' },
      { name: 'sources', in: 'query', type: 'string[]' },
    ],
    'indicator_search_v1',
    'Search custom IOCs.',
  ),
];
