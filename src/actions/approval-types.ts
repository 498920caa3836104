/**
 * CONTRACT: what an approval is, between the approval step (src/actions/approval.ts, run by the
 * engine), the store that records it (src/queue/approval-store.ts) and the channels that decide it
 * (CLI, HTTP API, signed links). Plain JSON: a record is stored in Redis as it is.
 */

/** What happens when an approval times out (after any escalation). */
export type TimeoutPolicy = 'deny' | 'approve' | 'fail';

/** Where a decision came from. 'timeout' is the step's own on_timeout policy. */
export type ApprovalChannel = 'cli' | 'api' | 'link' | 'timeout';

/** The two choices every approval offers; steps add their own. */
export const BASE_CHOICES = ['approve', 'deny'] as const;

/** What an approval step asks, rendered: written once when the run first reaches the step. */
export interface ApprovalRequest {
  runId: string;
  stepId: string;
  playbook: string;
  prompt: string;
  /** As the step names them (user names and group:<name>), after rendering. */
  declared: string[];
  /** approve, deny, then the step's own choices. */
  choices: string[];
  /** Distinct approvers who must pick the same choice; one deny decides at once. */
  minApprovals: number;
  requireReason: boolean;
  timeoutMs: number;
  onTimeout: TimeoutPolicy | 'escalate';
  /** `policy`: what happens when the escalation times out too (the YAML `then`). */
  escalation: { declared: string[]; timeoutMs: number; policy: TimeoutPolicy } | null;
}

/** One approver's decision. */
export interface ApprovalVote {
  by: string;
  choice: string;
  /** Epoch ms. */
  at: number;
  channel: ApprovalChannel;
  reason: string | null;
}

/** How an approval ended. `choice` null: it timed out with `fail`. */
export interface ApprovalDecision {
  choice: string | null;
  /** The approvers whose votes made the decision (none for a timeout). */
  by: string[];
  at: number;
  channel: ApprovalChannel;
  reason: string | null;
}

export type ApprovalStatus = 'open' | 'decided' | 'timed_out';

/** An approval as stored: the request, who may decide now, the votes and the decision. */
export interface ApprovalRecord extends ApprovalRequest {
  status: ApprovalStatus;
  /** User names allowed to decide (groups expanded; escalation adds its approvers). */
  approvers: string[];
  /** With an escalation: the escalated approvers, expanded. */
  escalationApprovers: string[];
  openedAt: number;
  /** Epoch ms after which the timeout policy applies (the escalation's deadline once escalated). */
  deadline: number;
  escalated: boolean;
  votes: ApprovalVote[];
  decision: ApprovalDecision | null;
}

/**
 * The engine's view of the approval store. `open` is idempotent: the first call writes the request
 * and fixes its deadline, later calls (a resumed run) return what is stored.
 */
export interface ApprovalPort {
  open(request: ApprovalRequest, now: number): Promise<ApprovalRecord>;
  /** At or after the deadline: applies the timeout policy (or escalates) unless a decision came first. */
  expire(runId: string, stepId: string, now: number): Promise<ApprovalRecord>;
}
