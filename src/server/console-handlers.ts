/**
 * The run console's server side, without the HTTP framework (server.ts registers the routes):
 *
 *   GET  /login                   public: the sign-in form (no script, no data)
 *   POST /login                   public: form `token`; a valid token is kept in an HttpOnly,
 *                                 SameSite=Strict session cookie, then 303 to /
 *   POST /logout                  public: clears the cookie
 *   GET  /                        viewer: the console's shell (without a session: 303 to /login)
 *   GET  /console/app.js|app.css  viewer: the bundled client and its styles
 *   GET  /console/api/runs        viewer: a page of run summaries (?playbook&status&trigger&from&to&offset&limit)
 *   GET  /console/api/playbooks   viewer: loaded playbooks, their validation result, triggers, next cron times
 *   GET  /console/api/me          viewer: the signed-in token's name and role
 * The run timeline reads GET /runs/<id>, approvals GET /approvals, and decisions go to
 * POST /approvals/<run>/<step>: the same routes and role checks as every other API client.
 */
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import type { RunFilter } from '../queue/index.ts';
import { type Diagnostic, SoarError } from '../shared/index.ts';
import { nextSlot } from '../triggers/index.ts';

/** The cookie that carries the token of a console session. */
export const SESSION_COOKIE = 'talon_session';

/** Set-Cookie of a new session: a browser session cookie the page's script cannot read. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** `Bearer <token>` from a Cookie header holding a session, or undefined. */
export function authorizationFromCookie(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value.length > 0 && value.join('=') !== '') {
      return `Bearer ${value.join('=')}`;
    }
  }
  return undefined;
}

const badRequest = (message: string) =>
  new SoarError('SOAR_SERVER_BAD_REQUEST', message, { details: { status: 400 } });

/** The filter and page of GET /console/api/runs. */
export function parseRunQuery(query: Record<string, string | undefined>): {
  filter: RunFilter;
  page: { offset: number; limit: number };
} {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = query[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw badRequest(`${name} must be an integer from ${min} to ${max} (got ${String(raw)})`);
    }
    return value;
  };
  const filter: RunFilter = {};
  for (const name of ['playbook', 'status', 'trigger'] as const) {
    const value = query[name];
    if (value !== undefined && value !== '') filter[name] = value;
  }
  if (query['from'] !== undefined && query['from'] !== '')
    filter.from = integer('from', 0, 0, Number.MAX_SAFE_INTEGER);
  if (query['to'] !== undefined && query['to'] !== '')
    filter.to = integer('to', 0, 0, Number.MAX_SAFE_INTEGER);
  return {
    filter,
    page: { offset: integer('offset', 0, 0, 1_000_000), limit: integer('limit', 50, 1, 200) },
  };
}

/** What the server loaded from its playbook directory. */
export interface LoadedPlaybooks {
  playbooks: readonly CompiledPlaybook[];
  /** Problems found while loading (errors of files that did not compile, warnings of those that did). */
  diagnostics: readonly Diagnostic[];
}

export interface PlaybookEntry {
  name: string | null;
  file: string;
  valid: boolean;
  description: string;
  steps: number;
  diagnostics: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'line' | 'column'>[];
  triggers: { type: string; detail: string; next: number | null }[];
}

/** One entry per playbook file, compiled ones first (by name), then files that failed to compile. */
export function playbookCatalogue(loaded: LoadedPlaybooks, nowMs: number): PlaybookEntry[] {
  const byFile = new Map<string, PlaybookEntry['diagnostics']>();
  for (const d of loaded.diagnostics) {
    const list = byFile.get(d.file) ?? [];
    list.push({ severity: d.severity, code: d.code, message: d.message, line: d.line, column: d.column });
    byFile.set(d.file, list);
  }
  const compiled = [...loaded.playbooks]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p): PlaybookEntry => {
      const diagnostics = byFile.get(p.file) ?? [];
      byFile.delete(p.file);
      return {
        name: p.name,
        file: p.file,
        valid: !diagnostics.some((d) => d.severity === 'error'),
        description: p.description,
        steps: p.steps.length,
        diagnostics,
        triggers: p.triggers.map((t) => describeTrigger(t, nowMs)),
      };
    });
  const failed = [...byFile].map(
    ([file, diagnostics]): PlaybookEntry => ({
      name: null,
      file,
      valid: !diagnostics.some((d) => d.severity === 'error'),
      description: '',
      steps: 0,
      diagnostics,
      triggers: [],
    }),
  );
  return [...compiled, ...failed];
}

function describeTrigger(
  trigger: CompiledPlaybook['triggers'][number],
  nowMs: number,
): PlaybookEntry['triggers'][number] {
  switch (trigger.type) {
    case 'cron':
      return {
        type: 'cron',
        detail: `${trigger.schedule} (${trigger.timezone ?? 'UTC'}, overlap ${trigger.overlap})`,
        next: nextSlot(trigger.schedule, trigger.timezone, nowMs),
      };
    case 'webhook':
      return { type: 'webhook', detail: `/hooks/${trigger.path}`, next: null };
    case 'poll':
      return {
        type: 'poll',
        detail: `${trigger.operationId} every ${Math.round(trigger.everyMs / 1000)} s (${trigger.mode})`,
        next: null,
      };
    case 'stream':
      return { type: 'stream', detail: `${trigger.events.join(', ')} (${trigger.mode})`, next: null };
    default:
      return { type: trigger.type, detail: '', next: null };
  }
}
