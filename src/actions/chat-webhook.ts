/**
 * Posting one JSON message to a chat service's incoming webhook (Slack, Teams). The webhook URL is a
 * secret (its path is the credential), so messages name the service's origin only. A notification
 * is not idempotent, but a duplicate message is harmless next to a lost one: failed posts are retried
 * (at-least-once; docs/playbooks.md says so).
 */
import { SoarError } from '../shared/index.ts';
import type { ActionContext } from './types.ts';

/** Chat webhooks answer with a few bytes ("ok", "1"); anything bigger is not a chat service. */
const MAX_ANSWER_BYTES = 64 * 1024;
const TIMEOUT_MS = 15_000;

export interface ChatPost {
  service: 'Slack' | 'Teams';
  caller: string;
  payload: unknown;
  webhookSlot: unknown;
}

/**
 * Posts `payload` to the webhook held by the secret slot `webhook_url`.
 * @throws SoarError SOAR_NOTIFY_REJECTED for an error answer, or an outbound HTTP error.
 */
export async function postToChatWebhook(post: ChatPost, context: ActionContext): Promise<{ status: number }> {
  const webhook = await context.secret(post.webhookSlot, 'webhook_url');
  const response = await context.http.send({
    method: 'POST',
    url: webhook.reveal(),
    headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'talon' },
    body: Buffer.from(JSON.stringify(post.payload), 'utf8'),
    timeoutMs: TIMEOUT_MS,
    maxResponseBytes: MAX_ANSWER_BYTES,
    retries: 2,
    signal: context.signal,
    describe: 'origin',
    caller: post.caller,
  });
  const answer = response.body.toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
  // Teams connectors have answered 200 with the throttling error in the body instead of a 429.
  const throttled = /HTTP error 429/.test(answer);
  if (response.status >= 200 && response.status < 300 && !throttled) return { status: response.status };
  const status = throttled ? 429 : response.status;
  throw new SoarError(
    'SOAR_NOTIFY_REJECTED',
    `${post.caller}: ${post.service} (${response.url}) answered ${status}${answer === '' ? '' : `: ${answer}`}`,
    { details: { sent: true, status }, retryable: status === 429 || status >= 500 },
  );
}
