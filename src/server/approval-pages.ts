/**
 * The HTML of approval links: the confirmation page a GET shows (it decides nothing: chat
 * link-preview bots fetch links) and the result page of its POST. Plain HTML without scripts; every
 * value is escaped; the page's form posts back to the same URL.
 */
import type { ApprovalRecord } from '../actions/approval-types.ts';

/** Headers every approval page carries: no caching, no referrer (the URL is the credential), no scripts. */
export const APPROVAL_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
.prompt{white-space:pre-wrap;background:#f4f4f4;padding:1rem;border-radius:.5rem}
button{font-size:1.1rem;padding:.5rem 1.5rem}textarea{width:100%}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

/** The confirmation page of a link for `choice`, by `approver`. */
export function confirmationPage(record: ApprovalRecord, approver: string, choice: string): string {
  const reason = record.requireReason
    ? '<p><label for="reason">Reason (required)</label><br><textarea id="reason" name="reason" rows="3" required></textarea></p>'
    : '<p><label for="reason">Reason (optional)</label><br><textarea id="reason" name="reason" rows="3"></textarea></p>';
  const waiting =
    record.minApprovals > 1
      ? `<p>This needs ${record.minApprovals} approvers; ${record.votes.length} decided so far.</p>`
      : '';
  return page(
    `${choice} - ${record.playbook}`,
    `<p>Run <code>${escapeHtml(record.runId)}</code>, step <code>${escapeHtml(record.stepId)}</code> asks:</p>
<div class="prompt">${escapeHtml(record.prompt)}</div>
<p>You are deciding as <strong>${escapeHtml(approver)}</strong>. The answer is open until ${escapeHtml(new Date(record.deadline).toISOString())}.</p>
${waiting}<form method="post">
${reason}
<p><button type="submit">Confirm: ${escapeHtml(choice)}</button></p>
</form>`,
  );
}

/** The page after a decision, or the reason why the link does nothing (reused, expired...). */
export function resultPage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
