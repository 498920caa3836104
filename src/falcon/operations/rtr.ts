/**
 * Real Time Response: sessions, single-host commands and their status checks, batch sessions and batch
 * commands, session files and extracted file contents. Routes, parameters and PEP 8 names from falconpy
 * src/falconpy/_endpoint/_real_time_response.py and real_time_response.py (alias block); bodies from
 * falconpy src/falconpy/_payload/_real_time_response.py; answer models from falconjs src/models/Domain*.ts.
 * Scopes from ../shared/reference/falcon-response.md (falconjs sends none for these routes): see
 * docs/rtr.md for which facts are confirmed and which are marked unconfirmed.
 */
import { FILTER_QUERY } from './params.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

const SOURCE =
  'falconpy _endpoint/_real_time_response.py, _payload/_real_time_response.py; falconjs models Domain*';

export const RTR_READ_SCOPE = 'real-time-response:read';
export const RTR_WRITE_SCOPE = 'real-time-response:write';

/** Commands BatchCmd / RTR_ExecuteCommand accept (falconpy endpoint description). */
export const RTR_READ_ONLY_COMMANDS = [
  'cat',
  'cd',
  'clear',
  'env',
  'eventlog',
  'filehash',
  'getsid',
  'help',
  'history',
  'ipconfig',
  'ls',
  'mount',
  'netstat',
  'ps',
  'reg query',
] as const;

/** Commands the active-responder routes accept besides the read-only ones (falconpy endpoint description). */
export const RTR_ACTIVE_RESPONDER_COMMANDS = [
  ...RTR_READ_ONLY_COMMANDS,
  'cp',
  'encrypt',
  'get',
  'kill',
  'map',
  'memdump',
  'mkdir',
  'mv',
  'reg set',
  'reg delete',
  'reg load',
  'reg unload',
  'restart',
  'rm',
  'shutdown',
  'unmap',
  'update history',
  'update install',
  'update list',
  'update query',
  'xmemdump',
  'zip',
] as const;

/** Most hosts one batch session may hold (falconpy BatchInitSessions description: "A maximum of 10000 hosts"). */
export const RTR_BATCH_MAX_HOSTS = 10_000;

/** Sessions expire after this long unless refreshed (falconpy BatchRefreshSessions description: 10 minutes). */
export const RTR_SESSION_TTL_MS = 10 * 60_000;

// falconpy: "Timeout for how long to wait for the request in seconds, default 30 ... Maximum is 5 minutes"
// (older falconpy builds said 10 minutes; the newer text wins).
const TIMEOUTS: readonly ParamSpec[] = [
  {
    name: 'timeout',
    in: 'query',
    type: 'integer',
    minimum: 1,
    maximum: 300,
    description: 'Seconds to wait (default 30, at most 300).',
  },
  {
    name: 'timeout_duration',
    in: 'query',
    type: 'string',
    description: 'Wait as a duration, e.g. 10s (default 30s, at most 5m).',
  },
];
const HOST_TIMEOUT: ParamSpec = {
  name: 'host_timeout_duration',
  in: 'query',
  type: 'string',
  description: 'How long each host has (a bit less than the request timeout by default).',
};

const SESSION_ID_QUERY: ParamSpec = {
  name: 'session_id',
  in: 'query',
  type: 'string',
  required: true,
  description: 'RTR session id.',
};

function rtr(
  spec: Omit<OperationSpec, 'collection' | 'source' | 'successStatus'> & { successStatus?: 200 | 201 },
): OperationSpec {
  return { successStatus: 200, ...spec, collection: 'rtr', source: SOURCE };
}

function commandBody(commands: readonly string[]): ParamSpec[] {
  return [
    {
      name: 'base_command',
      in: 'body',
      type: 'string',
      required: true,
      enum: commands,
      description: 'The command, e.g. ls.',
    },
    {
      name: 'command_string',
      in: 'body',
      type: 'string',
      required: true,
      description: 'The full command line, e.g. ls C:\\Windows.',
    },
    { name: 'session_id', in: 'body', type: 'string', required: true },
    {
      name: 'device_id',
      in: 'body',
      type: 'string',
      description: 'Unused by the API (falconpy: "The rest of the fields are unused").',
    },
    { name: 'id', in: 'body', type: 'integer', description: 'Unused by the API.' },
    { name: 'persist', in: 'body', type: 'boolean', description: 'Queue for an offline host.' },
  ];
}

