import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/engine/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { newApiToken, startTalonServer, type TalonServer } from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import {
  signWebhook,
  verifyWebhookSignature,
  webhookHeaders,
  webhookRoutes,
} from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { tinyPlan } from '../queue/fixtures.ts';

const secret = new Secret('webhook-secret-0123456789');
// Two routes whose secrets happen to be equal: the signature still binds each request to its path.
const containPlan: CompiledPlaybook = {
  ...tinyPlan('contain-hooked'),
  triggers: [{ type: 'webhook', path: 'contain', secretEnv: 'CONTAIN_SECRET' }],
};
const plan: CompiledPlaybook = {
  ...tinyPlan('hooked'),
  triggers: [{ type: 'webhook', path: 'triage', secretEnv: 'TRIAGE_SECRET' }],
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
      routes: webhookRoutes([plan, containPlan]),
      secretFor: (name) => (name === 'TRIAGE_SECRET' || name === 'CONTAIN_SECRET' ? secret : null),
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
let deliveries = 0;
/** Headers of a correctly signed delivery to /hooks/triage; `change` alters what is signed. */
function signed(
  body: string,
  change: { path?: string; deliveryId?: string; timestampSec?: number; key?: Secret } = {},
) {
  return webhookHeaders(change.key ?? secret, {
    path: change.path ?? 'triage',
    deliveryId: change.deliveryId ?? `delivery-${++deliveries}-${Date.now()}`,
    body,
    timestampSec: change.timestampSec ?? now(),
  });
}

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
    const { status, json } = await post(body, signed(body));
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
      (body: string) => signed(body, { key: new Secret('another-secret-0123456') }),
      401,
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
    ],
    ['a signature of another body', () => signed('{"x":2}'), 401, 'SOAR_TRIGGERS_WEBHOOK_SIGNATURE'],
    [
      'a timestamp older than the replay window',
      (body: string) => signed(body, { timestampSec: now() - 301 }),
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
    const headers = signed(body);
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
    const response = await post(body, signed(body));
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
    const response = await post(body, signed(body));
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(await waitingJobs()).toBe(before);
  });

  it('answers 404 for a path no playbook listens on', async () => {
    const body = '{}';
    const response = await post(body, signed(body), 'nope');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('SOAR_TRIGGERS_WEBHOOK_UNKNOWN');
  });

  it('gives the same run to a delivery id sent twice (signed again each time)', async () => {
    const body = '{"n":1}';
    // Timestamps that differ whatever the clock does in between: two distinct signatures.
    const first = await post(body, signed(body, { deliveryId: 'delivery-42', timestampSec: now() - 2 }));
    const second = await post(body, signed(body, { deliveryId: 'delivery-42', timestampSec: now() - 1 }));
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.json).toEqual({ runId: first.json.runId, duplicate: true });
  });
});

describe('attacks on webhook signatures', () => {
  it.each([
    ['replayed to another route', (body: string) => signed(body), 'contain'],
    [
      'sent to a path other than the one signed',
      (body: string) => signed(body, { path: 'contain' }),
      'triage',
    ],
    [
      'with a changed delivery id',
      (body: string) => ({
        ...signed(body, { deliveryId: 'signed-delivery' }),
        'x-talon-delivery': 'other-delivery',
      }),
      'triage',
    ],
    [
      'without a delivery id',
      (body: string) => {
        const { 'x-talon-delivery': _dropped, ...rest } = signed(body);
        return rest;
      },
      'triage',
    ],
  ])('refuses a request %s with 401 and enqueues nothing', async (_what, headers, path) => {
    const before = await waitingJobs();
    const body = JSON.stringify({ attack: true });
    const response = await post(body, headers(body) as Record<string, string>, path);
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('SOAR_TRIGGERS_WEBHOOK_SIGNATURE');
    expect(await waitingJobs()).toBe(before);
  });

  it('spends a signature only once its run is enqueued: the sender retries after a 5xx and succeeds', async () => {
    let failNext = true;
    const flaky: TalonQueue = {
      ...talon,
      keys: talon.keys,
      queue: talon.queue,
      redis: talon.redis,
      records: talon.records,
      async enqueue(request) {
        if (failNext) {
          failNext = false;
          throw new Error('connection to redis lost at 10.0.0.7:6379 (internal detail)');
        }
        return talon.enqueue(request);
      },
    };
    const retrying = await startTalonServer({
      talon: flaky,
      tokens: async () => [],
      webhooks: {
        routes: webhookRoutes([plan]),
        secretFor: () => secret,
        resolveInputs: (p, given) => resolveInputs(p, given),
      },
    });
    try {
      const body = JSON.stringify({ retry: 'me' });
      const headers = signed(body, { deliveryId: `retry-${Date.now()}` });
      const send = () =>
        fetch(`${retrying.url}/hooks/triage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const failed = await send();
      expect(failed.status).toBe(500);
      const failedText = await failed.text();
      expect(failedText).toContain('SOAR_SERVER_INTERNAL');
      expect(failedText).not.toContain('10.0.0.7');
      const retried = await send();
      expect(retried.status).toBe(202);
      const { runId } = (await retried.json()) as { runId: string };
      expect(await talon.records.get(runId)).not.toBeNull();
      // Now it is spent: the identical request again is a replay.
      expect((await send()).status).toBe(409);
    } finally {
      await retrying.close();
    }
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
    const request = {
      method: 'POST',
      path: 'triage',
      deliveryId: 'd-1',
      body,
      secret,
      nowMs: 1_700_000_000_000,
    };
    const header = signWebhook(secret, { ...request, timestampSec: 1_700_000_000 });
    expect(verifyWebhookSignature({ ...request, header })).toMatch(/^[0-9a-f]{64}$/);
    // The /hooks/ prefix is the same path written out.
    expect(verifyWebhookSignature({ ...request, path: '/hooks/triage', header })).toMatch(/^[0-9a-f]{64}$/);
    const flipped = header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(() => verifyWebhookSignature({ ...request, header: flipped })).toThrow(/does not match/);
    for (const change of [
      { method: 'PUT' },
      { path: 'other' },
      { deliveryId: 'd-2' },
      { body: Buffer.from('{"a":2}') },
    ]) {
      expect(() => verifyWebhookSignature({ ...request, ...change, header }), JSON.stringify(change)).toThrow(
        /does not match/,
      );
    }
  });
});
