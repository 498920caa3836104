/**
 * Semantic checks of `uses: approval` steps beyond their schema: an approval waits for people, so
 * the per-call step fields (foreach, select, paginate, retry, timeout) make no sense on it, and a
 * two-person rule needs at least two possible approvers.
 */
import { type Finding, finding } from './findings.ts';

/** The `uses` value of an approval step. */
export const APPROVAL_USES = 'approval';

const NOT_ON_APPROVAL: Readonly<Record<string, string>> = {
  foreach: 'ask once with several approvers instead',
  select: 'an approval returns a decision, not resources',
  paginate: 'an approval returns a decision, not pages',
  retry: 'a decision is recorded once; use on_timeout for what happens without one',
  timeout: 'put the waiting time in with.timeout',
};

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Findings for one approval step at pointer `at` (e.g. /steps/2). */
export function checkApprovalStep(step: Doc, at: string): Finding[] {
  const out: Finding[] = [];
  for (const [field, why] of Object.entries(NOT_ON_APPROVAL)) {
    if (step[field] !== undefined) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          `${at}/${field}`,
          `an approval step takes no ${field} (${why})`,
          'key',
        ),
      );
    }
  }
  const given = step.with;
  if (!isMap(given)) return out;
  const approvers = Array.isArray(given.approvers) ? given.approvers : [];
  const literalNames = approvers.filter(
    (a) => typeof a === 'string' && !a.includes('${{') && !a.startsWith('group:'),
  );
  const onlyNames = literalNames.length === approvers.length;
  const min = given.min_approvals;
  const escalate =
    isMap(given.on_timeout) && Array.isArray(given.on_timeout.escalate) ? given.on_timeout.escalate : [];
  if (typeof min === 'number' && onlyNames && escalate.length === 0 && min > literalNames.length) {
    out.push(
      finding(
        'SOAR_PLAYBOOK_SCHEMA',
        `${at}/with/min_approvals`,
        `min_approvals ${min} needs at least ${min} approvers, the step names ${literalNames.length}`,
      ),
    );
  }
  const choices = Array.isArray(given.choices) ? given.choices : [];
  choices.forEach((choice, i) => {
    if (choice === 'approve' || choice === 'deny') {
      out.push(
        finding(
          'SOAR_PLAYBOOK_SCHEMA',
          `${at}/with/choices/${i}`,
          `"${choice}" is always offered; choices lists the extra ones`,
        ),
      );
    }
  });
  return out;
}
