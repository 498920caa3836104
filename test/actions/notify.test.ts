/**
 * notify.slack, notify.teams and notify.email against stand-ins that check each service's documented
 * payload shape, and a real SMTP server with TLS (implicit and STARTTLS).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionRunner } from '../../src/actions/index.ts';
import { APPROVAL_LINK_PATH, verifyApprovalLink } from '../../src/actions/approval-links.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { findFreePort } from '../../src/local/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { Secret } from '../../src/shared/index.ts';
import {
  makeCertificate,
  type MailBox,
  type StandIn,
  startMailServer,
  startSlackStandIn,
  startTeamsStandIn,
  type TestCertificate,
} from '../helpers/service-standins.ts';
import { call, rejection, runnerWith, secret } from './actions-world.ts';

let slack: StandIn;
let teams: StandIn;
let cert: TestCertificate;
let smtps: MailBox;
let starttls: MailBox;
let noTls: MailBox;

beforeAll(async () => {
  slack = await startSlackStandIn();
  teams = await startTeamsStandIn();
  cert = makeCertificate();
  smtps = await startMailServer({ cert, implicitTls: true, user: 'talon', password: 'mail-pass-1' });
  starttls = await startMailServer({ cert, implicitTls: false, user: 'talon', password: 'mail-pass-1' });
  noTls = await startMailServer({
    cert,
    implicitTls: false,
    noStartTls: true,
    user: 'talon',
    password: 'mail-pass-1',
  });
});

afterAll(async () => {
  await Promise.all([slack?.close(), teams?.close(), smtps?.close(), starttls?.close(), noTls?.close()]);
  cert?.cleanup();
});

describe('notify.slack', () => {
  it('posts the default Block Kit message with link buttons, in the shape Slack documents', async () => {
    const runner = runnerWith({ SLACK_HOOK: slack.url });
    const output = await runner.run(
      'notify.slack',
      {
        webhook_url: secret('SLACK_HOOK'),
        text: 'Contain <host-1> & friends?',
        links: [
          { text: 'Approve', url: 'https://talon.example/a/1' },
          { text: 'Deny', url: 'https://talon.example/d/1' },
        ],
      },
      call,
    );
    expect(output).toEqual({ sent: true, status: 200 });
    expect(slack.problems).toEqual([]);
    const body = slack.received.at(-1)?.body as { text: string; blocks: Record<string, unknown>[] };
    expect(body.text).toBe('Contain <host-1> & friends?');
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'context', 'actions']);
    // Data is escaped so it cannot ping @channel or forge a link.
    expect((body.blocks[0]?.text as { text?: string } | undefined)?.text).toBe(
      'Contain &lt;host-1&gt; &amp; friends?',
    );
    const buttons = body.blocks[2]?.elements as { url: string; text: { text: string } }[];
    expect(buttons.map((b) => [b.text.text, b.url])).toEqual([
      ['Approve', 'https://talon.example/a/1'],
      ['Deny', 'https://talon.example/d/1'],
    ]);
  });

  it('sends a plain default text naming the run when no text is given, and your own blocks as given', async () => {
    const runner = runnerWith({ SLACK_HOOK: slack.url });
    await runner.run('notify.slack', { webhook_url: secret('SLACK_HOOK') }, call);
    const plain = slack.received.at(-1)?.body as { text: string };
    expect(plain.text).toBe('Talon playbook pb, run run-1, step tell');
    const blocks = [{ type: 'header', text: { type: 'plain_text', text: 'Mine' } }];
    await runner.run('notify.slack', { webhook_url: secret('SLACK_HOOK'), text: 'fallback', blocks }, call);
    expect(slack.received.at(-1)?.body).toEqual({ text: 'fallback', blocks });
    expect(slack.problems).toEqual([]);
  });

  it("reports a refused payload with Slack's reason and without the webhook path (it is the secret)", async () => {
    const runner = runnerWith({ SLACK_HOOK: slack.url });
    const error = await rejection(
      runner.run('notify.slack', { webhook_url: secret('SLACK_HOOK'), blocks: [{ type: 'bogus' }] }, call),
    );
    slack.problems.length = 0;
    expect(error.code).toBe('SOAR_NOTIFY_REJECTED');
    expect(error.message).toContain('answered 400: invalid_blocks');
    expect(error.message).not.toContain('/services/');
  });

  it('fails with SOAR_SECRET_MISSING when the webhook secret is not defined', async () => {
    const error = await rejection(
      runnerWith({}).run('notify.slack', { webhook_url: secret('SLACK_HOOK') }, call),
    );
    expect(error.code).toBe('SOAR_SECRET_MISSING');
    expect(error.message).toContain('TALON_SECRET_SLACK_HOOK');
    expect(error.details['sent']).toBeUndefined();
  });
});

describe('approval links in notifications', () => {
  // Stands in for the approval module's signer: deterministic URLs naming what they stand for.
  const approvalLinks = (t: {
    runId: string;
    stepId: string;
    approver: string;
    choices?: readonly string[];
  }) =>
    Object.fromEntries(
      ['approve', 'deny', ...(t.choices ?? [])].map((c) => [
        c,
        `https://talon.example/l/${t.runId}.${t.stepId}.${t.approver}.${c}`,
      ]),
    );

  it('adds one button per choice for the approver (Slack), and lines in a mail', async () => {
    const runner = runnerWith({ SLACK_HOOK: slack.url }, {}, { approvalLinks });
    await runner.run(
      'notify.slack',
      {
        webhook_url: secret('SLACK_HOOK'),
        approval: { step: 'ask', approver: 'alice', choices: ['escalate'] },
      },
      call,
    );
    expect(slack.problems).toEqual([]);
    const body = slack.received.at(-1)?.body as {
      blocks: { type: string; elements?: { text: { text: string }; url: string }[] }[];
    };
    const buttons = body.blocks.find((b) => b.type === 'actions')?.elements ?? [];
    expect(buttons.map((b) => [b.text.text, b.url])).toEqual([
      ['Approve', 'https://talon.example/l/run-1.ask.alice.approve'],
      ['Deny', 'https://talon.example/l/run-1.ask.alice.deny'],
      ['Escalate', 'https://talon.example/l/run-1.ask.alice.escalate'],
    ]);
  });

  it('signs real approval links with the configured key: each verifies to its run, step, approver and choice', async () => {
    const key = new Secret('k'.repeat(40));
    const runner = createActionRunner({
      secrets: createSecretStore(readSecretSources({ TALON_SECRET_SLACK_HOOK: slack.url })),
      policy: { allowPrivate: true, allowHosts: null },
      approvalLinkConfig: { key, publicUrl: 'https://talon.example.com' },
    });
    await runner.run(
      'notify.slack',
      { webhook_url: secret('SLACK_HOOK'), approval: { step: 'ask', approver: 'Bob' } },
      call,
    );
    const body = slack.received.at(-1)?.body as { blocks: { type: string; elements?: { url: string }[] }[] };
    const urls = (body.blocks.find((b) => b.type === 'actions')?.elements ?? []).map((b) => b.url);
    expect(urls.every((u) => u.startsWith(`https://talon.example.com${APPROVAL_LINK_PATH}`))).toBe(true);
    const targets = urls.map((u) => verifyApprovalLink(key, u.slice(u.lastIndexOf('/') + 1)));
    expect(targets).toEqual([
      { runId: 'run-1', stepId: 'ask', approver: 'bob', choice: 'approve' },
      { runId: 'run-1', stepId: 'ask', approver: 'bob', choice: 'deny' },
    ]);
  });

  it('says what is missing where links are not configured', async () => {
    const runner = runnerWith({ SLACK_HOOK: slack.url });
    const error = await rejection(
      runner.run(
        'notify.slack',
        { webhook_url: secret('SLACK_HOOK'), approval: { step: 'ask', approver: 'alice' } },
        call,
      ),
    );
    expect(error.code).toBe('SOAR_ACTION_BAD_PARAM');
    expect(error.message).toContain('TALON_APPROVAL_KEY');
  });
});

describe('notify.teams', () => {
  it('posts an Adaptive Card in the documented message envelope, links as Action.OpenUrl', async () => {
    const runner = runnerWith({ TEAMS_HOOK: teams.url });
    const output = await runner.run(
      'notify.teams',
      {
        webhook_url: secret('TEAMS_HOOK'),
        title: 'Approval needed',
        links: [{ text: 'Approve', url: 'https://t.example/a' }],
      },
      call,
    );
    expect(output).toEqual({ sent: true, status: 200 });
    expect(teams.problems).toEqual([]);
    const body = teams.received.at(-1)?.body as { attachments: { content: Record<string, unknown> }[] };
    const card = body.attachments[0]?.content as { body: { text?: string }[]; actions: unknown[] };
    expect(card.body[0]?.text).toBe('Approval needed');
    expect(card.body[1]?.text).toBe('Talon playbook pb, run run-1, step tell');
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Approve', url: 'https://t.example/a' }]);
  });

  it('sends your own card as the attachment content', async () => {
    const runner = runnerWith({ TEAMS_HOOK: teams.url });
    const card = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'mine' }] };
    await runner.run('notify.teams', { webhook_url: secret('TEAMS_HOOK'), card }, call);
    const body = teams.received.at(-1)?.body as { attachments: { content: unknown }[] };
    expect(body.attachments[0]?.content).toEqual(card);
    expect(teams.problems).toEqual([]);
  });
});

describe('notify.email over SMTP with TLS', () => {
  const mail = {
    from: 'talon@example.com',
    to: ['soc@example.com', 'lead@example.com'],
    subject: 'Host contained',
  };

  it('delivers over smtps (TLS from the first byte) with the login from the secret', async () => {
    const runner = runnerWith({
      SMTP: `smtps://talon:mail-pass-1@localhost:${smtps.port}`,
      SMTP_CA: cert.ca,
    });
    const output = (await runner.run(
      'notify.email',
      {
        smtp: secret('SMTP'),
        tls_ca: secret('SMTP_CA'),
        ...mail,
        text: 'It is done.',
        links: [{ text: 'Run', url: 'https://t.example/r/1' }],
      },
      call,
    )) as { sent: boolean; accepted: string[] };
    expect(output.sent).toBe(true);
    expect(output.accepted).toEqual(mail.to);
    const got = smtps.mails.at(-1);
    expect(got?.user).toBe('talon');
    expect(got?.to).toEqual(mail.to);
    expect(got?.raw).toContain('Subject: Host contained');
    expect(got?.raw).toContain('It is done.');
    expect(got?.raw).toContain('Run: https://t.example/r/1');
  });

  it('delivers over smtp:// only after STARTTLS, with the plain default message', async () => {
    const runner = runnerWith({
      SMTP: `smtp://talon:mail-pass-1@localhost:${starttls.port}`,
      SMTP_CA: cert.ca,
    });
    await runner.run(
      'notify.email',
      { smtp: secret('SMTP'), tls_ca: secret('SMTP_CA'), from: mail.from, to: 'soc@example.com' },
      call,
    );
    const got = starttls.mails.at(-1);
    expect(got?.raw).toContain('Subject: Talon: pb run run-1');
    expect(got?.raw).toContain('Talon playbook pb, run run-1, step tell');
  });

  it('refuses a server that does not offer STARTTLS (SOAR_SMTP_TLS) and sends nothing', async () => {
    const runner = runnerWith({ SMTP: `smtp://talon:mail-pass-1@localhost:${noTls.port}`, SMTP_CA: cert.ca });
    const error = await rejection(
      runner.run('notify.email', { smtp: secret('SMTP'), tls_ca: secret('SMTP_CA'), ...mail }, call),
    );
    expect(error.code).toBe('SOAR_SMTP_TLS');
    expect(noTls.mails).toEqual([]);
  });

  it('refuses a certificate it cannot verify (no tls_ca) with SOAR_SMTP_TLS', async () => {
    const runner = runnerWith({ SMTP: `smtps://talon:mail-pass-1@localhost:${smtps.port}` });
    const error = await rejection(runner.run('notify.email', { smtp: secret('SMTP'), ...mail }, call));
    expect(error.code).toBe('SOAR_SMTP_TLS');
  });

  it('reports a wrong password as SOAR_SMTP_REJECTED without the password or the URL', async () => {
    const runner = runnerWith({
      SMTP: `smtps://talon:wrong-pass-9@localhost:${smtps.port}`,
      SMTP_CA: cert.ca,
    });
    const error = await rejection(
      runner.run('notify.email', { smtp: secret('SMTP'), tls_ca: secret('SMTP_CA'), ...mail }, call),
    );
    expect(error.code).toBe('SOAR_SMTP_REJECTED');
    expect(error.message).toContain('refused the login');
    expect(JSON.stringify(error)).not.toContain('wrong-pass-9');
    expect(error.message).not.toContain('smtps://');
  });

  it('reports an unreachable server as SOAR_SMTP_UNREACHABLE (retryable)', async () => {
    const port = await findFreePort();
    const runner = runnerWith({ SMTP: `smtps://talon:mail-pass-1@127.0.0.1:${port}` });
    const error = await rejection(
      runner.run('notify.email', { smtp: secret('SMTP'), ...mail, timeout: '3s' }, call),
    );
    expect(error.code).toBe('SOAR_SMTP_UNREACHABLE');
    expect(error.retryable).toBe(true);
  });

  it('refuses a bad recipient before connecting (SOAR_ACTION_BAD_PARAM)', async () => {
    const runner = runnerWith({ SMTP: `smtps://talon:mail-pass-1@localhost:${smtps.port}` });
    const error = await rejection(
      runner.run('notify.email', { smtp: secret('SMTP'), from: mail.from, to: 'not an address' }, call),
    );
    expect(error.code).toBe('SOAR_ACTION_BAD_PARAM');
    expect(error.message).toContain('"not an address" is not an email address');
  });
});
