/**
 * rtr.run_command: one Real Time Response command on many hosts, the way a playbook writer thinks of it.
 * It opens a batch session on the hosts (BatchInitSessions, at most 10,000 hosts per batch), runs the
 * command on those that got a session (BatchCmd / BatchActiveResponderCmd / BatchAdminCmd by level),
 * gathers one result per host, and closes the batch (BatchRefreshSessions dropping every host, so the
 * sessions stop and expire). Operation facts: docs/rtr.md.
 *
 * Safety: read-only commands change nothing and are sent again after a crash. Active-responder and
 * admin commands change hosts and are not idempotent: after a crash the run stops with
 * SOAR_ENGINE_UNKNOWN_OUTCOME, except `kill <pid>` and `rm <path>`, which check first on every call
 * (ps / filehash) and act only on hosts where the process or file is still there, so a repeat after a
 * crash does nothing twice. The engine applies the response guard rails to every call before it is
 * sent, as for the batch operation of its level (`responseAs`): the blast radius (`limits.response_hosts`,
 * default 10, counting read-only commands too), protected hosts (changing levels only) and the dry-run
 * host listing (docs/rtr.md).
 */
import { SoarError } from '../shared/index.ts';
import { badParam, optionalBoolean, requiredText, textList } from './params.ts';
import type { ActionDefinition, FalconCaller } from './types.ts';

const NAME = 'rtr.run_command';
const LEVELS = ['read-only', 'active-responder', 'admin'] as const;
type Level = (typeof LEVELS)[number];

/** falconpy BatchInitSessions: "A maximum of 10000 hosts can be in a single batch session". */
const BATCH_MAX_HOSTS = 10_000;
const COMMAND_OPERATION: Record<Level, string> = {
  'read-only': 'BatchCmd',
  'active-responder': 'BatchActiveResponderCmd',
  admin: 'BatchAdminCmd',
};

const READ = 'real-time-response:read';
const LEVEL_SCOPES: Record<Level, readonly string[]> = {
  'read-only': [READ],
  'active-responder': [READ, 'real-time-response:write'],
  admin: [READ, 'real-time-response-admin:write'],
};

/** One host's result. */
export interface HostResult {
  aid: string;
  ok: boolean;
  /** The command ran and the host reported success ('ran'), was skipped because the desired state held already ('already'), waits for an offline host ('queued'), or failed ('failed'). */
  status: 'ran' | 'already' | 'queued' | 'failed';
  stdout: string;
  stderr: string;
  error: string | null;
  session_id: string;
}

interface Entry {
  aid: string;
  session_id?: string;
  complete?: boolean;
  offline_queued?: boolean;
  stdout?: string;
  stderr?: string;
  errors?: { code: number; message: string }[] | null;
}

/** The command's own name: `reg query`, `update list` are two words, everything else one. */
export function baseCommandOf(command: string): string {
  const words = command.trim().split(/\s+/);
  const first = (words[0] ?? '').toLowerCase();
  return (first === 'reg' || first === 'update') && words[1] ? `${first} ${words[1].toLowerCase()}` : first;
}

/** What can be checked before acting: the pid a kill ends, the path an rm removes. */
function checkOf(command: string): { kind: 'kill' | 'rm'; target: string } | null {
  const words = command.trim().split(/\s+/);
  const base = (words[0] ?? '').toLowerCase();
  const target = words.slice(1).find((w) => !w.startsWith('-'));
  if (target === undefined) return null;
  if (base === 'kill' && /^\d+$/.test(target)) return { kind: 'kill', target };
  if (base === 'rm') return { kind: 'rm', target: target.replace(/^"|"$/g, '') };
  return null;
}

function level(params: Readonly<Record<string, unknown>>): Level {
  const value = params['level'] ?? 'read-only';
  if (typeof value !== 'string' || !(LEVELS as readonly string[]).includes(value))
    throw badParam(NAME, `level must be one of ${LEVELS.join(', ')}`);
  return value as Level;
}

function entriesOf(resources: readonly unknown[]): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const item of resources) {
    const entry = item as Entry;
    if (entry && typeof entry.aid === 'string') out.set(entry.aid, entry);
  }
  return out;
}

