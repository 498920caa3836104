/**
 * One-time approval links for chat and email. A link names one run, one approval step, one
 * approver and one choice, signed with HMAC-SHA256 under a key only Talon holds
 * (TALON_APPROVAL_KEY). The signature makes it unforgeable; the approval record in Redis makes it
 * one-time: once its approver decided, the approval was decided or it timed out, the link only
 * says so. Opening a link (GET) shows a confirmation page; only the page's POST decides, because
 * chat link-preview bots fetch every link they see.
 *
 * Links are deterministic, so a notification sent before the approval step (Slack, Teams, email)
 * can carry them; deciding before the run reaches the step answers SOAR_APPROVAL_NOT_OPEN.
 *
 *   <public url>/approvals/links/<base64url(payload)>.<base64url(hmac)>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Secret, SoarError } from '../shared/index.ts';
import { BASE_CHOICES } from './approval-types.ts';

/** The URL path under which `talon serve` answers approval links. */
export const APPROVAL_LINK_PATH = '/approvals/links/';

/** What a link stands for. */
export interface ApprovalLinkTarget {
  runId: string;
  stepId: string;
  approver: string;
  choice: string;
}

/** Where links point and what signs them (TALON_PUBLIC_URL, TALON_APPROVAL_KEY). */
export interface ApprovalLinkConfig {
  publicUrl: string;
  key: Secret;
}

const VERSION = 1;

/** The signed token of one link (the last path segment). */
export function signApprovalLink(key: Secret, target: ApprovalLinkTarget): string {
  const payload = Buffer.from(
    JSON.stringify({
      v: VERSION,
      r: target.runId,
      s: target.stepId,
      a: target.approver.trim().toLowerCase(),
      c: target.choice,
    }),
  ).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/**
 * The run, step, approver and choice a token stands for.
 * @throws SoarError SOAR_APPROVAL_LINK_INVALID when it is malformed or its signature does not match.
 */
export function verifyApprovalLink(key: Secret, token: string): ApprovalLinkTarget {
  const invalid = (why: string) =>
    new SoarError('SOAR_APPROVAL_LINK_INVALID', `approval link rejected: ${why}`, {
      details: { status: 403 },
    });
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) {
    throw invalid('it is not a Talon approval link');
  }
  const expected = Buffer.from(mac(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw invalid('its signature does not match (forged or altered)');
  }
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('its content is not readable');
  }
  const { v, r, s, a, c } = fields;
  if (
    v !== VERSION ||
    typeof r !== 'string' ||
    typeof s !== 'string' ||
    typeof a !== 'string' ||
    typeof c !== 'string'
  ) {
    throw invalid('its content is incomplete');
  }
  return { runId: r, stepId: s, approver: a, choice: c };
}

/**
 * The signed link URLs of one approver of one approval step, by choice: always `approve` and
 * `deny`, plus the step's own choices when given. For notifications (Slack buttons, email links).
 */
export function approvalLinkUrls(
  config: ApprovalLinkConfig,
  target: Omit<ApprovalLinkTarget, 'choice'> & { choices?: readonly string[] },
): Record<string, string> {
  const choices = [
    ...BASE_CHOICES,
    ...(target.choices ?? []).filter((c) => !(BASE_CHOICES as readonly string[]).includes(c)),
  ];
  const base = config.publicUrl.replace(/\/+$/, '');
  const urls: Record<string, string> = {};
  for (const choice of choices) {
    urls[choice] = `${base}${APPROVAL_LINK_PATH}${signApprovalLink(config.key, { ...target, choice })}`;
  }
  return urls;
}

function mac(key: Secret, payload: string): string {
  return createHmac('sha256', key.reveal()).update(`talon-approval-link.${payload}`).digest('base64url');
}
