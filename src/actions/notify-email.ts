/**
 * notify.email: one mail over SMTP with TLS (the transport is src/actions/smtp-transport.ts). The
 * server, with its login, is one URL in a named secret; a private CA can come from another.
 */
import {
  defaultMessage,
  linksOf,
  optionalDurationMs,
  optionalText,
  requiredText,
  textList,
  badParam,
} from './params.ts';
import type { ActionContext, ActionDefinition, MailMessage } from './types.ts';

const NAME = 'notify.email';
const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

export const notifyEmail: ActionDefinition = {
  declaration: {
    name: NAME,
    summary: 'Send an email over SMTP with TLS (smtps:// or STARTTLS).',
    params: [
      {
        name: 'smtp',
        required: true,
        description:
          'The server as a URL from a named secret: smtps://user:password@host:465 or smtp://user:password@host:587 (STARTTLS required).',
      },
      {
        name: 'tls_ca',
        required: false,
        description: 'PEM of a private CA that signed the server certificate, from a named secret.',
      },
      { name: 'from', required: true, description: 'Sender address.' },
      { name: 'to', required: true, description: 'An address or a list of addresses.' },
      { name: 'cc', required: false, description: 'An address or a list of addresses.' },
      { name: 'subject', required: false, description: 'Default "Talon: <playbook> run <run id>".' },
      {
        name: 'text',
        required: false,
        description: 'The plain-text body; default names the playbook, run and step.',
      },
      { name: 'html', required: false, description: 'An HTML body besides the text (full control).' },
      {
        name: 'links',
        required: false,
        description: 'A list of {text, url}, added to the text as lines (approval links).',
      },
      {
        name: 'approval',
        required: false,
        description:
          'Signed links of an approval step for one approver: {step, approver, choices?}; added to links.',
      },
      { name: 'timeout', required: false, description: 'Connection and reply timeout; default 30s.' },
    ],
    secretSlots: ['smtp', 'tls_ca'],
    output: '{sent: true, messageId, accepted, rejected}: the recipients the server took and refused.',
  },
  // A mail sent twice is a nuisance, a mail lost is an incident missed: at-least-once.
  whenOutcomeUnknown: () => 'resend',
  async run(params, context) {
    const message = mailOf(params, context);
    const url = await context.secret(params['smtp'], 'smtp');
    const ca =
      params['tls_ca'] === undefined || params['tls_ca'] === null
        ? null
        : await context.secret(params['tls_ca'], 'tls_ca');
    const timeoutMs = optionalDurationMs(NAME, params, 'timeout', 30_000, 300_000);
    const result = await context.mail({ url, ca, timeoutMs }, message);
    return { sent: true, ...result };
  },
};

/** The mail the step describes, checked before any connection. */
export function mailOf(
  params: Readonly<Record<string, unknown>>,
  context: Pick<ActionContext, 'playbook' | 'runId' | 'stepId' | 'approvalLinks'>,
): MailMessage {
  const from = requiredText(NAME, params, 'from');
  const to = textList(NAME, params, 'to');
  const cc = textList(NAME, params, 'cc');
  if (to.length === 0) throw badParam(NAME, 'to needs at least one address');
  for (const address of [from, ...to, ...cc]) {
    if (!ADDRESS.test(address.replace(/^.*<([^>]+)>\s*$/, '$1')))
      throw badParam(NAME, `"${address}" is not an email address`);
  }
  const links = linksOf(NAME, params, context);
  const body = optionalText(NAME, params, 'text') ?? defaultMessage(context);
  const text =
    links.length === 0 ? body : `${body}\n\n${links.map((l) => `${l.text}: ${l.url}`).join('\n')}\n`;
  const html = optionalText(NAME, params, 'html');
  return {
    from,
    to,
    cc,
    subject: (
      optionalText(NAME, params, 'subject') ?? `Talon: ${context.playbook} run ${context.runId}`
    ).replace(/[\r\n]+/g, ' '),
    text,
    ...(html === undefined ? {} : { html }),
  };
}
