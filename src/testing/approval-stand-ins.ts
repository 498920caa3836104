/**
 * Stand-ins for people: a test declares how each approval step is decided (`approvals:` in a test
 * file), and this port answers the approval step with that decision at once, so the run goes on
 * without a human, a queue or a wait. A `timeout` decision applies the step's own on_timeout policy,
 * as the store would at the deadline.
 */
import type {
  ApprovalDecision,
  ApprovalPort,
  ApprovalRecord,
  ApprovalRequest,
  TimeoutPolicy,
} from '../actions/approval-types.ts';
import { SoarError } from '../shared/index.ts';

/** How a test decides one approval step. */
export interface ApprovalStandIn {
  /** approve, deny, one of the step's own choices, or timeout (nobody decides). */
  decision: string;
  /** Who decided (default: the step's first named approver). */
  by: string[];
  reason: string | null;
}

/** The word a test uses for "nobody decided in time". */
export const TIMEOUT_DECISION = 'timeout';

export function approvalStandIns(standIns: Readonly<Record<string, ApprovalStandIn>>): ApprovalPort {
  const records = new Map<string, ApprovalRecord>();
  return {
    async open(request, now) {
      const key = `${request.runId}/${request.stepId}`;
      const known = records.get(key);
      if (known) return known;
      const standIn = standIns[request.stepId];
      if (!standIn) {
        throw new SoarError(
          'SOAR_APPROVAL_UNAVAILABLE',
          `approval step "${request.stepId}" has no decision in this test: add approvals: { ${request.stepId}: { decision: approve } } (or deny, or timeout)`,
          { details: { step: request.stepId } },
        );
      }
      const record = decidedRecord(request, standIn, now);
      records.set(key, record);
      return record;
    },
    async expire(runId, stepId) {
      const known = records.get(`${runId}/${stepId}`);
      if (!known)
        throw new SoarError('SOAR_APPROVAL_UNAVAILABLE', `approval step "${stepId}" was never opened`);
      return known;
    },
  };
}

function decidedRecord(request: ApprovalRequest, standIn: ApprovalStandIn, now: number): ApprovalRecord {
  const named = request.declared.filter((n) => !n.startsWith('group:'));
  const base: ApprovalRecord = {
    ...request,
    status: 'decided',
    approvers: named,
    escalationApprovers: request.escalation?.declared.filter((n) => !n.startsWith('group:')) ?? [],
    openedAt: now,
    deadline: now + request.timeoutMs,
    escalated: false,
    votes: [],
    decision: null,
  };
  if (standIn.decision === TIMEOUT_DECISION) {
    const escalated = request.onTimeout === 'escalate';
    const policy: TimeoutPolicy =
      request.onTimeout === 'escalate' ? (request.escalation?.policy ?? 'deny') : request.onTimeout;
    const at = base.deadline + (escalated ? (request.escalation?.timeoutMs ?? 0) : 0);
    const decision: ApprovalDecision = {
      choice: policy === 'fail' ? null : policy,
      by: [],
      at,
      channel: 'timeout',
      reason: null,
    };
    return { ...base, status: 'timed_out', escalated, decision };
  }
  const problem = (what: string) =>
    new SoarError('SOAR_APPROVAL_BAD_REQUEST', `approval step "${request.stepId}": the test's ${what}`, {
      details: { step: request.stepId },
    });
  if (!request.choices.includes(standIn.decision)) {
    throw problem(
      `decision "${standIn.decision}" is not one of the step's choices (${[...request.choices, TIMEOUT_DECISION].join(', ')})`,
    );
  }
  const by = standIn.by.length > 0 ? standIn.by.map((n) => n.toLowerCase()) : named.slice(0, 1);
  if (by.length === 0) throw problem('decision needs by: the step names only groups');
  // Only named approvers can be checked here: groups are expanded by the workers' configuration.
  const outsider = named.length === request.declared.length ? by.find((n) => !named.includes(n)) : undefined;
  if (outsider !== undefined) throw problem(`approver "${outsider}" is not among ${named.join(', ')}`);
  if (request.requireReason && standIn.reason === null)
    throw problem('decision needs a reason (require_reason)');
  const votes = by.map((name) => ({
    by: name,
    choice: standIn.decision,
    at: now,
    channel: 'cli' as const,
    reason: standIn.reason,
  }));
  return {
    ...base,
    votes,
    decision: { choice: standIn.decision, by, at: now, channel: 'cli', reason: standIn.reason },
  };
}
