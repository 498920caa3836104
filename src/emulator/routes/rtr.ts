/**
 * Real Time Response (docs/rtr.md): sessions that expire 10 minutes after the last init or refresh,
 * offline hosts refused unless queue_offline (then commands queue and never run: the emulator does not
 * bring hosts online), commands run on each host's simulated processes, files, connections and registry
 * (state/rtr-hosts.ts), output read back in chunks by sequence_id, batch answers keyed by host id as
 * falconpy and falconjs parse them (resources / combined.resources), and every active-responder or
 * admin command in the audit log with its command line.
 */
import { FalconReplyError, badRequest } from '../http/reply-error.ts';
import type { FalconErrorItem } from '../http/reply-error.ts';
import { EntityStore } from '../state/entity-store.ts';
import type { Platform } from '../state/rtr-hosts.ts';
import { runCommand } from '../state/rtr-hosts.ts';
import type {
  HostFacts,
  RtrCommand,
  RtrCommandKind,
  RtrSession,
  UploadedFile,
} from '../state/rtr-sessions.ts';
import { toIso } from '../state/seed-context.ts';
import { bodyObject, entitiesByIds, notFound, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

/** Output is read back in chunks of this many characters, one per sequence_id [choice: undocumented]. */
export const RTR_CHUNK_CHARS = 4096;

const PLATFORMS: readonly Platform[] = ['Windows', 'Mac', 'Linux'];

/**
 * The device world's view of a host (hostname, platform, online), or undefined for unknown ids. Only
 * 'online' counts as reachable: 'offline' and 'unknown' hosts need queue_offline.
 */
function hostFacts(ctx: RouteContext, aid: string): HostFacts | undefined {
  const device = ctx.state.hosts.get(aid);
  if (!device) return undefined;
  const platform = PLATFORMS.find((p) => p === device.platform_name) ?? 'Linux';
  return { hostname: device.hostname, platform, online: ctx.state.hosts.isOnline(aid) };
}

const owner = (ctx: RouteContext) => ctx.session.clientId;

function liveSession(ctx: RouteContext, id: unknown): RtrSession {
  if (typeof id !== 'string' || id === '') throw badRequest('session_id is required');
  const session = ctx.state.rtr.liveSession(id, owner(ctx), ctx.nowMs);
  if (!session)
    throw notFound(`session ${id} not found or expired (sessions expire 10 minutes after the last refresh)`);
  return session;
}

function offlineRefusal(aid: string): string {
  return `host ${aid} is offline; send queue_offline: true to queue the session until it comes online`;
}

function sessionAnswer(session: RtrSession) {
  return {
    session_id: session.id,
    created_at: session.created_at,
    existing_aid_sessions: 1,
    offline_queued: session.offline_queued,
    pwd: session.pwd,
    scripts: [],
  };
}

function initSession(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const aid = body['device_id'] as string;
  const facts = hostFacts(ctx, aid);
  if (!facts) throw notFound(`device ${aid} not found`);
  if (!facts.online && body['queue_offline'] !== true) throw new FalconReplyError(404, offlineRefusal(aid));
  const session = ctx.state.rtr.openSession(aid, facts, owner(ctx), ctx.nowMs, String(body['origin'] ?? ''));
  return { resources: [sessionAnswer(session)] };
}

function pulseSession(ctx: RouteContext): RouteResult {
  const aid = bodyObject(ctx)['device_id'] as string;
  const session = ctx.state.rtr.sessionOn(aid, owner(ctx), ctx.nowMs);
  if (!session) throw notFound(`no live session of yours on device ${aid}`);
  session.lastPulseMs = ctx.nowMs;
  return { resources: [sessionAnswer(session)] };
}

function deleteSession(ctx: RouteContext): RouteResult {
  const session = liveSession(ctx, ctx.query.string('session_id'));
  ctx.state.rtr.sessions.delete(session.id);
  return { resources: [] };
}

function sessionView(ctx: RouteContext, session: RtrSession) {
  const commands = session.commands.map((id) => ctx.state.rtr.commands.get(id) as RtrCommand);
  return {
    id: session.id,
    device_id: session.device_id,
    hostname: session.hostname,
    platform_name: session.platform,
    user_id: session.owner,
    origin: session.origin,
    created_at: session.created_at,
    updated_at: toIso(session.lastPulseMs),
    offline_queued: session.offline_queued,
    pwd: session.pwd,
    commands: commands.map((c) => ({
      cloud_request_id: c.cloud_request_id,
      base_command: c.base_command,
      command_string: c.command_string,
      created_at: c.created_at,
    })),
    commands_queued: commands.some((c) => c.queued),
    cloud_request_ids: session.commands,
  };
}

function sessionStore(ctx: RouteContext) {
  const store = new EntityStore<ReturnType<typeof sessionView>>({ name: 'sessions', idOf: (s) => s.id });
  for (const session of [...ctx.state.rtr.sessions.values()]) {
    if (ctx.state.rtr.liveSession(session.id, owner(ctx), ctx.nowMs)) store.put(sessionView(ctx, session));
  }
  return store;
}

function runOne(
  ctx: RouteContext,
  session: RtrSession,
  kind: RtrCommandKind,
  baseCommand: string,
  commandString: string,
): RtrCommand {
  const rtr = ctx.state.rtr;
  if (
    commandString.trim().toLowerCase().split(/\s+/).slice(0, baseCommand.split(' ').length).join(' ') !==
    baseCommand
  )
    throw badRequest(
      `command_string must start with the base_command "${baseCommand}" (got "${commandString}")`,
    );
  const command: RtrCommand = {
    cloud_request_id: rtr.id(),
    task_id: rtr.id(),
    session_id: session.id,
    aid: session.device_id,
    kind,
    base_command: baseCommand,
    command_string: commandString,
    stdout: '',
    stderr: '',
    queued: session.offline_queued,
    created_at: toIso(ctx.nowMs),
  };
  if (!command.queued) {
    const host = rtr.host(session.device_id, session.platform);
    const outcome = runCommand(host, session.pwd, baseCommand, commandString, rtr.scriptLibrary());
    command.stdout = outcome.stdout;
    command.stderr = outcome.stderr;
    if (outcome.pwd) session.pwd = outcome.pwd;
    if (outcome.uploaded) session.files.push(uploaded(ctx, session, command, outcome.uploaded));
  }
  rtr.commands.set(command.cloud_request_id, command);
  session.commands.push(command.cloud_request_id);
  return command;
}

function uploaded(
  ctx: RouteContext,
  session: RtrSession,
  command: RtrCommand,
  file: { path: string; sha256: string; size: number; content: string },
): UploadedFile {
  const at = toIso(ctx.nowMs);
  return {
    id: ctx.state.rtr.id(),
    cloud_request_id: command.cloud_request_id,
    session_id: session.id,
    name: file.path,
    sha256: file.sha256,
    size: file.size,
    created_at: at,
    updated_at: at,
    content: file.content,
  };
}

/** The audit line of a response action: what ran where. */
function auditDetail(kind: RtrCommandKind, commandString: string): string {
  return `${kind}: ${commandString}`;
}

function execute(kind: RtrCommandKind) {
  return (ctx: RouteContext): RouteResult => {
    const body = bodyObject(ctx);
    const session = liveSession(ctx, body['session_id']);
    const command = runOne(ctx, session, kind, String(body['base_command']), String(body['command_string']));
    if (kind !== 'read-only') ctx.recordWrite([session.device_id], auditDetail(kind, command.command_string));
    return {
      resources: [
        {
          cloud_request_id: command.cloud_request_id,
          session_id: session.id,
          queued_command_offline: command.queued,
        },
      ],
    };
  };
}

function checkStatus(kind: RtrCommandKind) {
  return (ctx: RouteContext): RouteResult => {
    const id = ctx.query.string('cloud_request_id') as string;
    const command = ctx.state.rtr.commands.get(id);
    const session = command ? ctx.state.rtr.sessions.get(command.session_id) : undefined;
    if (!command || command.kind !== kind || session?.owner !== owner(ctx))
      throw notFound(`no ${kind} command with cloud_request_id ${id}`);
    const sequence = ctx.query.integer('sequence_id') ?? 0;
    return { resources: [statusChunk(command, sequence)] };
  };
}

/** One chunk of a command's output; `complete` once the last chunk is read (never while queued). */
function statusChunk(command: RtrCommand, sequence: number) {
  const chunks = Math.max(1, Math.ceil(command.stdout.length / RTR_CHUNK_CHARS));
  return {
    session_id: command.session_id,
    task_id: command.task_id,
    base_command: command.base_command,
    sequence_id: sequence,
    complete: !command.queued && sequence >= chunks - 1,
    stdout: command.stdout.slice(sequence * RTR_CHUNK_CHARS, (sequence + 1) * RTR_CHUNK_CHARS),
    stderr: sequence === 0 ? command.stderr : '',
  };
}

interface HostEntry {
  aid: string;
  session_id: string;
  task_id: string;
  complete: boolean;
  offline_queued: boolean;
  base_command: string;
  stdout: string;
  stderr: string;
  errors: FalconErrorItem[];
  query_time: number;
}

function hostEntry(aid: string, fields: Partial<HostEntry> = {}): HostEntry {
  return {
    aid,
    session_id: '',
    task_id: '',
    complete: false,
    offline_queued: false,
    base_command: '',
    stdout: '',
    stderr: '',
    errors: [],
    query_time: 0,
    ...fields,
  };
}

function batchOf(ctx: RouteContext, id: unknown) {
  const batch = typeof id === 'string' ? ctx.state.rtr.batches.get(id) : undefined;
  if (!batch || batch.owner !== owner(ctx)) throw notFound(`batch ${String(id)} not found`);
  return batch;
}

function batchInit(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const rtr = ctx.state.rtr;
  const existing = body['existing_batch_id'];
  const batch =
    typeof existing === 'string' && existing !== ''
      ? batchOf(ctx, existing)
      : { id: rtr.id(), owner: owner(ctx), hosts: new Map<string, string>() };
  rtr.batches.set(batch.id, batch);
  const resources: Record<string, HostEntry> = {};
  for (const aid of new Set(body['host_ids'] as string[])) {
    const facts = hostFacts(ctx, aid);
    if (!facts) {
      resources[aid] = hostEntry(aid, { errors: [{ code: 404, message: `device ${aid} not found` }] });
      continue;
    }
    if (!facts.online && body['queue_offline'] !== true) {
      resources[aid] = hostEntry(aid, { errors: [{ code: 404, message: offlineRefusal(aid) }] });
      continue;
    }
    const session = rtr.openSession(aid, facts, owner(ctx), ctx.nowMs, 'batch');
    batch.hosts.set(aid, session.id);
    resources[aid] = hostEntry(aid, {
      session_id: session.id,
      task_id: rtr.id(),
      complete: true,
      offline_queued: session.offline_queued,
    });
  }
  return { resources: [], extra: { batch_id: batch.id, resources } };
}

function batchRefresh(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const batch = batchOf(ctx, body['batch_id']);
  for (const aid of (body['hosts_to_remove'] as string[] | undefined) ?? []) batch.hosts.delete(aid);
  const resources: Record<string, HostEntry> = {};
  for (const [aid, sessionId] of batch.hosts) {
    const session = ctx.state.rtr.liveSession(sessionId, owner(ctx), ctx.nowMs);
    if (!session) {
      resources[aid] = hostEntry(aid, {
        session_id: sessionId,
        errors: [{ code: 404, message: 'session expired' }],
      });
      continue;
    }
    session.lastPulseMs = ctx.nowMs;
    resources[aid] = hostEntry(aid, {
      session_id: sessionId,
      complete: true,
      offline_queued: session.offline_queued,
    });
  }
  return { resources: [], extra: { batch_id: batch.id, resources } };
}

/** Runs a command on the hosts of a batch (all, or optional_hosts); one entry per host. */
function onBatch(
  ctx: RouteContext,
  kind: RtrCommandKind,
  baseCommand: string,
  commandString: string,
): { entries: Record<string, HostEntry>; commands: Map<string, RtrCommand> } {
  const body = bodyObject(ctx);
  const batch = batchOf(ctx, body['batch_id']);
  const wanted = (body['optional_hosts'] as string[] | undefined) ?? [...batch.hosts.keys()];
  const entries: Record<string, HostEntry> = {};
  const commands = new Map<string, RtrCommand>();
  for (const aid of new Set(wanted)) {
    const sessionId = batch.hosts.get(aid);
    if (sessionId === undefined) {
      entries[aid] = hostEntry(aid, {
        errors: [{ code: 404, message: `host ${aid} is not in batch ${batch.id}` }],
      });
      continue;
    }
    const session = ctx.state.rtr.liveSession(sessionId, owner(ctx), ctx.nowMs);
    if (!session) {
      entries[aid] = hostEntry(aid, {
        session_id: sessionId,
        errors: [{ code: 404, message: 'session expired' }],
      });
      continue;
    }
    const command = runOne(ctx, session, kind, baseCommand, commandString);
    commands.set(aid, command);
    entries[aid] = hostEntry(aid, {
      session_id: session.id,
      task_id: command.cloud_request_id,
      complete: !command.queued,
      offline_queued: command.queued,
      base_command: baseCommand,
      stdout: command.stdout,
      stderr: command.stderr,
    });
  }
  if (kind !== 'read-only' && commands.size > 0)
    ctx.recordWrite([...commands.keys()], auditDetail(kind, commandString));
  return { entries, commands };
}

function batchCommand(kind: RtrCommandKind) {
  return (ctx: RouteContext): RouteResult => {
    const body = bodyObject(ctx);
    const { entries } = onBatch(ctx, kind, String(body['base_command']), String(body['command_string']));
    return { resources: [], extra: { combined: { resources: entries } } };
  };
}

function batchGet(ctx: RouteContext): RouteResult {
  const path = String(bodyObject(ctx)['file_path']);
  const { entries, commands } = onBatch(ctx, 'active-responder', 'get', `get "${path}"`);
  const request = {
    id: ctx.state.rtr.id(),
    batchId: String(bodyObject(ctx)['batch_id']),
    commands: new Map<string, string>(),
  };
  for (const [aid, command] of commands) request.commands.set(aid, command.cloud_request_id);
  ctx.state.rtr.batchGets.set(request.id, request);
  return { resources: [], extra: { combined: { resources: entries }, batch_get_cmd_req_id: request.id } };
}

function fileView(file: UploadedFile) {
  const { content: _content, ...view } = file;
  return { ...view, deleted_at: '' };
}

function batchGetStatus(ctx: RouteContext): RouteResult {
  const id = ctx.query.string('batch_get_cmd_req_id') as string;
  const request = ctx.state.rtr.batchGets.get(id);
  if (!request || ctx.state.rtr.batches.get(request.batchId)?.owner !== owner(ctx))
    throw notFound(`batch get ${id} not found`);
  const resources: Record<string, unknown> = {};
  for (const [aid, cloudRequestId] of request.commands) {
    const command = ctx.state.rtr.commands.get(cloudRequestId) as RtrCommand;
    const file = ctx.state.rtr.sessions
      .get(command.session_id)
      ?.files.find((f) => f.cloud_request_id === cloudRequestId);
    if (file) resources[aid] = fileView(file);
  }
  return { resources: [], extra: { resources } };
}

function listFiles(ctx: RouteContext): RouteResult {
  const session = liveSession(ctx, ctx.query.string('session_id'));
  return { resources: session.files.map(fileView) };
}

function extractedFile(ctx: RouteContext): RouteResult {
  const session = liveSession(ctx, ctx.query.string('session_id'));
  const sha256 = ctx.query.string('sha256');
  const file = session.files.find((f) => f.sha256 === sha256);
  if (!file) throw notFound(`no file with sha256 ${sha256} in session ${session.id}`);
  return { resources: [], raw: Buffer.from(file.content) };
}

const scriptId = (s: { id: string }) => s.id;

export const RTR_ROUTES: RouteTable = {
  'POST /real-time-response/entities/sessions/v1': initSession,
  'DELETE /real-time-response/entities/sessions/v1': deleteSession,
  'GET /real-time-response/queries/sessions/v1': (ctx) =>
    offsetPage(ctx, runQuery(ctx, sessionStore(ctx), scriptId, { defaultSort: 'created_at|desc' }), scriptId),
  'POST /real-time-response/entities/sessions/GET/v1': (ctx) =>
    entitiesByIds(sessionStore(ctx), requestIds(ctx)),
  'POST /real-time-response/entities/refresh-session/v1': pulseSession,
  'POST /real-time-response/entities/command/v1': execute('read-only'),
  'GET /real-time-response/entities/command/v1': checkStatus('read-only'),
  'POST /real-time-response/entities/active-responder-command/v1': execute('active-responder'),
  'GET /real-time-response/entities/active-responder-command/v1': checkStatus('active-responder'),
  'POST /real-time-response/entities/admin-command/v1': execute('admin'),
  'GET /real-time-response/entities/admin-command/v1': checkStatus('admin'),
  'POST /real-time-response/combined/batch-init-session/v1': batchInit,
  'POST /real-time-response/combined/batch-refresh-session/v1': batchRefresh,
  'POST /real-time-response/combined/batch-command/v1': batchCommand('read-only'),
  'POST /real-time-response/combined/batch-active-responder-command/v1': batchCommand('active-responder'),
  'POST /real-time-response/combined/batch-admin-command/v1': batchCommand('admin'),
  'POST /real-time-response/combined/batch-get-command/v1': batchGet,
  'GET /real-time-response/combined/batch-get-command/v1': batchGetStatus,
  'GET /real-time-response/entities/file/v2': listFiles,
  'GET /real-time-response/entities/extracted-file-contents/v1': extractedFile,
  'GET /real-time-response/queries/scripts/v1': (ctx) =>
    offsetPage(ctx, runQuery(ctx, ctx.state.rtr.scripts, scriptId, { defaultSort: 'name|asc' }), scriptId),
  'GET /real-time-response/entities/scripts/v2': (ctx) =>
    entitiesByIds(ctx.state.rtr.scripts, requestIds(ctx)),
  'GET /real-time-response/queries/falcon-scripts/v1': (ctx) =>
    offsetPage(
      ctx,
      runQuery(ctx, ctx.state.rtr.falconScripts, scriptId, { defaultSort: 'name|asc' }),
      scriptId,
    ),
  'GET /real-time-response/entities/falcon-scripts/v1': (ctx) =>
    entitiesByIds(ctx.state.rtr.falconScripts, requestIds(ctx)),
};
