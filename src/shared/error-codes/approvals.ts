import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by approval steps and the channels that decide them. Names are SOAR_APPROVAL_<DETAIL>. */
export const APPROVAL_ERROR_CODES = {
  SOAR_APPROVAL_NOT_FOUND: {
    title: 'No such approval',
    retryable: false,
    hint: 'Check the run id and step id with `talon approvals list`; the run may not exist or the step is not an approval step.',
  },
  SOAR_APPROVAL_NOT_OPEN: {
    title: 'Approval not open yet',
    retryable: false,
    hint: 'The run has not reached this approval step yet; try again once `talon approvals list` shows it.',
  },
  SOAR_APPROVAL_ALREADY_DECIDED: {
    title: 'Approval already decided',
    retryable: false,
    hint: 'Someone decided this approval before you; `talon runs show <run>` shows who and when. Nothing was changed.',
  },
  SOAR_APPROVAL_ALREADY_VOTED: {
    title: 'Approver already voted',
    retryable: false,
    hint: 'Each approver decides once; the approval still waits for other approvers (two-person rule).',
  },
  SOAR_APPROVAL_EXPIRED: {
    title: 'Approval timed out',
    retryable: false,
    hint: 'The approval reached its timeout before this decision; the run followed the step `on_timeout` policy. Nothing was changed.',
  },
  SOAR_APPROVAL_NOT_APPROVER: {
    title: 'Not an approver of this step',
    retryable: false,
    hint: 'Only the approvers named by the step (names or group:<name> members) can decide; ask one of them.',
  },
  SOAR_APPROVAL_BAD_CHOICE: {
    title: 'Unknown choice',
    retryable: false,
    hint: 'Choose one of the choices the step offers (approve, deny and its custom choices).',
  },
  SOAR_APPROVAL_REASON_REQUIRED: {
    title: 'A reason is required',
    retryable: false,
    hint: 'This approval step has `require_reason: true`: give a reason (--reason on the CLI, "reason" in the API body, the form field on the page).',
  },
  SOAR_APPROVAL_LINK_INVALID: {
    title: 'Invalid approval link',
    retryable: false,
    hint: 'The link is malformed or its signature does not match; use the link exactly as Talon sent it, or decide with `talon approvals`.',
  },
  SOAR_APPROVAL_LINKS_DISABLED: {
    title: 'Approval links are not configured',
    retryable: false,
    hint: 'Set TALON_APPROVAL_KEY (at least 32 random characters) and TALON_PUBLIC_URL on the server and the workers.',
  },
  SOAR_APPROVAL_TIMED_OUT: {
    title: 'Approval step timed out',
    retryable: false,
    hint: 'No decision arrived before the timeout and the step says `on_timeout: fail`; run the playbook again or choose another on_timeout policy.',
  },
  SOAR_APPROVAL_UNAVAILABLE: {
    title: 'Approval steps need the queue',
    retryable: false,
    hint: 'An approval waits for a person: enqueue the run with REDIS_URL set and a `talon worker` running (not an in-process run).',
  },
  SOAR_APPROVAL_UNKNOWN_GROUP: {
    title: 'Unknown approver group',
    retryable: false,
    hint: 'Define the group in TALON_APPROVER_GROUPS ("soc-leads=alice,bob;managers=carol") on every worker.',
  },
  SOAR_APPROVAL_BAD_REQUEST: {
    title: 'Approval step rendered a bad value',
    retryable: false,
    hint: 'Check the approval step: its prompt must render to text and its approvers to names or group:<name>.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
