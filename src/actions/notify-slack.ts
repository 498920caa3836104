// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * notify.slack: one message to a Slack incoming webhook, as Block Kit blocks with a plain-text
 * fallback. Payload shape checked against Slack's webhook client (slackapi/node-slack-sdk,
 * packages/webhook/src/IncomingWebhook.ts: text, blocks, ... posted as JSON) and Block Kit limits
 * (section text 3000 characters, button text 75, at most 25 elements in an actions block).
 */
import { postToChatWebhook } from './chat-webhook.ts';
import { defaultMessage, type Link, linksOf, optionalList, optionalMap, optionalText } from './params.ts';
import type { ActionContext, ActionDefinition } from './types.ts';

const NAME = 'notify.slack';

export const notifySlack: ActionDefinition = {
  declaration: {
    name: NAME,
    summary: 'Post a message to Slack through an incoming webhook (Block Kit).',
    params: [
      {
        name: 'webhook_url',
        required: true,
        description: 'The webhook URL, from a named secret: ${{ secrets.NAME }}.',
      },
      {
        name: 'text',
        required: false,
        description:
          'The message (plain text, escaped); default names the playbook, run and step. Also the notification fallback.',
      },
      {
        name: 'links',
        required: false,
        description: 'Buttons: a list of {text, url} (approval links, consoles).',
      },
      {
        name: 'approval',
        required: false,
        description:
          'Signed links of an approval step for one approver: {step, approver, choices?}; added to links.',
      },
      {
        name: 'blocks',
        required: false,
        description: 'Your own Block Kit blocks instead of the default ones (links are appended as buttons).',
      },
      {
        name: 'payload',
        required: false,
        description: 'The whole webhook payload, sent as given (full control); text defaults as above.',
      },
    ],
    secretSlots: ['webhook_url'],
    output: '{sent: true, status}: the HTTP status Slack answered.',
  },
  whenOutcomeUnknown: () => 'resend',
  async run(params, context) {
    return {
      sent: true,
      ...(await postToChatWebhook(
        {
          service: 'Slack',
          caller: NAME,
          payload: slackPayload(params, context),
          webhookSlot: params['webhook_url'],
        },
        context,
      )),
    };
  },
};

/** The JSON body Slack receives. */
export function slackPayload(
  params: Readonly<Record<string, unknown>>,
  context: ActionContext,
): Record<string, unknown> {
  const text = optionalText(NAME, params, 'text') ?? defaultMessage(context);
  const payload = optionalMap(NAME, params, 'payload');
  if (payload !== undefined) return { text, ...payload };
  const links = linksOf(NAME, params, context);
  const blocks = optionalList(NAME, params, 'blocks') ?? defaultBlocks(text, context);
  return { text: truncate(text, 3000), blocks: links.length > 0 ? [...blocks, buttons(links)] : blocks };
}

function defaultBlocks(text: string, context: ActionContext): unknown[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(text), 3000) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `playbook *${escapeMrkdwn(context.playbook)}* · run \`${escapeMrkdwn(context.runId)}\` · step \`${escapeMrkdwn(context.stepId)}\``,
        },
      ],
    },
  ];
}

function buttons(links: readonly Link[]): unknown {
  return {
    type: 'actions',
    elements: links.slice(0, 25).map((link, i) => ({
      type: 'button',
      text: { type: 'plain_text', text: truncate(link.text, 75) },
      url: link.url,
      action_id: `talon_link_${i}`,
    })),
  };
}

/** Slack reads &, < and > as markup (`<!channel>` pings everyone); data must not. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