function batchCommandBody(commands: readonly string[]): ParamSpec[] {
  return [
    { name: 'base_command', in: 'body', type: 'string', required: true, enum: commands },
    { name: 'batch_id', in: 'body', type: 'string', required: true, description: 'From BatchInitSessions.' },
    { name: 'command_string', in: 'body', type: 'string', required: true },
    {
      name: 'optional_hosts',
      in: 'body',
      type: 'string[]',
      maxItems: RTR_BATCH_MAX_HOSTS,
      description: 'Only these hosts of the batch receive the command.',
    },
    { name: 'persist_all', in: 'body', type: 'boolean', description: 'Queue for offline hosts.' },
  ];
}

function statusCheck(
  operationId: string,
  pep8: string,
  path: string,
  scope: string,
  what: string,
): OperationSpec {
  return rtr({
    operationId,
    pep8,
    method: 'GET',
    path,
    scope,
    kind: 'read',
    idempotent: true,
    params: [
      { name: 'cloud_request_id', in: 'query', type: 'string', required: true },
      {
        name: 'sequence_id',
        in: 'query',
        type: 'integer',
        required: true,
        minimum: 0,
        description: 'Output chunk to read (0 first); answers say complete when the command finished.',
      },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary: `Status and output (by chunk) of ${what}.`,
  });
}

/**
 * Real Time Response operations (read-only and active-responder). The `response` marker names the
 * parameter that carries the target hosts for the guard rails: `device_id` on single-host routes (the
 * API ignores it there, but a playbook that sends it lets the blast radius count the host),
 * `host_ids` on batch init, `optional_hosts` on batch commands (without it, every host of the batch).
 */
export const RTR_OPERATIONS: readonly OperationSpec[] = [
  rtr({
    operationId: 'RTR_InitSession',
    response: { kind: 'rtr-read', hostsParam: 'device_id' },
    pep8: 'init_session',
    method: 'POST',
    path: '/real-time-response/entities/sessions/v1',
    scope: RTR_READ_SCOPE,
    // Opening a session changes nothing on the host; RTR hands back the caller's existing session.
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: [
      ...TIMEOUTS,
      { name: 'device_id', in: 'body', type: 'string', required: true, description: 'Host agent id (aid).' },
      {
        name: 'queue_offline',
        in: 'body',
        type: 'boolean',
        description: 'Queue the session if the host is offline.',
      },
      { name: 'origin', in: 'body', type: 'string' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Open (or reuse) an RTR session on one host.',
  }),
  rtr({
    operationId: 'RTR_DeleteSession',
    pep8: 'delete_session',
    method: 'DELETE',
    path: '/real-time-response/entities/sessions/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [SESSION_ID_QUERY],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'none',
    summary: 'Close an RTR session.',
  }),
  rtr({
    operationId: 'RTR_ListAllSessions',
    pep8: 'list_all_sessions',
    method: 'GET',
    path: '/real-time-response/queries/sessions/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    params: [
      { name: 'offset', in: 'query', type: 'string', description: 'Start index (sent as a string).' },
      // No SDK states the range; 1-1000 is our choice (unconfirmed).
      { name: 'limit', in: 'query', type: 'integer', minimum: 1, maximum: 1000 },
      { name: 'sort', in: 'query', type: 'string', description: "e.g. 'date_created|asc'." },
      { ...FILTER_QUERY, description: "FQL; user_id:'@me' restricts to the caller's sessions." },
    ],
    bodyShape: 'none',
    pagination: 'offset',
    limit: { min: 1, max: 1000, default: 100 },
    resources: 'ids',
    summary: "Ids of the caller's RTR sessions.",
  }),
  rtr({
    operationId: 'RTR_ListSessions',
    pep8: 'list_sessions',
    method: 'POST',
    path: '/real-time-response/entities/sessions/GET/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    // Undocumented cap; 100 is our choice (unconfirmed).
    params: [{ name: 'ids', in: 'body', type: 'string[]', required: true, maxItems: 100 }],
    bodyShape: 'object',
    ids: { param: 'ids', max: 100 },
    pagination: 'none',
    resources: 'entities',
    summary: 'Session details by id (only sessions the caller created).',
  }),
  rtr({
    operationId: 'RTR_PulseSession',
    response: { kind: 'rtr-read', hostsParam: 'device_id' },
    pep8: 'pulse_session',
    method: 'POST',
    path: '/real-time-response/entities/refresh-session/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: [
      { name: 'device_id', in: 'body', type: 'string', required: true },
      { name: 'queue_offline', in: 'body', type: 'boolean' },
      { name: 'origin', in: 'body', type: 'string' },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: "Refresh the caller's session on a host (sessions expire after 10 minutes).",
  }),
  rtr({
    operationId: 'RTR_ExecuteCommand',
    response: { kind: 'rtr-read', hostsParam: 'device_id' },
    pep8: 'execute_command',
    method: 'POST',
    path: '/real-time-response/entities/command/v1',
    scope: RTR_READ_SCOPE,
    // A read-only command changes nothing: safe to send again after a lost answer.
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: commandBody(RTR_READ_ONLY_COMMANDS),
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run a read-only command (ls, ps, netstat, reg query, filehash, ...) in a session.',
  }),
  statusCheck(
    'RTR_CheckCommandStatus',
    'check_command_status',
    '/real-time-response/entities/command/v1',
    RTR_READ_SCOPE,
    'a read-only command',
  ),
  rtr({
    operationId: 'RTR_ExecuteActiveResponderCommand',
    response: { kind: 'rtr-active', hostsParam: 'device_id' },
    pep8: 'execute_active_responder_command',
    method: 'POST',
    path: '/real-time-response/entities/active-responder-command/v1',
    scope: RTR_WRITE_SCOPE,
    kind: 'write',
    idempotent: false,
    successStatus: 201,
    params: commandBody(RTR_ACTIVE_RESPONDER_COMMANDS),
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run an active-responder command (kill, rm, get, cp, reg set, ...) in a session.',
  }),
  statusCheck(
    'RTR_CheckActiveResponderCommandStatus',
    'check_active_responder_command_status',
    '/real-time-response/entities/active-responder-command/v1',
    RTR_WRITE_SCOPE,
    'an active-responder command',
  ),
  rtr({
    operationId: 'BatchInitSessions',
    response: { kind: 'rtr-read', hostsParam: 'host_ids' },
    keyedByHost: true,
    pep8: 'batch_init_sessions',
    method: 'POST',
    path: '/real-time-response/combined/batch-init-session/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: [
      ...TIMEOUTS,
      HOST_TIMEOUT,
      { name: 'host_ids', in: 'body', type: 'string[]', required: true, maxItems: RTR_BATCH_MAX_HOSTS },
      { name: 'existing_batch_id', in: 'body', type: 'string', description: 'Add the hosts to this batch.' },
      { name: 'queue_offline', in: 'body', type: 'boolean' },
    ],
    bodyShape: 'object',
    ids: { param: 'host_ids', max: RTR_BATCH_MAX_HOSTS },
    pagination: 'none',
    resources: 'entities',
    summary: 'Open sessions on many hosts as one batch; answer: batch_id and resources keyed by host id.',
  }),
  rtr({
    operationId: 'BatchRefreshSessions',
    keyedByHost: true,
    pep8: 'batch_refresh_sessions',
    method: 'POST',
    path: '/real-time-response/combined/batch-refresh-session/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: [
      ...TIMEOUTS,
      { name: 'batch_id', in: 'body', type: 'string', required: true },
      {
        name: 'hosts_to_remove',
        in: 'body',
        type: 'string[]',
        maxItems: RTR_BATCH_MAX_HOSTS,
        description: 'Hosts to drop from the batch (their sessions then expire).',
      },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Keep the sessions of a batch alive (and drop hosts from it).',
  }),
  rtr({
    operationId: 'BatchCmd',
    response: { kind: 'rtr-read', hostsParam: 'optional_hosts' },
    keyedByHost: true,
    pep8: 'batch_command',
    method: 'POST',
    path: '/real-time-response/combined/batch-command/v1',
    scope: RTR_READ_SCOPE,
    kind: 'read',
    idempotent: true,
    successStatus: 201,
    params: [...TIMEOUTS, HOST_TIMEOUT, ...batchCommandBody(RTR_READ_ONLY_COMMANDS)],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run a read-only command on every host of a batch; answer: combined.resources keyed by host id.',
  }),
  rtr({
    operationId: 'BatchActiveResponderCmd',
    response: { kind: 'rtr-active', hostsParam: 'optional_hosts' },
    keyedByHost: true,
    pep8: 'batch_active_responder_command',
    method: 'POST',
    path: '/real-time-response/combined/batch-active-responder-command/v1',
    scope: RTR_WRITE_SCOPE,
    kind: 'write',
    idempotent: false,
    successStatus: 201,
    params: [...TIMEOUTS, HOST_TIMEOUT, ...batchCommandBody(RTR_ACTIVE_RESPONDER_COMMANDS)],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Run an active-responder command on every host of a batch.',
  }),
  rtr({
    operationId: 'BatchGetCmd',
    response: { kind: 'rtr-active', hostsParam: 'optional_hosts' },
    keyedByHost: true,
    pep8: 'batch_get_command',
    method: 'POST',
    path: '/real-time-response/combined/batch-get-command/v1',
    scope: RTR_WRITE_SCOPE,
    kind: 'write',
    // `get` uploads a copy of a file and changes nothing on the host: sending it twice is harmless.
    idempotent: true,
    successStatus: 201,
    params: [
      ...TIMEOUTS,
      HOST_TIMEOUT,
      { name: 'batch_id', in: 'body', type: 'string', required: true },
      {
        name: 'file_path',
        in: 'body',
        type: 'string',
        required: true,
        description: 'Full path of the file on each host.',
      },
      { name: 'optional_hosts', in: 'body', type: 'string[]', maxItems: RTR_BATCH_MAX_HOSTS },
    ],
    bodyShape: 'object',
    pagination: 'none',
    resources: 'entities',
    summary: 'Fetch a file from every host of a batch; poll BatchGetCmdStatus with batch_get_cmd_req_id.',
  }),
  rtr({
    operationId: 'BatchGetCmdStatus',
    keyedByHost: true,
    pep8: 'batch_get_command_status',
    method: 'GET',
    path: '/real-time-response/combined/batch-get-command/v1',
    scope: RTR_WRITE_SCOPE,
    kind: 'read',
    idempotent: true,
    params: [...TIMEOUTS, { name: 'batch_get_cmd_req_id', in: 'query', type: 'string', required: true }],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary: 'Files a batch get has uploaded so far, keyed by host id.',
  }),
  rtr({
    operationId: 'RTR_ListFilesV2',
    pep8: 'list_files_v2',
    method: 'GET',
    path: '/real-time-response/entities/file/v2',
    scope: RTR_WRITE_SCOPE,
    kind: 'read',
    idempotent: true,
    params: [SESSION_ID_QUERY],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary: 'Files a session has uploaded with get (name, sha256, size).',
  }),
  rtr({
    operationId: 'RTR_GetExtractedFileContents',
    pep8: 'get_extracted_file_contents',
    method: 'GET',
    path: '/real-time-response/entities/extracted-file-contents/v1',
    scope: RTR_WRITE_SCOPE,
    kind: 'read',
    idempotent: true,
    params: [
      SESSION_ID_QUERY,
      { name: 'sha256', in: 'query', type: 'string', required: true },
      {
        name: 'filename',
        in: 'query',
        type: 'string',
        description: 'Name of the archive and of the file in it.',
      },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'file',
    summary: 'The bytes of a file a session uploaded (the real API answers a password-protected 7z archive).',
  }),
];
