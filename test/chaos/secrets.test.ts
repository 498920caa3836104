/**
 * Security: run a workload that exercises every path where a secret could leak (logins, token
 * revocation and expiry, 5xx read-backs, dropped connections, a run that fails on a Falcon error, a
 * SIGKILLed worker, good, bad and replayed webhooks), with every log at debug level, then grep
 * everything Talon wrote for the client secret, every access token it was issued (recorded by a
 * forwarding proxy in front of the emulator), the webhook secret and every named secret used by
 * notifications and HTTP calls (Slack and Teams webhook URLs, an SMTP login, an API token that the
 * API echoes back, sent, refused and missing): worker and server logs, CLI
 * output, every Redis key of the deployment (run records, checkpoints, intents, BullMQ job data,
 * failure reasons), and errors thrown to a caller. Zero hits.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import { createFalconClient, type FalconClient } from '../../src/falcon/index.ts';
import { findFreePort } from '../../src/local/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { compilePlaybook } from '../../src/playbook/index.ts';
import { randomHex, Secret, serializeError } from '../../src/shared/index.ts';
import { webhookHeaders } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import {
  type MailBox,
  makeCertificate,
  type StandIn,
  startMailServer,
  startSlackStandIn,
  startTeamsStandIn,
  type TestCertificate,
} from '../helpers/service-standins.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { chainInputs, enqueueChain, testClient, waitForRuns } from './lib/chain.ts';
import { redisText, secretHits } from './lib/evidence.ts';
import { startTokenProxy, type TokenProxy } from './lib/token-proxy.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/talon.mjs');

let world: BenchWorld;
let proxy: TokenProxy;
let talon: TalonQueue;
let client: FalconClient;
let server: ChildProcess;
let serverOutput = '';
let serverUrl = '';
const workers: WorkerChild[] = [];
const prefix = uniquePrefix('chaos-secrets');
const texts: Record<string, string> = {};
/** Extra secret values used by the tests themselves (the wrong secret of a failed login). */
const secretsToo: string[] = [];

// Services reached by notifications and HTTP calls, and the named secrets that reach them.
let slack: StandIn;
let teams: StandIn;
let cert: TestCertificate;
let mailbox: MailBox;
let api: Server;
let apiUrl = '';
const named: Record<string, string> = {};

/** An API that echoes the Authorization header back: 200 on /ok, 500 on /fail. */
async function startEchoApi(): Promise<void> {
  api = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = req.url === '/fail' ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ youSent: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
}

async function startServices(): Promise<void> {
  slack = await startSlackStandIn(`/services/T${randomHex(4)}/B${randomHex(4)}/${randomHex(12)}`);
  teams = await startTeamsStandIn(`/webhookb2/${randomHex(8)}/IncomingWebhook/${randomHex(12)}`);
  cert = makeCertificate();
  const password = `mail-${randomHex(10)}`;
  mailbox = await startMailServer({ cert, implicitTls: true, user: 'talon', password });
  await startEchoApi();
  named['CHAOS_SLACK'] = slack.url;
  named['CHAOS_TEAMS'] = teams.url;
  named['CHAOS_SMTP'] = `smtps://talon:${password}@localhost:${mailbox.port}`;
  const wrong = `wrong-${randomHex(10)}`;
  named['CHAOS_SMTP_BAD'] = `smtps://talon:${wrong}@localhost:${mailbox.port}`;
  secretsToo.push(password, wrong);
  named['CHAOS_SMTP_CA'] = cert.ca;
  named['CHAOS_API'] = `api-${randomHex(16)}`;
}

function serviceEnv(): Record<string, string> {
  const env: Record<string, string> = { TALON_HTTP_ALLOW_PRIVATE: 'true' };
  for (const [name, value] of Object.entries(named)) env[`TALON_SECRET_${name}`] = value;
  return env;
}

