/**
 * Real Time Response admin operations: admin commands (put, run, runscript and every active-responder
 * command) on one host or a batch, and the custom and Falcon script lists runscript uses. Routes,
 * parameters and PEP 8 names from falconpy src/falconpy/_endpoint/_real_time_response_admin.py and
 * real_time_response_admin.py (alias block); falconjs src/apis/RealTimeResponseAdminApi.ts. They share
 * the playbook collection `rtr` with the read-only and active-responder operations (falconpy splits
 * them into two classes; a playbook writer thinks of one RTR). Scope real-time-response-admin:write.
 */
import { FILTER_QUERY } from './params.ts';
import { RTR_ACTIVE_RESPONDER_COMMANDS, RTR_BATCH_MAX_HOSTS } from './rtr.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

const SOURCE = 'falconpy _endpoint/_real_time_response_admin.py; falconjs apis/RealTimeResponseAdminApi.ts';
export const RTR_ADMIN_SCOPE = 'real-time-response-admin:write';

/** Admin commands: every active-responder command plus put, run and runscript. */
export const RTR_ADMIN_COMMANDS = [...RTR_ACTIVE_RESPONDER_COMMANDS, 'put', 'run', 'runscript'] as const;

// No SDK states a cap for the script ids; 100 is our choice (unconfirmed).
const SCRIPT_IDS_CAP = 100;

function admin(spec: Omit<OperationSpec, 'collection' | 'source' | 'scope'>): OperationSpec {
  return { ...spec, collection: 'rtr', source: SOURCE, scope: RTR_ADMIN_SCOPE };
}

const TIMEOUTS: readonly ParamSpec[] = [
  { name: 'timeout', in: 'query', type: 'integer', minimum: 1, maximum: 300 },
  { name: 'timeout_duration', in: 'query', type: 'string' },
  { name: 'host_timeout_duration', in: 'query', type: 'string' },
];

const BASE_COMMAND: ParamSpec = {
  name: 'base_command',
  in: 'body',
  type: 'string',
  required: true,
  enum: RTR_ADMIN_COMMANDS,
};

function listQuery(offsetType: 'string' | 'integer'): ParamSpec[] {
  return [
    FILTER_QUERY,
    { name: 'offset', in: 'query', type: offsetType, description: 'Start index.' },
    // Range undocumented; 1-100 is our choice (unconfirmed).
    { name: 'limit', in: 'query', type: 'integer', minimum: 1, maximum: 100 },
    { name: 'sort', in: 'query', type: 'string', description: 'e.g. created_timestamp|asc.' },
  ];
}

/** RTR admin operations. */
export const RTR_ADMIN_OPERATIONS: readonly OperationSpec[] = [
  admin({
    operationId: 'RTR_ExecuteAdminCommand',
    response: { kind: 'rtr-admin', hostsParam: 'device_id' },
    pep8: 'execute_admin_command',
    method: 'POST',
    path: '/real-time-response/entities/admin-command/v1',
    kind: 'write',
    idempotent: false,
    successStatus: 201,
    params: [
      BASE_COMMAND,
      { name: 'command_string', in: 'body', type: 'string', required: true },
      { name: 'session_id', in: 'body', type: 'string', required: true },
      { name: 'device_id', in: 'body', type: 'string' },
      { name: 'id', in: 'body', type: 'integer' },
      { name: 'persist', in: 'body', type: 'boolean' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run an admin command (runscript, put, run, or any active-responder command) in a session.',
  }),
  admin({
    operationId: 'RTR_CheckAdminCommandStatus',
    pep8: 'check_admin_command_status',
    method: 'GET',
    path: '/real-time-response/entities/admin-command/v1',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      { name: 'cloud_request_id', in: 'query', type: 'string', required: true },
      { name: 'sequence_id', in: 'query', type: 'integer', required: true, minimum: 0 },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary: 'Status and output (by chunk) of an admin command.',
  }),
  admin({
    operationId: 'BatchAdminCmd',
    response: { kind: 'rtr-admin', hostsParam: 'optional_hosts' },
    keyedByHost: true,
    pep8: 'batch_admin_command',
    method: 'POST',
    path: '/real-time-response/combined/batch-admin-command/v1',
    kind: 'write',
    idempotent: false,
    successStatus: 201,
    params: [
      ...TIMEOUTS,
      BASE_COMMAND,
      { name: 'batch_id', in: 'body', type: 'string', required: true },
      { name: 'command_string', in: 'body', type: 'string', required: true },
      { name: 'optional_hosts', in: 'body', type: 'string[]', maxItems: RTR_BATCH_MAX_HOSTS },
      { name: 'persist_all', in: 'body', type: 'boolean' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run an admin command on every host of a batch; answer: combined.resources keyed by host id.',
  }),
  admin({
    operationId: 'RTR_ListScripts',
    pep8: 'list_scripts',
    method: 'GET',
    path: '/real-time-response/queries/scripts/v1',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: listQuery('string'),
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 100, default: 100 },
    resources: 'ids',
    summary: 'Ids of the custom scripts runscript can run (-CloudFile=<name>).',
  }),
  admin({
    operationId: 'RTR_GetScriptsV2',
    pep8: 'get_scripts_v2',
    method: 'GET',
    path: '/real-time-response/entities/scripts/v2',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [{ name: 'ids', in: 'query', type: 'string[]', required: true, maxItems: SCRIPT_IDS_CAP }],
    bodyShape: 'none',
    ids: { param: 'ids', max: SCRIPT_IDS_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Custom scripts by id (name, platform, permission_type, content, sha256).',
  }),
  admin({
    operationId: 'RTR_ListFalconScripts',
    pep8: 'list_falcon_scripts',
    method: 'GET',
    path: '/real-time-response/queries/falcon-scripts/v1',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: listQuery('integer'),
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 100, default: 100 },
    resources: 'ids',
    summary: 'Ids of the scripts CrowdStrike provides.',
  }),
  admin({
    operationId: 'RTR_GetFalconScripts',
    pep8: 'get_falcon_scripts',
    method: 'GET',
    path: '/real-time-response/entities/falcon-scripts/v1',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [{ name: 'ids', in: 'query', type: 'string[]', required: true, maxItems: SCRIPT_IDS_CAP }],
    bodyShape: 'none',
    ids: { param: 'ids', max: SCRIPT_IDS_CAP },
    pagination: 'none',
    resources: 'entities',
    summary: 'Falcon scripts by id.',
  }),
];
