// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
/**
 * The run console in a real headless Chromium (Debian's, driven by playwright-core): a real worker
 * on the test redis-server parks runs at approval steps against the emulator, `talon serve`'s server
 * serves the console. Each page loads (a screenshot of each goes to test-output/console/), a run's
 * timeline updates while it proceeds, an approval decided in the console resumes its run, and a
 * viewer token's decision is refused with the server's 403 shown on the page.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybookDir } from '../../src/playbook/index.ts';
import {
  newApiToken,
  startTalonServer,
  type TalonServer,
  tokenSource,
  writeTokens,
} from '../../src/server/index.ts';
import { type ApprovalWorld, startApprovalWorld } from '../approvals/approval-world.ts';
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_CANDIDATES } from '../helpers/chromium.ts';

const SHOTS = resolve(import.meta.dirname, '../../test-output/console');
if (CHROMIUM === null) {
  console.warn(
    `console browser tests SKIPPED: no Chromium binary found (looked at ${CHROMIUM_CANDIDATES.join(', ')}); .ci/run installs Debian's chromium`,
  );
}

const operator = newApiToken('carol', 'operator', Date.now());
const viewer = newApiToken('vera', 'viewer', Date.now());

const PLAYBOOK = (name: string) => `
name: ${name}
steps:
  - id: first
    uses: core.log
    with: { message: "before the question" }
  - id: ask
    uses: approval
    with:
      prompt: "Contain host <img src=x onerror=alert(1)> web-01?"
      approvers: [carol]
      require_reason: true
  - id: after
    uses: core.log
    with: { message: "decided ${'${{ steps.ask.decision }}'}" }
outputs:
  decision: ${'${{ steps.ask.decision }}'}
  channel: ${'${{ steps.ask.channel }}'}
`;

const CRON_PLAYBOOK = `
name: nightly-sweep
description: Sweeps every night
triggers:
  - cron: "0 3 * * *"
steps:
  - id: hello
    uses: core.log
    with: { message: "sweep" }
`;

let w: ApprovalWorld;
let server: TalonServer;
let browser: Browser;

beforeAll(async () => {
  if (CHROMIUM === null) return;
  mkdirSync(SHOTS, { recursive: true });
  w = await startApprovalWorld();
  const dir = mkdtempSync(join(tmpdir(), 'talon-console-'));
  const tokensFile = join(dir, 'tokens.json');
  await writeTokens(tokensFile, [operator.stored, viewer.stored]);
  const books = join(dir, 'playbooks');
  mkdirSync(books);
  writeFileSync(join(books, 'nightly.yaml'), CRON_PLAYBOOK);
  writeFileSync(join(books, 'broken.yaml'), 'name: broken\nsteps:\n  - id: x\n    uses: no.such.action\n');
  const loaded = await loadPlaybookDir(books);
  server = await startTalonServer({
    talon: w.talon,
    tokens: tokenSource(tokensFile),
    webhooks: null,
    loaded,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await w?.close();
});

async function signIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  // No session yet: the console sends the browser to the sign-in form.
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);
  return { context, page };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe.skipIf(CHROMIUM === null)('the run console in headless Chromium', { timeout: 90_000 }, () => {
  it('signs in only with a valid token; pages, assets and JSON need the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const login = await page.goto(`${server.url}/login`);
    expect(login?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.fill('#token', 'talon_000000000000_not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaaaa');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error');
    expect(await page.textContent('.error')).toContain('not valid');
    await shot(page, 'login');
    // A browser opening the console without a session goes to the form; anything else answers 401.
    const opened = await fetch(`${server.url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect([opened.status, opened.headers.get('location')]).toEqual([303, '/login']);
    for (const path of ['/', '/console/app.js', '/console/app.css', '/console/api/runs', '/console/api/me']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(401);
    }
    await context.close();
  });

  it('lists runs with filters, and a run timeline updates live as its approval is decided', async () => {
    const other = await w.start(w.compile(PLAYBOOK('console-other')));
    const runId = await w.start(w.compile(PLAYBOOK('console-live')));
    await w.waitParked(runId);
    await w.waitParked(other);
    const { context, page } = await signIn(viewer.token);
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    await page.waitForSelector('#who span');
    expect(await page.textContent('#who')).toContain('vera (viewer)');
    await shot(page, 'runs');
    await page.fill('input[name=playbook]', 'console-live');
    await page.click('#run-filters button[type=submit]');
    // The filtered page replaces the list: only the run of that playbook is left.
    await page.waitForFunction((id) => {
      const rows = document.querySelectorAll('tr[data-run]');
      return rows.length === 1 && rows[0]?.getAttribute('data-run') === id;
    }, runId);
    expect(await page.locator('tr[data-run]').count()).toBe(1);

    await page.click(`a[href="#/runs/${runId}"]`);
    await page.waitForSelector('li[data-step="ask"]');
    expect(await page.getAttribute('li[data-step="first"]', 'data-status')).toBe('succeeded');
    expect(await page.textContent('#run')).toContain('approval at step ask');
    expect(await page.locator('li[data-step="after"]').count()).toBe(0);
    await shot(page, 'run-waiting');
    // Decided elsewhere (the API as the operator): the open page follows without a reload.
    const answer = await fetch(`${server.url}/approvals/${runId}/ask`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator.token}` },
      body: JSON.stringify({ choice: 'approve', reason: 'confirmed by phone' }),
    });
    expect(answer.status).toBe(200);
    await page.waitForSelector('li[data-step="after"][data-status="succeeded"]', { timeout: 15_000 });
    await page.waitForSelector('#run .badge.status-succeeded');
    await shot(page, 'run-finished');
    await context.close();
  });

  it('refuses a viewer decision with the 403 shown, and an operator decision resumes the run', async () => {
    const runId = await w.start(w.compile(PLAYBOOK('console-decide')));
    await w.waitParked(runId);
    const card = `section.approval[data-run="${runId}"]`;

    const asViewer = await signIn(viewer.token);
    await asViewer.page.goto(`${server.url}/#/approvals`);
    await asViewer.page.waitForSelector(card);
    // Run data is shown as text: the prompt's markup is not parsed.
    expect(await asViewer.page.textContent(`${card} .prompt`)).toContain('<img src=x onerror=alert(1)>');
    expect(await asViewer.page.locator(`${card} .prompt img`).count()).toBe(0);
    await asViewer.page.fill(`${card} textarea`, 'viewer tries');
    await asViewer.page.click(`${card} button[data-choice=approve]`);
    await asViewer.page.waitForSelector(`${card} .outcome .error`);
    expect(await asViewer.page.textContent(`${card} .outcome`)).toContain('403 SOAR_SERVER_FORBIDDEN');
    await shot(asViewer.page, 'approvals-viewer-403');
    expect((await w.talon.records.get(runId))?.status).toBe('waiting');
    await asViewer.context.close();

    const asOperator = await signIn(operator.token);
    await asOperator.page.goto(`${server.url}/#/approvals`);
    await asOperator.page.waitForSelector(card);
    // A required reason is asked for before anything is sent.
    await asOperator.page.click(`${card} button[data-choice=deny]`);
    expect(await asOperator.page.textContent(`${card} .outcome`)).toContain('needs a reason');
    await asOperator.page.fill(`${card} textarea`, 'not this host');
    await asOperator.page.click(`${card} button[data-choice=deny]`);
    await asOperator.page.waitForSelector(`${card} .outcome .ok`);
    expect(await asOperator.page.textContent(`${card} .outcome`)).toContain('Recorded: deny');
    await shot(asOperator.page, 'approvals-operator-decided');
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'deny', channel: 'api' });
    const approval = await w.decider.store.get(runId, 'ask');
    expect(approval?.decision?.by).toEqual(['carol']);
    expect(approval?.decision?.reason).toBe('not this host');
    await asOperator.context.close();
  });

  it('shows playbooks with their validation result and next cron time', async () => {
    const { context, page } = await signIn(viewer.token);
    await page.goto(`${server.url}/#/playbooks`);
    await page.waitForSelector('table.playbooks');
    const nightly = await page.textContent('tr[data-file$="nightly.yaml"]');
    expect(nightly).toContain('nightly-sweep');
    expect(nightly).toContain('valid');
    expect(nightly).toMatch(/cron: 0 3 \* \* \* \(UTC.*next \d{4}-\d\d-\d\d 03:00:00Z/);
    const broken = await page.textContent('tr[data-file$="broken.yaml"]');
    expect(broken).toContain('invalid');
    expect(broken).toContain('no.such.action');
    await shot(page, 'playbooks');
    await context.close();
  });
});
