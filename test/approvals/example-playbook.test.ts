// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
/**
 * playbooks/contain-host-with-approval.yaml end to end: a real worker, the emulator, a Slack
 * stand-in that checks the payload shape, a real SMTP server with TLS, and `talon serve` answering
 * the signed links the Slack messages carry. Approve: the host is contained, the alert commented and
 * Slack told. Timeout (the file's 30m shortened to 1s): nothing contained, the escalation emailed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signApprovalLink } from '../../src/actions/approval-links.ts';
import { createActionRunner } from '../../src/actions/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { startTalonServer, type TalonServer } from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { clientFor } from '../helpers/falcon.ts';
import {
  type MailBox,
  makeCertificate,
  type StandIn,
  startMailServer,
  startSlackStandIn,
  type TestCertificate,
} from '../helpers/service-standins.ts';
import { type ApprovalWorld, startApprovalWorld } from './approval-world.ts';

const FILE = resolve(import.meta.dirname, '../../playbooks/contain-host-with-approval.yaml');
const LINK_KEY = new Secret('example-approval-link-key-0123456789abcdef');

let w: ApprovalWorld;
let server: TalonServer;
let slack: StandIn;
let cert: TestCertificate;
let mail: MailBox;
const publicUrl = { value: '' };

beforeAll(async () => {
  slack = await startSlackStandIn();
  cert = makeCertificate();
  mail = await startMailServer({ cert, implicitTls: true, user: 'talon', password: 'mail-pass-1' });
  const env = {
    TALON_SECRET_SOC_SLACK_WEBHOOK: slack.url,
    TALON_SECRET_SMTP_URL: `smtps://talon:mail-pass-1@localhost:${mail.port}`,
    TALON_SECRET_SMTP_CA: cert.ca,
  };
  const actions = createActionRunner({
    secrets: createSecretStore(readSecretSources(env)),
    policy: { allowPrivate: true, allowHosts: null },
    // The server starts after the worker: links are signed for whatever URL it got.
    approvalLinks: (target) =>
      Object.fromEntries(
        ['approve', 'deny'].map((choice) => [
          choice,
          `${publicUrl.value}/approvals/links/${signed(target.runId, target.stepId, target.approver, choice)}`,
        ]),
      ),
  });
  w = await startApprovalWorld({ actions });
  server = await startTalonServer({
    talon: w.talon,
    tokens: async () => [],
    webhooks: null,
    approvalLinkKey: LINK_KEY,
  });
  publicUrl.value = server.url;
});
afterAll(async () => {
  await server?.close();
  await w?.close();
  await Promise.all([slack?.close(), mail?.close()]);
  cert?.cleanup();
});

/** The same signer the worker's default runner uses (approvalLinkUrls), with this test's key. */
function signed(runId: string, stepId: string, approver: string, choice: string): string {
  return signApprovalLink(LINK_KEY, { runId, stepId, approver, choice });
}

/** A critical, open alert on a host that is not contained. */
async function criticalAlert(): Promise<{ compositeId: string; deviceId: string }> {
  const falcon = clientFor(w.emulator);
  const ids = await falcon.call('alerts.query_alerts_v2', {
    filter: "severity:>=90+status:'new'",
    limit: 50,
  });
  const details = await falcon.call('alerts.get_alerts_v2', { composite_ids: ids.resources });
  for (const alert of details.resources as { composite_id: string; agent_id: string }[]) {
    const host = await falcon.call('hosts.get_device_details', { ids: [alert.agent_id] });
    const device = host.resources[0] as { status?: string; device_id: string } | undefined;
    if (device?.status === 'normal') return { compositeId: alert.composite_id, deviceId: device.device_id };
  }
  throw new Error('the seeded world has no critical alert on a normal host');
}

function plan(text: string) {
  return w.compile(text);
}

describe('contain-host-with-approval', () => {
  it('asks each approver on Slack, contains on approve through a link, and reports back', async () => {
    const { compositeId, deviceId } = await criticalAlert();
    const before = slack.received.length;
    const runId = await w.talon
      .enqueue({
        plan: plan(readFileSync(FILE, 'utf8')),
        inputs: { approvers: ['alice', 'bob'], escalation_email: 'soc-escalation@example.com' },
        trigger: {
          type: 'webhook',
          at: Date.now(),
          source: 'contain-with-approval',
          data: { composite_id: compositeId },
        },
      })
      .then((r) => r.runId);
    await w.waitParked(runId);
    const asks = slack.received.slice(before);
    expect(slack.problems).toEqual([]);
    expect(asks).toHaveLength(2);
    type SlackBody = { blocks: { type: string; elements?: { url: string; text: { text: string } }[] }[] };
    const buttons = (i: number) => {
      const body = asks[i]?.body as SlackBody | undefined;
      const actions = body?.blocks.find((b) => b.type === 'actions')?.elements ?? [];
      return actions.map((e) => [e.text.text, e.url] as const);
    };
    expect(buttons(0).map(([text]) => text)).toEqual(['Approve', 'Deny']);
    const approveUrl = buttons(1).find(([text]) => text === 'Approve')?.[1] as string;
    // Slack unfurls the link (GET): nothing is decided; bob then confirms on the page (POST).
    expect((await fetch(approveUrl)).status).toBe(200);
    expect(await w.talon.queue.state(runId)).toBe('delayed');
    const posted = await fetch(approveUrl, {
      method: 'POST',
      body: new URLSearchParams({ reason: 'confirmed' }),
    });
    expect(posted.status).toBe(200);
    const done = await w.waitStatus(runId, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toEqual({ decision: 'approve', contained: deviceId });
    const writes = w.emulator.admin.audit().map((a) => a.operationId);
    expect(writes).toContain('PatchEntitiesAlertsV3');
    expect(writes.filter((op) => /action/i.test(op))).toHaveLength(1);
    const followUp = slack.received.at(-1)?.body as { text: string };
    expect(followUp.text).toMatch(/^Contained .* \(approved by bob\)\.$/);
    expect(mail.mails).toHaveLength(0);
  });

  it('contains nothing and emails the escalation group when nobody decides in time', async () => {
    const { compositeId } = await criticalAlert();
    const text = readFileSync(FILE, 'utf8')
      .replace('timeout: 30m', 'timeout: 1s')
      .replace(
        'smtp: ${{ secrets.SMTP_URL }}',
        'smtp: ${{ secrets.SMTP_URL }}\n      tls_ca: ${{ secrets.SMTP_CA }}',
      );
    const auditBefore = w.emulator.admin.audit().length;
    const { runId } = await w.talon.enqueue({
      plan: plan(text),
      inputs: { approvers: ['alice'], escalation_email: 'soc-escalation@example.com' },
      trigger: {
        type: 'webhook',
        at: Date.now(),
        source: 'contain-with-approval',
        data: { composite_id: compositeId },
      },
    });
    const done = await w.waitStatus(runId, ['succeeded', 'failed'], 20_000);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toEqual({ decision: 'deny', contained: null });
    expect(w.emulator.admin.audit().length).toBe(auditBefore);
    expect(mail.mails).toHaveLength(1);
    expect(mail.mails[0]?.to).toEqual(['soc-escalation@example.com']);
    expect(mail.mails[0]?.raw).toContain('was NOT contained');
    const followUp = slack.received.at(-1)?.body as { text: string };
    expect(followUp.text).toBe('Not contained: deny (nobody decided in time).');
  });
});
