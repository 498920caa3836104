/**
 * The `uses: approval` step: turns the rendered `with` into an approval request, opens it in the
 * store (once per run and step), and either returns the decision as the step output or tells the
 * engine to park the run until the deadline. The run holds no worker while it waits; a decision
 * (CLI, API, signed link) wakes it, and the step then reads the decision like a checkpoint.
 *
 * Output (`steps.<id>`): {decision, approved, by, at, channel, reason, votes, timed_out, escalated}.
 */
import { parseDurationMs, SoarError } from '../shared/index.ts';
import {
  type ApprovalDecision,
  type ApprovalPort,
  type ApprovalRecord,
  type ApprovalRequest,
  BASE_CHOICES,
  type TimeoutPolicy,
} from './approval-types.ts';

/** How long an approval waits when the step gives no timeout. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

/** What the approval step needs from the run. */
export interface ApprovalContext {
  /** Null when the run has no store (an in-process run): the step fails with a clear error. */
  port: ApprovalPort | null;
  runId: string;
  stepId: string;
  playbook: string;
  now(): number;
  dryRun: boolean;
}

/** Either the step output, or: park the run until `untilMs` (a decision wakes it sooner). */
export type ApprovalOutcome = { kind: 'decided'; output: ApprovalOutput } | { kind: 'wait'; untilMs: number };

/** What later steps read as `steps.<id>`. */
export interface ApprovalOutput {
  decision: string;
  approved: boolean;
  by: string[];
  /** ISO time of the decision. */
  at: string;
  channel: string;
  reason: string | null;
  votes: { by: string; choice: string; at: string; channel: string; reason: string | null }[];
  timed_out: boolean;
  escalated: boolean;
  dry_run?: true;
}

/**
 * Runs the approval step once: decided -> output; still open -> wait.
 * @throws SoarError SOAR_APPROVAL_TIMED_OUT (on_timeout fail), SOAR_APPROVAL_UNAVAILABLE (no store),
 *   SOAR_APPROVAL_BAD_REQUEST (rendered values of the wrong shape), SOAR_APPROVAL_UNKNOWN_GROUP.
 */
export async function runApproval(
  params: Readonly<Record<string, unknown>>,
  context: ApprovalContext,
): Promise<ApprovalOutcome> {
  const request = toApprovalRequest(params, context);
  // A dry run shows what the run would do if the approvers said yes; it asks nobody.
  if (context.dryRun) {
    const at = new Date(context.now()).toISOString();
    return {
      kind: 'decided',
      output: { ...emptyOutput('approve', at, 'dry-run'), approved: true, dry_run: true },
    };
  }
  if (context.port === null) {
    throw new SoarError(
      'SOAR_APPROVAL_UNAVAILABLE',
      `step "${context.stepId}" waits for an approval, which needs the queue (REDIS_URL and a worker)`,
      { details: { step: context.stepId } },
    );
  }
  let record = await context.port.open(request, context.now());
  if (record.status === 'open' && context.now() >= record.deadline) {
    record = await context.port.expire(context.runId, context.stepId, context.now());
  }
  if (record.status === 'open') return { kind: 'wait', untilMs: record.deadline };
  return { kind: 'decided', output: toOutput(record, context.stepId) };
}

/** The output of a decided (or timed-out) approval. @throws SOAR_APPROVAL_TIMED_OUT for `fail`. */
export function toOutput(record: ApprovalRecord, stepId: string): ApprovalOutput {
  const decision = record.decision as ApprovalDecision;
  if (decision.choice === null) {
    throw new SoarError(
      'SOAR_APPROVAL_TIMED_OUT',
      `step "${stepId}": nobody decided before the timeout (${new Date(decision.at).toISOString()})${record.escalated ? ', escalation included' : ''}`,
      { details: { step: stepId } },
    );
  }
  return {
    decision: decision.choice,
    approved: decision.choice === 'approve',
    by: [...decision.by],
    at: new Date(decision.at).toISOString(),
    channel: decision.channel,
    reason: decision.reason,
    votes: record.votes.map((v) => ({ ...v, at: new Date(v.at).toISOString() })),
    timed_out: record.status === 'timed_out',
    escalated: record.escalated,
  };
}