/** Playbooks that notify and call an API with named secrets: one that works, four that fail. */
function servicePlaybooks(): Record<string, string> {
  const api = (path: string) => `
  - id: api
    uses: http.request
    with: { method: POST, url: "${apiUrl}${path}", json: { a: 1 }, auth: { bearer: "\${{ secrets.CHAOS_API }}" } }`;
  return {
    all: `name: chaos-notify
steps:
  - id: slack
    uses: notify.slack
    with: { webhook_url: "\${{ secrets.CHAOS_SLACK }}", text: "run \${{ run.id }}", links: [{ text: Approve, url: "https://talon.example/a" }] }
  - id: teams
    uses: notify.teams
    with: { webhook_url: "\${{ secrets.CHAOS_TEAMS }}" }
  - id: mail
    uses: notify.email
    with: { smtp: "\${{ secrets.CHAOS_SMTP }}", tls_ca: "\${{ secrets.CHAOS_SMTP_CA }}", from: talon@example.com, to: soc@example.com }${api('/ok')}
`,
    refusedSlack: `name: chaos-notify-refused
steps:
  - id: slack
    uses: notify.slack
    with: { webhook_url: "\${{ secrets.CHAOS_SLACK }}", blocks: [{ type: bogus }] }
`,
    badLogin: `name: chaos-mail-login
steps:
  - id: mail
    uses: notify.email
    with: { smtp: "\${{ secrets.CHAOS_SMTP_BAD }}", tls_ca: "\${{ secrets.CHAOS_SMTP_CA }}", from: talon@example.com, to: soc@example.com }
`,
    missing: `name: chaos-missing-secret
steps:
  - id: slack
    uses: notify.slack
    with: { webhook_url: "\${{ secrets.CHAOS_NOT_DEFINED }}" }
`,
    apiFails: `name: chaos-api-fails
steps:${api('/fail')}
`,
  };
}

function childEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    ...world.workerEnv({ FALCON_CLOUD: proxy.url, TALON_LOG_LEVEL: 'debug', ...serviceEnv() }),
  };
}

beforeAll(async () => {
  world = await startBenchWorld(testRedisUrl(), { seed: 25, sizes: { detections: 400 } });
  proxy = await startTokenProxy(world.emulator.url);
  await startServices();
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix });
  client = testClient(world.emulator, world.clientId, world.clientSecret);
  // Exactly what `talon worker` runs with (WORKER_DEFAULTS): only the prefix differs.
  const knobs = { prefix };
  for (let i = 0; i < 2; i++) workers.push(spawnWorker(childEnv(), knobs));
  const port = await findFreePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--prefix', prefix, '--playbooks', join(ROOT, 'playbooks')],
    {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (d: Buffer): void => {
    serverOutput += d.toString('utf8');
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  await Promise.all(workers.map((w) => w.ready));
  await waitFor(
    async () => (await fetch(`${serverUrl}/healthz`).catch(() => null))?.status === 200,
    20_000,
    'talon serve',
  );
}, 120_000);

afterAll(async () => {
  server?.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.kill9()));
  await talon?.close();
  await proxy?.close();
  await world?.close();
  await Promise.all([slack?.close(), teams?.close(), mailbox?.close()]);
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
  cert?.cleanup();
});

