import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/engine/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { newApiToken, startTalonServer, type TalonServer } from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { signWebhook, verifyWebhookSignature, webhookRoutes } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { tinyPlan } from '../queue/fixtures.ts';

const secret = new Secret('webhook-secret-0123456789');
const plan: CompiledPlaybook = {
  ...tinyPlan('hooked'),
  triggers: [{ type: 'webhook', path: 'triage', secretEnv: null }],
  inputs: { min_severity: { type: 'integer', required: false, default: 70 } },
};

let talon: TalonQueue;
let server: TalonServer;
const viewer = newApiToken('webhook-test', 'viewer', Date.now());
const asViewer = { authorization: `Bearer ${viewer.token}` };

beforeAll(async () => {
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('wh') });
  server = await startTalonServer({
    talon,
    tokens: async () => [viewer.stored],
    webhooks: {
      routes: webhookRoutes([plan]),
      secretFor: () => secret,
      resolveInputs: (p, given) => resolveInputs(p, given),
    },
    bodyLimitBytes: 1024,
  });
});
afterAll(async () => {
  await server.close();
  await talon.close();
});

const now = () => Math.floor(Date.now() / 1000);

interface Reply {
  runId: string;
  duplicate?: boolean;
  error: { code: string; message: string };
}

async function post(body: string, headers: Record<string, string>, path = 'triage') {
  const response = await fetch(`${server.url}/hooks/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Reply };
}

async function waitingJobs(): Promise<number> {
  return (await talon.queue.counts())['waiting'] ?? 0;
}

describe('webhook trigger over HTTP', () => {
  it('accepts a well-signed request with 202 and the run id, and enqueues exactly that run', async () => {
    const body = JSON.stringify({ inputs: { min_severity: '90' }, detection: 'ldt:1' });
    const { status, json } = await post(body, { 'x-talon-signature': signWebhook(secret, body, now()) });
    expect(status).toBe(202);
    expect(json.runId).toMatch(/^run-/);
    const record = await talon.records.get(json.runId);
    expect(record?.inputs).toEqual({ min_severity: 90 });
    expect(record?.trigger).toMatchObject({ type: 'webhook', source: 'triage' });
    const job = await talon.queue.dashboard.getJob(json.runId);
    expect(job?.data.trigger.data).toEqual({ inputs: { min_severity: '90' }, detection: 'ldt:1' });
    // The signature header is not copied anywhere into the job.
    expect(JSON.stringify(job?.data)).not.toMatch(/v1=|x-talon-signature|webhook-secret/);
  });

  it.each([
    ['no signature', () => ({}), 401, 'SOAR_TRIGGERS_WEBHOOK_SIGNATURE'],
    [
      'a malformed signature',
      () => ({ 'x-talon-signature': 'sha256=abc' }),
      401,
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
    ],
    [
      'a signature made with another secret',
      (body: string) => ({
        'x-talon-signature': signWebhook(new Secret('another-secret-0123456'), body, now()),
      }),
      401,
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
    ],
    [
      'a signature of another body',
      () => ({ 'x-talon-signature': signWebhook(secret, '{"x":2}', now()) }),
      401,
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
    ],
    [
      'a timestamp older than the replay window',
      (body: string) => ({ 'x-talon-signature': signWebhook(secret, body, now() - 301) }),
      409,
      'SOAR_TRIGGERS_WEBHOOK_REPLAY',
    ],
  ])('refuses %s with a clear 4xx and enqueues nothing', async (_what, headers, status, code) => {
    const before = await waitingJobs();
    const body = JSON.stringify({ x: 1 });
    const response = await post(body, headers(body));
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.message.length).toBeGreaterThan(10);
    expect(await waitingJobs()).toBe(before);
  });

  it('refuses the same signed request delivered twice (replay inside the window)', async () => {
    const body = JSON.stringify({ once: true });
    const headers = { 'x-talon-signature': signWebhook(secret, body, now()) };
    expect((await post(body, headers)).status).toBe(202);
    const before = await waitingJobs();
    const again = await post(body, headers);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('SOAR_TRIGGERS_WEBHOOK_REPLAY');
    expect(await waitingJobs()).toBe(before);
  });

  it('refuses an oversized body with 413 and enqueues nothing', async () => {
    const before = await waitingJobs();
    const body = JSON.stringify({ pad: 'x'.repeat(2000) });
    const response = await post(body, { 'x-talon-signature': signWebhook(secret, body, now()) });
    expect(response.status).toBe(413);
    expect(response.json.error.code).toBe('SOAR_TRIGGERS_WEBHOOK_TOO_LARGE');
    expect(await waitingJobs()).toBe(before);
  });

  it.each([
    ['invalid JSON', '{"a":', 400, 'SOAR_TRIGGERS_WEBHOOK_MALFORMED'],
    ['a JSON array', '[1,2]', 400, 'SOAR_TRIGGERS_WEBHOOK_MALFORMED'],
    ['inputs that are not an object', '{"inputs":[1]}', 400, 'SOAR_TRIGGERS_WEBHOOK_MALFORMED'],
    ['an input of the wrong type', '{"inputs":{"min_severity":"high"}}', 422, 'SOAR_ENGINE_INPUT_INVALID'],
    ['an undeclared input', '{"inputs":{"nope":1}}', 422, 'SOAR_ENGINE_INPUT_INVALID'],
  ])('refuses a signed body with %s (%i) and enqueues nothing', async (_what, body, status, code) => {
    const before = await waitingJobs();
    const response = await post(body, { 'x-talon-signature': signWebhook(secret, body, now()) });
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(await waitingJobs()).toBe(before);
  });

  it('answers 404 for a path no playbook listens on', async () => {
    const body = '{}';
    const response = await post(body, { 'x-talon-signature': signWebhook(secret, body, now()) }, 'nope');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('SOAR_TRIGGERS_WEBHOOK_UNKNOWN');
  });

  it('gives the same run to a delivery id sent twice (signed again each time)', async () => {
    const body = '{"n":1}';
    // Timestamps that differ whatever the clock does in between: two distinct signatures.
    const first = await post(body, {
      'x-talon-signature': signWebhook(secret, body, now() - 2),
      'x-talon-delivery': 'delivery-42',
    });
    const second = await post(body, {
      'x-talon-signature': signWebhook(secret, body, now() - 1),
      'x-talon-delivery': 'delivery-42',
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json).toEqual({ runId: first.json.runId, duplicate: true });
  });
});

describe('server endpoints', () => {
  it('serves health, Prometheus metrics with queue depth, and the dashboard', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: asViewer })).text();
    expect(metrics).toMatch(/talon_runs_total\{status="queued"\} \d+/);
    expect(metrics).toMatch(/talon_queue_jobs\{state="waiting"\} [1-9]/);
    expect(metrics).toContain('talon_falcon_rate_limited_total');
    expect(metrics).toContain('bullmq_job_count');
    expect(metrics).toMatch(/talon_webhooks_total\{outcome="accepted"\} [1-9]/);
    expect(metrics).toMatch(/talon_webhooks_total\{outcome="SOAR_TRIGGERS_WEBHOOK_SIGNATURE"\} [1-9]/);
    const board = await fetch(`${server.url}/admin/queues`, { headers: asViewer });
    expect(board.status).toBe(200);
    expect(await board.text()).toMatch(/<html/i);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts its own signature and rejects a flipped bit', () => {
    const body = Buffer.from('{"a":1}');
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature({ header, body, secret, nowMs: 1_700_000_000_000 })).toMatch(
      /^[0-9a-f]{64}$/,
    );
    const flipped = header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(() => verifyWebhookSignature({ header: flipped, body, secret, nowMs: 1_700_000_000_000 })).toThrow(
      /does not match/,
    );
  });
});
