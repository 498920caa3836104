/// <reference lib="dom" />
/**
 * JSON calls to `talon serve`. The session cookie set at sign-in goes with each request (same origin);
 * the server checks the role of every route, so a refusal arrives here as an ApiError with its status.
 */
import type { StepRecord } from '../../engine/index.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    // The session ended (token revoked, cookie gone): back to the sign-in form.
    window.location.assign('/login');
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? response.statusText);
  }
  return parsed as T;
}

export const getJson = <T>(path: string): Promise<T> => call<T>('GET', path);
export const postJson = <T>(path: string, body: unknown): Promise<T> => call<T>('POST', path, body);

/** Shared shapes of the answers (see src/server and src/queue for their sources). */
/** A step as the run record holds it: the engine's own record type (erased from the bundle). */
export type Step = StepRecord;

export interface Run {
  runId: string;
  playbook: string;
  file: string;
  status: string;
  trigger: { type: string; source: string; at?: number };
  inputs?: Record<string, unknown>;
  dryRun: boolean;
  enqueuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  attempts: number;
  apiCalls?: number;
  error: { code: string; message: string } | null;
  outputs?: Record<string, unknown> | null;
  steps?: Step[];
  waitingFor?: { step: string; until: number } | null;
}

export interface Approval {
  runId: string;
  stepId: string;
  playbook: string;
  prompt: string;
  choices: string[];
  minApprovals: number;
  requireReason: boolean;
  status: string;
  approvers: string[];
  deadline: number;
  votes: { by: string; choice: string; at: number; reason: string | null }[];
  decision: { choice: string | null; by: string[]; at: number; reason: string | null } | null;
}

export interface PlaybookEntry {
  name: string | null;
  file: string;
  valid: boolean;
  description: string;
  steps: number;
  diagnostics: { severity: string; code: string; message: string; line: number; column: number }[];
  triggers: { type: string; detail: string; next: number | null }[];
}
