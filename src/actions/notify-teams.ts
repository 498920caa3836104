// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * notify.teams: one Adaptive Card to a Microsoft Teams incoming webhook (or a Workflows webhook that
 * takes the same body). Envelope as Microsoft documents it (MicrosoftDocs/msteams-docs,
 * msteams-platform/webhooks-and-connectors/how-to/connectors-using.md, "Send adaptive cards using an
 * incoming webhook"): type "message", one attachment with contentType
 * application/vnd.microsoft.card.adaptive, contentUrl null, and the card as content. Only
 * Action.OpenUrl (and ShowCard, ToggleVisibility) work there, so links are OpenUrl actions.
 */
import { postToChatWebhook } from './chat-webhook.ts';
import { defaultMessage, linksOf, optionalMap, optionalText } from './params.ts';
import type { ActionContext, ActionDefinition } from './types.ts';

const NAME = 'notify.teams';

export const notifyTeams: ActionDefinition = {
  declaration: {
    name: NAME,
    summary: 'Post an Adaptive Card to Microsoft Teams through an incoming webhook.',
    params: [
      {
        name: 'webhook_url',
        required: true,
        description: 'The webhook URL, from a named secret: ${{ secrets.NAME }}.',
      },
      { name: 'title', required: false, description: 'A bold first line; default "Talon".' },
      {
        name: 'text',
        required: false,
        description: 'The message; default names the playbook, run and step.',
      },
      { name: 'links', required: false, description: 'Buttons: a list of {text, url} (Action.OpenUrl).' },
      {
        name: 'approval',
        required: false,
        description:
          'Signed links of an approval step for one approver: {step, approver, choices?}; added to links.',
      },
      {
        name: 'card',
        required: false,
        description: 'Your own Adaptive Card (the attachment content), sent as given (full control).',
      },
    ],
    secretSlots: ['webhook_url'],
    output: '{sent: true, status}: the HTTP status Teams answered.',
  },
  whenOutcomeUnknown: () => 'resend',
  async run(params, context) {
    return {
      sent: true,
      ...(await postToChatWebhook(
        {
          service: 'Teams',
          caller: NAME,
          payload: teamsPayload(params, context),
          webhookSlot: params['webhook_url'],
        },
        context,
      )),
    };
  },
};

/** The JSON body Teams receives. */
export function teamsPayload(
  params: Readonly<Record<string, unknown>>,
  context: ActionContext,
): Record<string, unknown> {
  const card = optionalMap(NAME, params, 'card') ?? defaultCard(params, context);
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

function defaultCard(
  params: Readonly<Record<string, unknown>>,
  context: ActionContext,
): Record<string, unknown> {
  const title = optionalText(NAME, params, 'title') ?? 'Talon';
  const text = optionalText(NAME, params, 'text') ?? defaultMessage(context);
  const links = linksOf(NAME, params, context);
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.2',
    body: [
      { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text, wrap: true },
      {
        type: 'FactSet',
        facts: [
          { title: 'Playbook', value: context.playbook },
          { title: 'Run', value: context.runId },
          { title: 'Step', value: context.stepId },
        ],
      },
    ],
    ...(links.length > 0
      ? { actions: links.map((l) => ({ type: 'Action.OpenUrl', title: l.text, url: l.url })) }
      : {}),
  };
}
