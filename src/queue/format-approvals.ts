/** Human-readable text for approvals (`talon approvals list/show`, the audit part of `talon runs show`). Pure. */
import type { ApprovalRecord } from '../actions/approval-types.ts';
import { formatTable } from './format-run.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The `talon approvals list` table, soonest deadline first. */
export function formatApprovalList(records: readonly ApprovalRecord[]): string {
  if (records.length === 0) return 'no approvals waiting\n';
  const header = ['RUN', 'STEP', 'PLAYBOOK', 'DEADLINE', 'VOTES', 'APPROVERS', 'PROMPT'];
  const rows = records.map((r) => [
    r.runId,
    r.stepId,
    r.playbook,
    iso(r.deadline).replace('T', ' ').slice(0, 19),
    `${r.votes.length}/${r.minApprovals}`,
    r.approvers.join(','),
    r.prompt.replace(/\s+/g, ' ').slice(0, 60),
  ]);
  return formatTable(header, rows);
}

/** One approval with its votes and decision: the audit trail of one approval step. */
export function formatApproval(record: ApprovalRecord, indent = ''): string {
  const lines = [
    `approval  ${record.runId} step ${record.stepId} (${record.playbook})`,
    `status    ${record.status}${record.escalated ? ' (escalated)' : ''}`,
    `prompt    ${record.prompt.replace(/\n/g, `\n${indent}          `)}`,
    `choices   ${record.choices.join(', ')}; needs ${record.minApprovals} approver(s)${record.requireReason ? ', a reason' : ''}`,
    `approvers ${record.approvers.join(', ')}`,
    `opened    ${iso(record.openedAt)}; deadline ${iso(record.deadline)}; on timeout ${record.onTimeout === 'escalate' ? `escalate to ${record.escalationApprovers.join(', ')}, then ${record.escalation?.policy ?? 'deny'}` : record.onTimeout}`,
  ];
  for (const vote of record.votes) {
    lines.push(
      `vote      ${iso(vote.at)}  ${vote.by} chose ${vote.choice} via ${vote.channel}${vote.reason ? `: ${vote.reason}` : ''}`,
    );
  }
  const d = record.decision;
  if (d) {
    const who = d.by.length > 0 ? d.by.join(', ') : 'nobody (timeout)';
    lines.push(
      `decision  ${d.choice ?? 'fail'} by ${who} via ${d.channel} at ${iso(d.at)}${d.reason ? `: ${d.reason}` : ''}`,
    );
  }
  return `${lines.map((l) => `${indent}${l}`).join('\n')}\n`;
}