describe('no secret reaches logs, errors, jobs or run records', () => {
  it('runs through logins, revoked and expired tokens, 5xx, dropped connections, failures and a kill', async () => {
    const admin = world.emulator.admin;
    admin.injectFault({ operationId: 'UpdateDetectsByIdsV2', status: 503, count: 2 });
    admin.injectFault({ operationId: 'GetDetectSummaries', dropConnection: true, count: 2 });
    admin.injectFault({ operationId: 'indicator_combined_v1', status: 500, count: 2 });
    const inputs = await chainInputs(client, 6);
    const runIds = await enqueueChain(talon, inputs);
    await waitFor(() => admin.audit().length > 0, 30_000, 'the first write');
    admin.revokeTokens();
    // Kill one worker while runs are under way; a new one takes over.
    const victim = workers[0] as WorkerChild;
    await victim.kill9();
    workers.push(spawnWorker(childEnv(), { prefix }));
    const records = await waitForRuns(talon, runIds, 120_000);
    expect(records.map((r) => r.status)).toEqual(runIds.map(() => 'succeeded'));

    // Tokens expire (a second login path), then a run fails on a Falcon error (403 on every call of
    // its write), so an error is recorded.
    admin.expireTokens();
    admin.injectFault({ operationId: 'UpdateDetectsByIdsV2', status: 403, count: 1000 });
    const [failing] = await enqueueChain(talon, await chainInputs(client, 1));
    const [failed] = await waitForRuns(talon, [failing as string], 60_000);
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.message.length).toBeGreaterThan(0);
    admin.clearFaults();
  }, 180_000);

  it('webhooks: accepted, badly signed and replayed deliveries', async () => {
    const secret = new Secret(world.webhookSecret);
    const body = JSON.stringify({ sha256: 'ab'.repeat(32), reason: 'security test' });
    const headers = webhookHeaders(secret, {
      path: 'block-hash',
      deliveryId: `secrets-${Date.now()}`,
      body,
      timestampSec: Math.floor(Date.now() / 1000),
    });
    const signature = headers['x-talon-signature'] as string;
    // Another last hex digit: a forged signature (replacing with '0' could leave it unchanged).
    const forged = signature.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const post = (headers: Record<string, string>) =>
      fetch(`${serverUrl}/hooks/block-hash`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const accepted = await post(headers);
    expect(accepted.status).toBe(202);
    const { runId } = (await accepted.json()) as { runId: string };
    expect((await post(headers)).status).toBe(409);
    expect((await post({ ...headers, 'x-talon-signature': forged })).status).toBe(401);
    await waitForRuns(talon, [runId], 60_000);
  }, 60_000);

  it('errors thrown to a caller carry no secret or token', async () => {
    const wrong = new Secret(`${world.clientSecret}-wrong`);
    const badLogin = createFalconClient({
      baseUrl: proxy.url,
      clientId: world.clientId,
      clientSecret: wrong,
    });
    const loginError = await badLogin.call('detects.query_detects', {}).catch((e: unknown) => e);
    expect(loginError).toBeInstanceOf(Error);
    world.emulator.admin.injectFault({ operationId: 'QueryDetects', dropConnection: true, count: 10 });
    const good = createFalconClient({
      baseUrl: proxy.url,
      clientId: world.clientId,
      clientSecret: new Secret(world.clientSecret),
      retry: { maxRetries: 1 },
    });
    const dropped = await good.call('detects.query_detects', {}).catch((e: unknown) => e);
    world.emulator.admin.clearFaults();
    expect(dropped).toBeInstanceOf(Error);
    for (const [name, error] of Object.entries({ loginError, dropped })) {
      texts[`error ${name}`] = [
        JSON.stringify(serializeError(error)),
        String(error),
        inspect(error, { depth: 10 }),
        (error as Error).stack ?? '',
      ].join('\n');
    }
    secretsToo.push(wrong.reveal());
  }, 60_000);

  it('notifications and HTTP calls with named secrets: sent, refused, failed and missing', async () => {
    const runIds: Record<string, string> = {};
    for (const [name, text] of Object.entries(servicePlaybooks())) {
      const plan = compilePlaybook(text, `${name}.yaml`, {
        secretNames: Object.keys(named).concat(name === 'missing' ? ['CHAOS_NOT_DEFINED'] : []),
      });
      const { runId } = await talon.enqueue({
        plan,
        inputs: {},
        trigger: { type: 'manual', at: Date.now(), source: 'chaos', data: null },
      });
      runIds[name] = runId;
    }
    const records = await waitForRuns(talon, Object.values(runIds), 60_000);
    const outcome = Object.fromEntries(
      Object.keys(runIds).map((name, i) => [name, [records[i]?.status, records[i]?.error?.code ?? null]]),
    );
    expect(outcome).toEqual({
      all: ['succeeded', null],
      refusedSlack: ['failed', 'SOAR_NOTIFY_REJECTED'],
      badLogin: ['failed', 'SOAR_SMTP_REJECTED'],
      missing: ['failed', 'SOAR_SECRET_MISSING'],
      apiFails: ['failed', 'SOAR_HTTP_STATUS'],
    });
    // The services got what was sent, with the secrets where they belong.
    expect(slack.received.some((r) => (r.body as { text?: string }).text === `run ${runIds['all']}`)).toBe(
      true,
    );
    expect(teams.received.length).toBeGreaterThan(0);
    expect(mailbox.mails.map((m) => m.to)).toEqual([['soc@example.com']]);
    // The API echoed the token back in its answers (200 and 500): neither reached the records.
    expect(records[4]?.error?.message).toContain('Bearer [redacted]');
    for (const value of Object.values(named))
      if (!value.includes('BEGIN CERTIFICATE')) secretsToo.push(value);
    secretsToo.push(new URL(slack.url).pathname, new URL(teams.url).pathname);
  }, 90_000);

  it('finds none of them anywhere Talon wrote', async () => {
    const list = spawnSync(process.execPath, [BIN, 'runs', 'list', '--prefix', prefix, '-n', '50'], {
      encoding: 'utf8',
      env: childEnv(),
    });
    expect(list.status).toBe(0);
    texts['talon runs list'] = list.stdout + list.stderr;
    texts['redis'] = await redisText(talon.redis, prefix);
    texts['server'] = serverOutput;
    for (const [i, w] of workers.entries()) texts[`worker ${i}`] = w.output();
    const tokens = proxy.tokens();
    // Logins after revocation and expiry issued more than one token; debug logs were written.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(texts['worker 1']?.length ?? 0).toBeGreaterThan(1000);
    expect(texts['redis']).toContain('chaos-chain');
    const secrets: Record<string, string> = {
      clientSecret: world.clientSecret,
      webhookSecret: world.webhookSecret,
    };
    for (const [i, token] of tokens.entries()) secrets[`token ${i}`] = token;
    for (const [i, value] of secretsToo.entries()) secrets[`test secret ${i}`] = value;
    expect(secretHits(texts, secrets)).toEqual([]);
  }, 60_000);
});
