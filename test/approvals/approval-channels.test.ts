// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
/**
 * The three channels that decide approvals, each against a run parked by a real worker: the CLI
 * (bin/talon.mjs as a user runs it), the HTTP API behind token authentication, and a one-time signed
 * link opened as a chat client would (GET shows a page and decides nothing, POST decides). Bad
 * input: reused and expired links, forged signatures, unknown runs; each answers clearly and leaves
 * the run as it was.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalLinkUrls } from '../../src/actions/approval-links.ts';
import {
  newApiToken,
  startTalonServer,
  type TalonServer,
  tokenSource,
  writeTokens,
} from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { runTalon, type TalonExit } from '../helpers/talon-cli.ts';
import { type ApprovalWorld, startApprovalWorld } from './approval-world.ts';

const LINK_KEY = new Secret('test-approval-link-key-0123456789abcdef');
const operator = newApiToken('Bob', 'operator', Date.now());
const viewer = newApiToken('vera', 'viewer', Date.now());

let w: ApprovalWorld;
let server: TalonServer;

beforeAll(async () => {
  w = await startApprovalWorld();
  const tokensFile = join(mkdtempSync(join(tmpdir(), 'talon-approvals-')), 'tokens.json');
  await writeTokens(tokensFile, [operator.stored, viewer.stored]);
  server = await startTalonServer({
    talon: w.talon,
    tokens: tokenSource(tokensFile),
    webhooks: null,
    approvalLinkKey: LINK_KEY,
  });
});
afterAll(async () => {
  await server?.close();
  await w?.close();
});

const PLAYBOOK = (name: string, extra = '') => `
name: ${name}
steps:
  - id: ask
    uses: approval
    with:
      prompt: "Contain host <b>web-01</b>?"
      approvers: [alice, bob]
${extra}
  - id: after
    uses: core.log
    with: { message: "decided ${'${{ steps.ask.decision }}'}" }
outputs:
  decision: ${'${{ steps.ask.decision }}'}
  channel: ${'${{ steps.ask.channel }}'}
`;

async function parkedRun(name: string, extra = ''): Promise<string> {
  const runId = await w.start(w.compile(PLAYBOOK(name, extra)));
  await w.waitParked(runId);
  return runId;
}

function talon(args: string[]): Promise<TalonExit> {
  return runTalon([...args, '--prefix', w.prefix], { REDIS_URL: testRedisUrl(), TALON_LOG_LEVEL: 'warn' });
}

// The first CLI call may build bin's bundle (a changed source fingerprint): allow for it.
describe('the CLI channel', { timeout: 90_000 }, () => {
  it('lists, approves with a reason, refuses a second decision, and runs show prints the audit', async () => {
    const runId = await parkedRun('cli-approve');
    const list = await talon(['approvals', 'list']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${runId}\\s+ask\\s+cli-approve`));
    const approve = await talon([
      'approvals',
      'approve',
      runId,
      'ask',
      '--as',
      'alice',
      '--reason',
      'host confirmed',
    ]);
    expect(approve.err).toBe('');
    expect(approve.out).toContain(`recorded: alice chose approve; run ${runId} goes on`);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'approve', channel: 'cli' });
    const again = await talon(['approvals', 'deny', runId, 'ask', '--as', 'bob']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/error SOAR_APPROVAL_ALREADY_DECIDED: .*approve by alice via cli/);
    const show = await talon(['runs', 'show', runId]);
    expect(show.out).toMatch(/vote\s+\S+\s+alice chose approve via cli: host confirmed/);
    expect(show.out).toMatch(/decision\s+approve by alice via cli/);
  });

  it('says clearly when the run or the step does not exist', async () => {
    const unknownRun = await talon(['approvals', 'approve', 'run-does-not-exist', 'ask', '--as', 'alice']);
    expect(unknownRun.code).toBe(1);
    expect(unknownRun.err).toContain('error SOAR_APPROVAL_NOT_FOUND: no run "run-does-not-exist"');
    const runId = await parkedRun('cli-bad-step');
    const unknownStep = await talon(['approvals', 'show', runId, 'nope']);
    expect(unknownStep.err).toContain(`error SOAR_APPROVAL_NOT_FOUND: run ${runId} has no step "nope"`);
    expect((await w.talon.records.get(runId))?.status).toBe('waiting');
  });
});

describe('the HTTP API', () => {
  const api = (method: string, path: string, token: string | null, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('needs a token, an operator to decide, and decides as the token holder', async () => {
    const runId = await parkedRun('api-deny');
    const path = `/approvals/${runId}/ask`;
    expect((await api('POST', path, null, { choice: 'deny' })).status).toBe(401);
    expect((await api('POST', path, viewer.token, { choice: 'deny' })).status).toBe(403);
    const listed = (await (await api('GET', '/approvals', viewer.token)).json()) as {
      approvals: { runId: string }[];
    };
    expect(listed.approvals.map((a) => a.runId)).toContain(runId);
    const decided = await api('POST', path, operator.token, { choice: 'deny', reason: 'false positive' });
    expect(decided.status).toBe(200);
    const record = (await decided.json()) as { decision: { choice: string; by: string[]; channel: string } };
    expect(record.decision).toMatchObject({ choice: 'deny', by: ['bob'], channel: 'api' });
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'deny', channel: 'api' });
    const twice = await api('POST', path, operator.token, { choice: 'approve' });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { code: string } }).error.code).toBe(
      'SOAR_APPROVAL_ALREADY_DECIDED',
    );
    const unknown = await api('POST', '/approvals/run-nope-2/ask', operator.token, { choice: 'approve' });
    expect(unknown.status).toBe(404);
    const bad = await api('POST', path, operator.token, { choice: 7 });
    expect(bad.status).toBe(400);
  });
});

describe('signed links', () => {
  const links = (runId: string, approver: string) =>
    approvalLinkUrls({ publicUrl: server.url, key: LINK_KEY }, { runId, stepId: 'ask', approver });

  it('a GET (a link preview bot) decides nothing; the POST of its page decides once', async () => {
    const runId = await parkedRun('link-approve', '      require_reason: true');
    const url = links(runId, 'alice')['approve'] as string;
    const preview = await fetch(url, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('cache-control')).toBe('no-store');
    const page = await preview.text();
    expect(page).toContain('Contain host &lt;b&gt;web-01&lt;/b&gt;?');
    expect(page).toContain('<form method="post">');
    expect(page).toContain('Reason (required)');
    // Still parked after the preview.
    expect(await w.talon.queue.state(runId)).toBe('delayed');
    expect((await w.decider.store.get(runId, 'ask'))?.votes).toEqual([]);

    const noReason = await fetch(url, { method: 'POST', body: new URLSearchParams({ reason: '' }) });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('requires a reason');
    const posted = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams({ reason: 'seen the alert' }),
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Recorded: approve. The run goes on.');
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'approve', channel: 'link' });

    const reused = await fetch(url, { method: 'POST', body: new URLSearchParams({ reason: 'again' }) });
    expect(reused.status).toBe(409);
    expect(await reused.text()).toContain('already decided');
    const otherApprover = await fetch(links(runId, 'bob')['deny'] as string);
    expect(otherApprover.status).toBe(409);
    const record = await w.decider.store.get(runId, 'ask');
    expect(record?.votes.map((v) => [v.by, v.choice, v.channel, v.reason])).toEqual([
      ['alice', 'approve', 'link', 'seen the alert'],
    ]);
  });

  it('refuses a forged or altered link, and one for another approver than the step names', async () => {
    const runId = await parkedRun('link-forged');
    const url = links(runId, 'alice')['approve'] as string;
    const token = url.slice(url.lastIndexOf('/') + 1);
    const [payload = '', signature = ''] = token.split('.');
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    const forgedByKey = approvalLinkUrls(
      { publicUrl: server.url, key: new Secret('an-attacker-key-0123456789abcdefgh') },
      { runId, stepId: 'ask', approver: 'alice' },
    )['approve'] as string;
    const asBob = Buffer.from(JSON.stringify({ v: 1, r: runId, s: 'ask', a: 'bob', c: 'approve' })).toString(
      'base64url',
    );
    for (const bad of [
      `${server.url}/approvals/links/${payload}.${flipped}`,
      forgedByKey,
      `${server.url}/approvals/links/${asBob}.${signature}`,
      `${server.url}/approvals/links/not-a-token`,
    ]) {
      const response = await fetch(bad, { method: 'POST', body: new URLSearchParams({ reason: 'x' }) });
      expect(response.status, bad).toBe(403);
      expect(await response.text()).toContain('approval link rejected');
    }
    const mallory = await fetch(links(runId, 'mallory')['approve'] as string, { method: 'POST', body: '' });
    expect(mallory.status).toBe(403);
    expect(await mallory.text()).toContain('is not an approver');
    // None of it moved the run.
    expect((await w.decider.store.get(runId, 'ask'))?.votes).toEqual([]);
    expect(await w.talon.queue.state(runId)).toBe('delayed');
  });

  it('is dead after the timeout, and says so for an unknown run', async () => {
    const runId = await w.start(w.compile(PLAYBOOK('link-expired', '      timeout: 500ms')));
    await w.waitStatus(runId, ['succeeded']);
    const late = await fetch(links(runId, 'alice')['approve'] as string, { method: 'POST', body: '' });
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('timed out');
    const ghost = await fetch(links('run-ghost-1', 'alice')['approve'] as string);
    expect(ghost.status).toBe(404);
    expect(await ghost.text()).toContain('no run');
  });
});

// A person opens the link in a real headless Chromium and presses the page's own button.
describe('signed links in a real browser', { timeout: 120_000 }, () => {
  it.skipIf(CHROMIUM === null)(
    'shows the confirmation page on open, and decides when its button is pressed',
    async () => {
      const runId = await parkedRun('link-browser');
      const url = approvalLinkUrls(
        { publicUrl: server.url, key: LINK_KEY },
        { runId, stepId: 'ask', approver: 'bob' },
      )['deny'] as string;
      const browser = await chromium.launch({
        executablePath: CHROMIUM as string,
        args: CHROMIUM_ARGS,
      });
      try {
        const page = await browser.newPage();
        await page.goto(url);
        await expect.poll(() => page.content()).toContain('You are deciding as <strong>bob</strong>');
        expect(await page.content()).toContain('Confirm: deny');
        // Opening the page decides nothing: the run is still parked.
        expect(await w.talon.queue.state(runId)).toBe('delayed');
        // The person gives a reason and presses the page's own button.
        await page.fill('textarea[name="reason"]', 'not this host');
        await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
        await expect.poll(() => page.content()).toContain('Recorded: deny. The run goes on.');
      } finally {
        await browser.close();
      }
      const done = await w.waitStatus(runId, ['succeeded', 'failed']);
      expect(done.outputs).toEqual({ decision: 'deny', channel: 'link' });
      expect((await w.decider.store.get(runId, 'ask'))?.decision?.reason).toBe('not this host');
    },
  );
});

describe('the link key', () => {
  it('never reaches Redis (jobs, records, approvals, audit)', async () => {
    const keys = (await w.talon.redis.call('KEYS', `${w.prefix}:*`)) as string[];
    expect(keys.some((k) => k.includes(':approval:'))).toBe(true);
    let dump = '';
    for (const key of keys) {
      const type = String(await w.talon.redis.call('TYPE', key));
      if (type === 'string') dump += String(await w.talon.redis.call('GET', key));
      else if (type === 'hash') dump += JSON.stringify(await w.talon.redis.call('HGETALL', key));
      else if (type === 'list') dump += JSON.stringify(await w.talon.redis.call('LRANGE', key, 0, -1));
      else if (type === 'zset') dump += JSON.stringify(await w.talon.redis.call('ZRANGE', key, 0, -1));
    }
    expect(dump).toContain('link-approve');
    expect(dump).not.toContain(LINK_KEY.reveal());
  });
});
