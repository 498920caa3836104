import { type ErrorCode, type ErrorDetails, SoarError, toSoarError } from '../shared/index.ts';

/** The only error shape that reaches run records and events: code and message, nothing else. */
export interface RunErrorInfo {
  code: ErrorCode;
  message: string;
  /** Whether running the job again (it resumes from its checkpoints) could succeed. */
  retryable: boolean;
  /** Falcon's 429 wait, when the failure was a rate limit (the queue pauses that long). */
  retryAfterMs?: number;
}

/** Builds an engine error with a catalogued code. */
export function engineError(
  code: ErrorCode,
  message: string,
  details: ErrorDetails = {},
  retryable?: boolean,
): SoarError {
  return new SoarError(code, message, retryable === undefined ? { details } : { details, retryable });
}

/**
 * Whether a failure is worth another attempt: by step `retry`, or by the queue re-running the job
 * (it resumes from checkpoints). Validation, expression and 4xx errors (other than 429) are not.
 * Anything that is not a SoarError is an internal bug and not retryable either.
 */
export function isRetryableRunError(error: unknown): boolean {
  return toSoarError(error).retryable;
}

/** The whitelisted code + message of any thrown value (never the raw error, its cause or options). */
export function toRunErrorInfo(error: unknown): RunErrorInfo {
  const soar = toSoarError(error);
  const info: RunErrorInfo = { code: soar.code, message: soar.message, retryable: soar.retryable };
  const retryAfterMs = soar.details['retryAfterMs'];
  if (typeof retryAfterMs === 'number') info.retryAfterMs = retryAfterMs;
  return info;
}

/**
 * Why a run stops whatever the current step's `on_error` says:
 * - 'fail': the run fails with `reason` (limits.max_targets, an unknown write outcome);
 * - 'cancel': the run's signal aborted;
 * - 'infrastructure': the checkpoint store failed or the job lock was lost; runPlaybook rethrows
 *   `reason` so the queue can retry elsewhere (the run resumes from its checkpoints);
 * - 'wait': an approval step waits for people; the run parks until `untilMs` or a decision.
 */
export type RunAbortKind = 'fail' | 'cancel' | 'infrastructure' | 'wait';

/** Thrown through the step machinery to stop the whole run; never leaves runPlaybook. */
export class RunAbort extends Error {
  readonly reason: unknown;
  readonly kind: RunAbortKind;
  /** For 'wait': epoch ms until which the run parks (a decision wakes it sooner). */
  readonly untilMs: number | null;

  constructor(reason: unknown, kind: RunAbortKind, untilMs: number | null = null) {
    super(`run aborted (${kind})`);
    this.name = 'RunAbort';
    this.reason = reason;
    this.kind = kind;
    this.untilMs = untilMs;
  }
}

/** The HTTP status a Falcon error carries in its details, if any. */
export function httpStatusOf(error: unknown): number | null {
  const status = toSoarError(error).details['status'];
  return typeof status === 'number' ? status : null;
}

/**
 * True when a failed write request certainly changed nothing: Falcon refused it with a 4xx
 * (including 429). A 5xx, timeout or network error leaves the outcome unknown.
 */
export function certainlyNotApplied(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status !== null && status >= 400 && status < 500;
}
