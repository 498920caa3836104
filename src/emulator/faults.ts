/**
 * Fault injection (issue 3): "the next N calls to operation X fail with status S", added latency,
 * dropped connections. Faults queue per operation and are consumed in the order they were added.
 */
import { FalconReplyError } from './http/reply-error.ts';

/** A fault to apply to the next `count` matching calls. */
export interface FaultSpec {
  /** Falcon operationId (e.g. "QueryDetects", "oauth2AccessToken") or '*' for any operation. */
  operationId: string;
  /** How many calls it affects. @default 1 */
  count?: number;
  /** Answer with this status (in the envelope) instead of running the operation. */
  status?: number;
  /** With status 429: seconds from now put in X-Ratelimit-Retryafter. @default 1 */
  retryAfterSeconds?: number;
  /** Wait this long before answering (alone, the call then succeeds normally). */
  latencyMs?: number;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
  /** Error message for `status`. */
  message?: string;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

/** What the server must do for one call. */
export interface FaultAction {
  latencyMs: number;
  dropConnection: boolean;
  error?: FalconReplyError;
}

/** The queue of pending faults. */
export class FaultBook {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.count ?? 1 });
  }

  clear(): void {
    this.faults = [];
  }

  /** Pending faults with how many calls each still affects. */
  list(): (FaultSpec & { remaining: number })[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** Consumes the first fault matching `operationId`, if any. */
  take(operationId: string, nowMs: number): FaultAction | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (f.operationId === operationId || f.operationId === '*'),
    );
    if (!fault) return undefined;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    const action: FaultAction = {
      latencyMs: fault.latencyMs ?? 0,
      dropConnection: fault.dropConnection ?? false,
    };
    if (fault.status !== undefined) action.error = faultError(fault, fault.status, nowMs);
    return action;
  }
}

function faultError(fault: FaultSpec, status: number, nowMs: number): FalconReplyError {
  const headers: Record<string, string> = {};
  if (status === 429) {
    headers['X-Ratelimit-Retryafter'] = String(Math.ceil(nowMs / 1000) + (fault.retryAfterSeconds ?? 1));
    headers['X-Ratelimit-Remaining'] = '0';
  }
  const message =
    fault.message ?? (status === 429 ? 'API rate limit exceeded.' : `injected fault: status ${status}`);
  return new FalconReplyError(status, message, headers);
}

/** Checks an untrusted fault spec (from the admin HTTP route); returns an error message or undefined. */
export function validateFaultSpec(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'a fault must be a JSON object';
  const spec = value as Record<string, unknown>;
  const known = new Set([
    'operationId',
    'count',
    'status',
    'retryAfterSeconds',
    'latencyMs',
    'dropConnection',
    'message',
  ]);
  for (const key of Object.keys(spec)) if (!known.has(key)) return `unknown fault field "${key}"`;
  if (typeof spec['operationId'] !== 'string' || spec['operationId'] === '')
    return 'operationId must be a non-empty string';
  for (const key of ['count', 'retryAfterSeconds', 'latencyMs'] as const) {
    const n = spec[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 0)) {
      return `${key} must be a non-negative integer`;
    }
  }
  const status = spec['status'];
  if (
    status !== undefined &&
    (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)
  ) {
    return 'status must be an integer from 400 to 599';
  }
  if (spec['dropConnection'] !== undefined && typeof spec['dropConnection'] !== 'boolean') {
    return 'dropConnection must be a boolean';
  }
  if (spec['message'] !== undefined && typeof spec['message'] !== 'string') return 'message must be a string';
  return undefined;
}