function emptyOutput(decision: string, at: string, channel: string): ApprovalOutput {
  return {
    decision,
    approved: false,
    by: [],
    at,
    channel,
    reason: null,
    votes: [],
    timed_out: false,
    escalated: false,
  };
}

/** The rendered `with` as a request. The schema checked the literal shape; this checks rendered values. */
export function toApprovalRequest(
  params: Readonly<Record<string, unknown>>,
  context: Pick<ApprovalContext, 'runId' | 'stepId' | 'playbook'>,
): ApprovalRequest {
  const bad = (what: string): SoarError =>
    new SoarError('SOAR_APPROVAL_BAD_REQUEST', `step "${context.stepId}": ${what}`, {
      details: { step: context.stepId },
    });
  const prompt = params['prompt'];
  if (typeof prompt !== 'string' || prompt.trim() === '') throw bad('prompt must render to text');
  const declared = approverNames(params['approvers'], 'approvers', bad);
  const extra = Array.isArray(params['choices']) ? params['choices'].map(String) : [];
  const timeoutMs = durationOf(params['timeout'], DEFAULT_APPROVAL_TIMEOUT_MS, 'timeout', bad);
  const onTimeout = params['on_timeout'] ?? 'deny';
  let policy: ApprovalRequest['onTimeout'];
  let escalation: ApprovalRequest['escalation'] = null;
  if (typeof onTimeout === 'object' && onTimeout !== null && !Array.isArray(onTimeout)) {
    const o = onTimeout as Record<string, unknown>;
    policy = 'escalate';
    escalation = {
      declared: approverNames(o['escalate'], 'on_timeout.escalate', bad),
      timeoutMs: durationOf(o['timeout'], timeoutMs, 'on_timeout.timeout', bad),
      policy: timeoutPolicy(o['then'] ?? 'deny', 'on_timeout.then', bad),
    };
  } else {
    policy = timeoutPolicy(onTimeout, 'on_timeout', bad);
  }
  const min = params['min_approvals'] ?? 1;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 1)
    throw bad('min_approvals must be 1 or more');
  return {
    runId: context.runId,
    stepId: context.stepId,
    playbook: context.playbook,
    prompt,
    declared,
    choices: [...BASE_CHOICES, ...extra.filter((c) => !(BASE_CHOICES as readonly string[]).includes(c))],
    minApprovals: min,
    requireReason: params['require_reason'] === true,
    timeoutMs,
    onTimeout: policy,
    escalation,
  };
}

const NAME_RE = /^(group:)?[A-Za-z0-9][A-Za-z0-9_.@-]*$/;

/** Names as rendered: a template may give a list or a comma-separated text. Lower-cased. */
function approverNames(value: unknown, field: string, bad: (what: string) => SoarError): string[] {
  const raw = (Array.isArray(value) ? value : [value]).flatMap((v) =>
    Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v],
  );
  const names: string[] = [];
  for (const entry of raw) {
    const name = typeof entry === 'string' ? entry.trim().toLowerCase() : '';
    if (!NAME_RE.test(name))
      throw bad(`${field}: ${JSON.stringify(entry)} is not a user name or group:<name>`);
    if (!names.includes(name)) names.push(name);
  }
  if (names.length === 0) throw bad(`${field} names nobody`);
  return names;
}

function durationOf(
  value: unknown,
  fallback: number,
  field: string,
  bad: (what: string) => SoarError,
): number {
  if (value === undefined || value === null) return fallback;
  try {
    const ms = parseDurationMs(value as string, field);
    if (ms < 1) throw bad(`${field} must be longer than 0`);
    return ms;
  } catch (error) {
    if (error instanceof SoarError && error.code === 'SOAR_APPROVAL_BAD_REQUEST') throw error;
    throw bad(`${field}: ${JSON.stringify(value)} is not a duration (use 30s, 5m, 1h or 2d)`);
  }
}

function timeoutPolicy(value: unknown, field: string, bad: (what: string) => SoarError): TimeoutPolicy {
  if (value === 'deny' || value === 'approve' || value === 'fail') return value;
  throw bad(`${field} must be deny, approve or fail (got ${JSON.stringify(value)})`);
}
