/**
 * Sending mail over SMTP with TLS, the only importer of nodemailer. The server is one URL from a
 * named secret: smtps://user:password@host:465 (TLS from the first byte) or
 * smtp://user:password@host:587 (STARTTLS, required: a server that does not offer it is refused).
 * Plain-text SMTP is never used. nodemailer's errors carry the SMTP dialogue and the transport
 * options (with the password): only their code and reply number are kept, in our own message.
 */
import { createTransport } from 'nodemailer';
import { SoarError } from '../shared/index.ts';
import type { MailSender } from './types.ts';

const UNREACHABLE = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET']);

/** Sends one mail; see the module comment for the URL forms. */
export const sendMail: MailSender = async (server, message) => {
  const parsed = parseSmtpUrl(server.url.reveal());
  const transport = createTransport({
    host: parsed.host,
    port: parsed.port,
    secure: parsed.implicitTls,
    requireTLS: !parsed.implicitTls,
    ...(parsed.user === '' ? {} : { auth: { user: parsed.user, pass: parsed.password } }),
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(server.ca === null ? {} : { ca: server.ca.reveal() }),
    },
    connectionTimeout: server.timeoutMs,
    greetingTimeout: server.timeoutMs,
    socketTimeout: server.timeoutMs,
    logger: false,
    debug: false,
  });
  try {
    const info = await transport.sendMail({
      from: message.from,
      to: [...message.to],
      ...(message.cc.length > 0 ? { cc: [...message.cc] } : {}),
      subject: message.subject,
      text: message.text,
      ...(message.html === undefined ? {} : { html: message.html }),
    });
    return {
      messageId: String(info.messageId ?? ''),
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
    };
  } catch (error) {
    throw smtpError(error, `${parsed.host}:${parsed.port}`);
  } finally {
    transport.close();
  }
};

interface SmtpServer {
  host: string;
  port: number;
  implicitTls: boolean;
  user: string;
  password: string;
}

function parseSmtpUrl(text: string): SmtpServer {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(
      'the smtp secret is not a URL (smtps://user:password@host:465 or smtp://user:password@host:587)',
    );
  }
  if (url.protocol !== 'smtps:' && url.protocol !== 'smtp:') {
    throw bad(`the smtp secret must be an smtps:// or smtp:// URL (got ${url.protocol})`);
  }
  const implicitTls = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (implicitTls ? 465 : 587) : Number(url.port),
    implicitTls,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

function bad(message: string): SoarError {
  return new SoarError('SOAR_ACTION_BAD_PARAM', `notify.email: ${message}`, { details: { sent: false } });
}

/** Our error for a nodemailer failure: its code and SMTP reply number, nothing it carried. */
function smtpError(error: unknown, where: string): SoarError {
  const code = String((error as { code?: unknown }).code ?? '');
  const reply = (error as { responseCode?: unknown }).responseCode;
  const replyText = typeof reply === 'number' ? ` (SMTP reply ${reply})` : '';
  if (
    code === 'ETLS' ||
    (/certificate|TLS|SSL/i.test(String((error as { message?: unknown }).message ?? '')) && code !== 'EAUTH')
  ) {
    return new SoarError(
      'SOAR_SMTP_TLS',
      `notify.email: TLS with ${where} failed${code === '' ? '' : ` (${code})`}; mail is sent over TLS only`,
      {
        details: { sent: false },
      },
    );
  }
  if (UNREACHABLE.has(code)) {
    return new SoarError(
      'SOAR_SMTP_UNREACHABLE',
      `notify.email: cannot reach the SMTP server ${where} (${code})`,
      {
        details: { sent: false },
      },
    );
  }
  const what =
    code === 'EAUTH'
      ? 'refused the login'
      : code === 'EENVELOPE'
        ? 'refused the sender or the recipients'
        : 'refused the mail';
  return new SoarError(
    'SOAR_SMTP_REJECTED',
    `notify.email: the SMTP server ${where} ${what}${replyText}${code === '' ? '' : ` [${code}]`}`,
    {
      details: { sent: false, ...(typeof reply === 'number' ? { status: reply } : {}) },
    },
  );
}