function errorText(entry: Entry | undefined): string | null {
  const errors = entry?.errors ?? [];
  return errors.length > 0 ? errors.map((e) => e.message).join('; ') : null;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Hosts (of those asked) where the kill's process or the rm's file is already gone. */
async function alreadyDone(
  falcon: FalconCaller,
  batchId: string,
  hosts: readonly string[],
  check: { kind: 'kill' | 'rm'; target: string },
  signal: AbortSignal,
): Promise<Set<string>> {
  const command = check.kind === 'kill' ? 'ps' : `filehash "${check.target}"`;
  const answer = await falcon.call(
    'BatchCmd',
    {
      batch_id: batchId,
      base_command: check.kind === 'kill' ? 'ps' : 'filehash',
      command_string: command,
      optional_hosts: [...hosts],
    },
    { signal },
  );
  const done = new Set<string>();
  for (const [aid, entry] of entriesOf(answer.resources)) {
    if (entry.complete !== true || errorText(entry) !== null) continue;
    const stdout = entry.stdout ?? '';
    const present =
      check.kind === 'kill'
        ? stdout.split('\n').some((line) => line.trim().split(/\s+/).includes(check.target))
        : /SHA256/i.test(stdout);
    if (!present) done.add(aid);
  }
  return done;
}

async function runBatch(
  falcon: FalconCaller,
  hosts: readonly string[],
  command: string,
  lvl: Level,
  queueOffline: boolean,
  signal: AbortSignal,
): Promise<{ batchId: string; results: HostResult[] }> {
  const init = await falcon.call(
    'BatchInitSessions',
    { host_ids: [...hosts], queue_offline: queueOffline },
    { signal },
  );
  const batchId = String(init.meta['batch_id'] ?? '');
  const sessions = entriesOf(init.resources);
  const results = new Map<string, HostResult>();
  const reachable: string[] = [];
  for (const aid of hosts) {
    const entry = sessions.get(aid);
    if (entry?.session_id) {
      reachable.push(aid);
      continue;
    }
    results.set(aid, {
      aid,
      ok: false,
      status: 'failed',
      stdout: '',
      stderr: '',
      error: errorText(entry) ?? 'no session',
      session_id: '',
    });
  }
  try {
    let targets = reachable;
    const check = lvl === 'read-only' ? null : checkOf(command);
    if (check && targets.length > 0) {
      const done = await alreadyDone(falcon, batchId, targets, check, signal);
      for (const aid of done) {
        const why =
          check.kind === 'kill' ? `process ${check.target} is not running` : `${check.target} is absent`;
        results.set(aid, {
          aid,
          ok: true,
          status: 'already',
          stdout: `${why}; nothing to do\n`,
          stderr: '',
          error: null,
          session_id: sessions.get(aid)?.session_id ?? '',
        });
      }
      targets = targets.filter((aid) => !done.has(aid));
    }
    if (targets.length > 0) {
      const answer = await falcon.call(
        COMMAND_OPERATION[lvl],
        {
          batch_id: batchId,
          base_command: baseCommandOf(command),
          command_string: command,
          optional_hosts: targets,
        },
        { signal },
      );
      const entries = entriesOf(answer.resources);
      for (const aid of targets) {
        const entry = entries.get(aid);
        const error = entry ? errorText(entry) : 'no answer for this host';
        const queued = entry?.offline_queued === true && entry.complete !== true;
        const stderr = entry?.stderr ?? '';
        const ok = !queued && error === null && entry?.complete === true && stderr === '';
        results.set(aid, {
          aid,
          ok,
          status: queued ? 'queued' : ok ? 'ran' : 'failed',
          stdout: entry?.stdout ?? '',
          stderr,
          error,
          session_id: entry?.session_id ?? sessions.get(aid)?.session_id ?? '',
        });
      }
    }
  } finally {
    // Dropping every host stops the batch's heartbeats: the sessions expire (there is no batch delete).
    if (batchId !== '' && reachable.length > 0) {
      await falcon
        .call('BatchRefreshSessions', { batch_id: batchId, hosts_to_remove: reachable }, { signal })
        .catch(() => undefined);
    }
  }
  return { batchId, results: hosts.map((aid) => results.get(aid) as HostResult) };
}

export const rtrRunCommand: ActionDefinition = {
  declaration: {
    name: NAME,
    summary:
      'Run one Real Time Response command on many hosts (batch session, command, per-host results, close).',
    params: [
      { name: 'hosts', required: true, description: 'Host ids (aid), a list or comma-separated text.' },
      {
        name: 'command',
        required: true,
        description: 'The command line, e.g. ps, netstat, "reg query HKLM\\...", "kill 4711".',
      },
      {
        name: 'level',
        required: false,
        enum: [...LEVELS],
        description: 'read-only (default), active-responder or admin.',
      },
      {
        name: 'queue_offline',
        required: false,
        description: 'Queue the command for offline hosts; default false.',
      },
    ],
    secretSlots: [],
    // Scopes of the batch operations by level (docs/rtr.md); a templated level needs them all.
    falconScopes(withAsWritten) {
      const lvl = withAsWritten['level'] ?? 'read-only';
      const all = LEVEL_SCOPES['admin'];
      return typeof lvl === 'string' && lvl in LEVEL_SCOPES ? LEVEL_SCOPES[lvl as Level] : all;
    },
    responseAs(params) {
      const lvl =
        typeof params['level'] === 'string' && params['level'] in COMMAND_OPERATION
          ? (params['level'] as Level)
          : 'read-only';
      return { operation: COMMAND_OPERATION[lvl], params: { optional_hosts: params['hosts'] } };
    },
    output:
      '{command, level, batch_ids, hosts: [{aid, ok, status: ran|already|queued|failed, stdout, stderr, error, session_id}], succeeded, failed, queued}',
  },
  whenOutcomeUnknown(params) {
    const lvl = (params['level'] ?? 'read-only') as string;
    if (lvl === 'read-only') return 'resend';
    return typeof params['command'] === 'string' && checkOf(params['command']) ? 'resend' : 'fail';
  },
  async run(params, context) {
    const falcon = context.falcon;
    if (!falcon)
      throw new SoarError('SOAR_ACTION_BAD_PARAM', `${NAME}: no Falcon client is wired to this runner`);
    const hosts = [...new Set(textList(NAME, params, 'hosts'))];
    const command = requiredText(NAME, params, 'command').trim();
    const lvl = level(params);
    const queueOffline = optionalBoolean(NAME, params, 'queue_offline', false);
    const batchIds: string[] = [];
    const results: HostResult[] = [];
    for (const slice of chunks(hosts, BATCH_MAX_HOSTS)) {
      const { batchId, results: sliceResults } = await runBatch(
        falcon,
        slice,
        command,
        lvl,
        queueOffline,
        context.signal,
      );
      batchIds.push(batchId);
      results.push(...sliceResults);
    }
    return {
      command,
      level: lvl,
      batch_ids: batchIds,
      hosts: results,
      succeeded: results.filter((r) => r.ok).length,
      failed: results.filter((r) => r.status === 'failed').length,
      queued: results.filter((r) => r.status === 'queued').length,
    };
  },
};
