/**
 * Local stand-ins for the services notifications reach: Slack and Teams incoming webhooks that check
 * the payload shape each service documents and answer like it does, a real SMTP server
 * (smtp-server) with TLS, and a throwaway certificate authority made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface StandIn {
  url: string;
  port: number;
  received: Received[];
  /** Problems the stand-in found with payloads it was sent (empty when all were well formed). */
  problems: string[];
  close(): Promise<void>;
}

type Check = (body: unknown) => string[];

async function startJsonStandIn(
  check: Check,
  reply: { ok: [number, string]; bad: [number, string] },
  path: string,
): Promise<StandIn> {
  const received: Received[] = [];
  const problems: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const found = req.url !== path ? ['not the webhook path'] : [];
      if (req.method !== 'POST') found.push(`method ${req.method}`);
      if (!String(req.headers['content-type']).startsWith('application/json'))
        found.push('content-type is not JSON');
      found.push(...(body === undefined ? ['body is not JSON'] : check(body)));
      problems.push(...found);
      const [status, text] = found.length === 0 ? reply.ok : reply.bad;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    received,
    problems,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SLACK_BLOCK_TYPES = new Set([
  'section',
  'context',
  'actions',
  'divider',
  'header',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
]);

/**
 * Slack incoming webhook: JSON with `text` and/or `blocks`; each block a known type; section text a
 * text object (mrkdwn or plain_text, at most 3000 characters); buttons with plain_text text (at most
 * 75) and a url; at most 50 blocks. Answers 200 "ok", or 400 "invalid_blocks" like Slack.
 */
export function startSlackStandIn(path = '/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX'): Promise<StandIn> {
  return startJsonStandIn(
    (body) => {
      const out: string[] = [];
      const message = body as { text?: unknown; blocks?: unknown };
      if (typeof message.text !== 'string' && !Array.isArray(message.blocks))
        out.push('neither text nor blocks');
      if (message.blocks === undefined) return out;
      if (!Array.isArray(message.blocks) || message.blocks.length > 50)
        return [...out, 'blocks is not a list of at most 50'];
      for (const block of message.blocks as Record<string, unknown>[]) {
        if (!SLACK_BLOCK_TYPES.has(String(block.type))) out.push(`unknown block type ${String(block.type)}`);
        if (block.type === 'section') {
          const text = block.text as { type?: unknown; text?: unknown } | undefined;
          if (!text || !['mrkdwn', 'plain_text'].includes(String(text.type)) || typeof text.text !== 'string')
            out.push('section without a text object');
          else if (text.text.length > 3000) out.push('section text above 3000');
        }
        if (block.type === 'actions') {
          for (const el of (block.elements ?? []) as Record<string, unknown>[]) {
            const text = el.text as { type?: unknown; text?: unknown } | undefined;
            if (
              el.type !== 'button' ||
              text?.type !== 'plain_text' ||
              typeof text.text !== 'string' ||
              text.text.length > 75
            )
              out.push('bad button');
            if (typeof el.url !== 'string') out.push('button without url');
          }
        }
      }
      return out;
    },
    { ok: [200, 'ok'], bad: [400, 'invalid_blocks'] },
    path,
  );
}

/**
 * Teams incoming webhook with an Adaptive Card: type "message"; attachments with contentType
 * application/vnd.microsoft.card.adaptive, contentUrl null, and content an AdaptiveCard with a
 * version and a body; actions only Action.OpenUrl/ShowCard/ToggleVisibility. Answers 200 "1" like a
 * connector, or 400.
 */
export function startTeamsStandIn(
  path = '/webhookb2/aaaa-bbbb@cccc/IncomingWebhook/dddd/eeee',
): Promise<StandIn> {
  return startJsonStandIn(
    (body) => {
      const out: string[] = [];
      const message = body as { type?: unknown; attachments?: unknown };
      if (message.type !== 'message') out.push('type is not "message"');
      if (!Array.isArray(message.attachments) || message.attachments.length === 0)
        return [...out, 'no attachments'];
      for (const a of message.attachments as Record<string, unknown>[]) {
        if (a.contentType !== 'application/vnd.microsoft.card.adaptive') out.push('wrong contentType');
        if (a.contentUrl !== null) out.push('contentUrl is not null');
        const card = a.content as Record<string, unknown> | undefined;
        if (card?.type !== 'AdaptiveCard') out.push('content is not an AdaptiveCard');
        if (typeof card?.version !== 'string') out.push('card without version');
        if (!Array.isArray(card?.body)) out.push('card without body');
        for (const action of (card?.actions ?? []) as Record<string, unknown>[]) {
          if (!['Action.OpenUrl', 'Action.ShowCard', 'Action.ToggleVisibility'].includes(String(action.type)))
            out.push(`unsupported action ${String(action.type)}`);
        }
      }
      return out;
    },
    { ok: [200, '1'], bad: [400, 'Bad payload received by generic incoming webhook.'] },
    path,
  );
}

export interface TestCertificate {
  key: string;
  cert: string;
  /** The CA that signed cert (its own, self-signed). */
  ca: string;
  cleanup(): void;
}

/** A self-signed certificate for localhost and 127.0.0.1, valid for a day (openssl). */
export function makeCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'talon-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  const out = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  return { ...out, ca: out.cert, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface MailBox {
  port: number;
  mails: { from: string; to: string[]; user: string | undefined; raw: string }[];
  close(): Promise<void>;
}

/**
 * A real SMTP server. `implicitTls` true: TLS from the first byte (smtps); false: STARTTLS offered
 * unless `noStartTls`. Accepts the login user/password given.
 */
export async function startMailServer(options: {
  cert: TestCertificate;
  implicitTls: boolean;
  noStartTls?: boolean;
  user: string;
  password: string;
}): Promise<MailBox> {
  const mails: MailBox['mails'] = [];
  const server = new SMTPServer({
    secure: options.implicitTls,
    key: options.cert.key,
    cert: options.cert.cert,
    authOptional: false,
    disabledCommands: options.noStartTls ? ['STARTTLS'] : [],
    // Login before TLS is refused by default; STARTTLS comes first.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
