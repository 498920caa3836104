/** Bad input, rate limits and injected faults: every one answered in the envelope, nothing crashes or is lost. */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { call, client, login, startTestEmulator, type TestClient } from './helpers.ts';

let emulator: RunningEmulator;
let token: string;
let api: TestClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ maxBodyBytes: 64 * 1024 });
  token = await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret);
  api = client(emulator, token);
});

beforeEach(() => {
  emulator.admin.reset();
  emulator.admin.setRateLimit(6000);
});

afterAll(async () => {
  await emulator?.close();
});

async function detectionCount(): Promise<number> {
  const reply = await api.get('/detects/queries/detects/v1', { limit: '1' });
  return (reply.body.meta.pagination as { total: number }).total;
}

describe('bad input', () => {
  it('answers 415 for a body that is not JSON', async () => {
    const reply = await call(emulator.url, 'POST', '/detects/entities/summaries/GET/v1', {
      token,
      rawBody: 'ids=a',
      contentType: 'text/plain',
    });
    expect(reply.status).toBe(415);
    expect(reply.body.errors[0]?.message).toContain('application/json');
  });

  it('answers 400 for malformed JSON', async () => {
    const reply = await call(emulator.url, 'POST', '/detects/entities/summaries/GET/v1', {
      token,
      rawBody: '{"ids": [',
      contentType: 'application/json',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.message).toMatch(/^malformed JSON body/);
  });

  it('answers 400 for an unknown body field, naming it', async () => {
    const reply = await api.patch('/detects/entities/detects/v2', {
      ids: ['x'],
      status: 'closed',
      colour: 'red',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0]?.message).toContain('unknown field "colour"');
  });

  it('answers 400 for a wrongly typed field and a value outside its enum', async () => {
    expect((await api.patch('/detects/entities/detects/v2', { ids: 'x', status: 'closed' })).status).toBe(
      400,
    );
    const bad = await api.patch('/detects/entities/detects/v2', { ids: ['x'], status: 'done' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.message).toContain('must be one of');
  });

  it('answers 400 for a JSON array where an object is expected', async () => {
    expect((await api.post('/detects/entities/summaries/GET/v1', ['a'])).status).toBe(400);
  });

  it('answers 400 for too many ids in the body and in the query', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `ldt:${'a'.repeat(32)}:${i}`);
    const body = await api.post('/detects/entities/summaries/GET/v1', { ids: many });
    expect(body.status).toBe(400);
    expect(body.body.errors[0]?.message).toContain('at most 1000');
    const rules = await api.get('/identity-protection/entities/policy-rules/v1', {
      ids: Array.from({ length: 101 }, (_, i) => `r${i}`),
    });
    expect(rules.status).toBe(400);
  });

  it('answers 400 for limit outside the endpoint range and for non-numeric paging', async () => {
    expect((await api.get('/incidents/queries/incidents/v1', { limit: '501' })).status).toBe(400);
    expect((await api.get('/incidents/queries/incidents/v1', { limit: '0' })).status).toBe(400);
    expect((await api.get('/detects/queries/detects/v1', { offset: 'ten' })).status).toBe(400);
    expect((await api.get('/alerts/queries/alerts/v2', { include_hidden: 'yes' })).status).toBe(400);
  });

  it('answers 400 for a malformed filter and for an unknown sort property', async () => {
    const filter = await api.get('/detects/queries/detects/v1', { filter: "status:'new" });
    expect(filter.status).toBe(400);
    expect(filter.body.errors[0]?.message).toContain('unterminated string');
    expect((await api.get('/detects/queries/detects/v1', { sort: 'nope|asc' })).status).toBe(400);
  });

  it('answers 413 for an oversized body and keeps serving', async () => {
    const huge = { ids: ['x'.repeat(100 * 1024)] };
    const reply = await api.post('/detects/entities/summaries/GET/v1', huge);
    expect(reply.status).toBe(413);
    expect(await detectionCount()).toBe(300);
  });

  it('answers 404 for an unknown route and 405 for a wrong method, in the envelope', async () => {
    const missing = await call(emulator.url, 'GET', '/detects/queries/nothing/v1', { token });
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0]?.code).toBe(404);
    const wrong = await call(emulator.url, 'DELETE', '/detects/queries/detects/v1', { token });
    expect(wrong.status).toBe(405);
  });

  it('does not serve the removed legacy IOC CRUD routes', async () => {
    expect((await call(emulator.url, 'GET', '/indicators/entities/iocs/v1', { token })).status).toBe(404);
  });

  it('survives garbage that is not HTTP and keeps its state', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1', () => socket.write('\x00\x01 NOT HTTP\r\n\r\n'));
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${emulator.url}/detects/queries/detects/v1`, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}` },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(String(res.statusCode)))));
      });
      req.on('error', reject);
      req.end();
    });
    expect(await detectionCount()).toBe(300);
  });

  it('rejects a bad write entirely: nothing changes and nothing is audited', async () => {
    const ids = (await api.get('/incidents/queries/incidents/v1', { limit: '1' })).body.resources as string[];
    const before = (await api.post('/incidents/entities/incidents/GET/v1', { ids })).body.resources[0];
    const reply = await api.post('/incidents/entities/incident-actions/v1', {
      ids,
      action_parameters: [
        { name: 'add_tag', value: 'first' },
        { name: 'update_status', value: '99' },
      ],
    });
    expect(reply.status).toBe(400);
    expect((await api.post('/incidents/entities/incidents/GET/v1', { ids })).body.resources[0]).toEqual(
      before,
    );
    expect(emulator.admin.audit()).toEqual([]);
  });
});

describe('rate limits', () => {
  it('answers 429 with X-Ratelimit-Retryafter in epoch seconds once the per-CID budget is spent', async () => {
    emulator.admin.setRateLimit(3);
    const statuses: number[] = [];
    let last = await api.get('/detects/queries/detects/v1');
    statuses.push(last.status);
    for (let i = 0; i < 3; i++) {
      last = await api.get('/detects/queries/detects/v1');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last.headers.get('x-ratelimit-limit')).toBe('3');
    expect(last.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAt = Number(last.headers.get('x-ratelimit-retryafter'));
    expect(retryAt).toBeGreaterThan(Date.now() / 1000);
    expect(retryAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    expect(last.body.errors).toEqual([{ code: 429, message: 'API rate limit exceeded.' }]);
    expect(emulator.admin.stats().rateLimited).toBe(1);
  });

  it('counts X-Ratelimit-Remaining down per call', async () => {
    const first = await api.get('/detects/queries/detects/v1');
    const second = await api.get('/detects/queries/detects/v1');
    expect(
      Number(first.headers.get('x-ratelimit-remaining')) -
        Number(second.headers.get('x-ratelimit-remaining')),
    ).toBe(1);
  });

  it('shares one budget across the clients of a CID', async () => {
    const other = await startTestEmulator({
      rateLimitPerMinute: 2,
      clients: [
        { clientId: 'a', clientSecret: 'a', scopes: '*' },
        { clientId: 'b', clientSecret: 'b', scopes: '*' },
      ],
    });
    try {
      const a = await login(other.url, 'a', 'a');
      const b = await login(other.url, 'b', 'b');
      expect((await call(other.url, 'GET', '/detects/queries/detects/v1', { token: a })).status).toBe(200);
      expect((await call(other.url, 'GET', '/detects/queries/detects/v1', { token: b })).status).toBe(200);
      expect((await call(other.url, 'GET', '/detects/queries/detects/v1', { token: a })).status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('limits calls without a valid token per IP (15 a minute by default)', async () => {
    const statuses = [];
    for (let i = 0; i < 16; i++)
      statuses.push(
        (await call(emulator.url, 'GET', '/detects/queries/detects/v1', { token: 'bad' })).status,
      );
    expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true);
    expect(statuses[15]).toBe(429);
  });
});

describe('fault injection', () => {
  it('fails the next N calls of one operation with the given status, then recovers', async () => {
    emulator.admin.injectFault({ operationId: 'QueryDetects', count: 2, status: 503 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.get('/detects/queries/detects/v1')).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await api.get('/incidents/queries/incidents/v1')).status).toBe(200);
    expect(emulator.admin.faults()).toEqual([]);
  });

  it('injects a 429 with a retry time', async () => {
    emulator.admin.injectFault({ operationId: '*', status: 429, retryAfterSeconds: 5 });
    const reply = await api.get('/incidents/queries/incidents/v1');
    expect(reply.status).toBe(429);
    const retryAt = Number(reply.headers.get('x-ratelimit-retryafter'));
    expect(retryAt - Math.ceil(Date.now() / 1000)).toBeGreaterThanOrEqual(3);
  });

  it('drops the connection without an answer', async () => {
    emulator.admin.injectFault({ operationId: 'QueryDetects', dropConnection: true });
    await expect(
      fetch(`${emulator.url}/detects/queries/detects/v1`, { headers: { authorization: `Bearer ${token}` } }),
    ).rejects.toThrow();
    expect((await api.get('/detects/queries/detects/v1')).status).toBe(200);
    expect(emulator.admin.requests().some((r) => r.operationId === 'QueryDetects' && r.status === 0)).toBe(
      true,
    );
  });

  it('adds latency and then answers normally', async () => {
    emulator.admin.injectFault({ operationId: 'QueryIncidents', latencyMs: 30 });
    const reply = await api.get('/incidents/queries/incidents/v1');
    expect(reply.status).toBe(200);
    expect(emulator.admin.faults()).toEqual([]);
  });

  it('injects faults into the token route', async () => {
    emulator.admin.injectFault({ operationId: 'oauth2AccessToken', status: 500 });
    await expect(
      login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
    ).rejects.toThrow(/500/);
    await expect(
      login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
    ).resolves.toBeTypeOf('string');
  });

  it('steers the same faults through the admin HTTP routes', async () => {
    const added = await call(emulator.url, 'POST', '/_admin/faults', {
      json: { operationId: 'CrowdScore', count: 1, status: 502 },
    });
    expect(added.status).toBe(200);
    expect((await api.get('/incidents/combined/crowdscores/v1')).status).toBe(502);
    const bad = await call(emulator.url, 'POST', '/_admin/faults', {
      json: { operationId: 'X', status: 200 },
    });
    expect(bad.status).toBe(400);
    await call(emulator.url, 'POST', '/_admin/faults', {
      json: [{ operationId: 'CrowdScore', status: 500, count: 5 }],
    });
    expect((await call(emulator.url, 'DELETE', '/_admin/faults')).status).toBe(200);
    expect((await api.get('/incidents/combined/crowdscores/v1')).status).toBe(200);
  });
});

describe('admin HTTP routes', () => {
  it('serve info, stats, audit, requests, token expiry, rate limit and reset', async () => {
    const info = await call(emulator.url, 'GET', '/_admin/info');
    expect((info.body.resources[0] as { counts: { detections: number } }).counts.detections).toBe(300);
    const ids = (await api.get('/detects/queries/detects/v1', { limit: '2' })).body.resources;
    await api.patch('/detects/entities/detects/v2', { ids, status: 'closed' });
    const audit = await call(emulator.url, 'GET', '/_admin/audit');
    expect(audit.body.resources).toMatchObject([{ operationId: 'UpdateDetectsByIdsV2', ids }]);
    const since = (audit.body.resources[0] as { seq: number }).seq;
    expect(
      (await call(emulator.url, 'GET', '/_admin/audit', { query: { since: String(since) } })).body.resources,
    ).toEqual([]);
    const requests = await call(emulator.url, 'GET', '/_admin/requests');
    expect(requests.body.resources.map((r) => (r as { operationId: string }).operationId)).toEqual([
      'QueryDetects',
      'UpdateDetectsByIdsV2',
    ]);
    const stats = await call(emulator.url, 'GET', '/_admin/stats');
    expect(stats.body.resources[0]).toMatchObject({ requests: 2, writes: 1, byStatus: { '200': 2 } });
    const limit = await call(emulator.url, 'PUT', '/_admin/rate-limit', { json: { perMinute: 42 } });
    expect((limit.body.resources[0] as { rateLimitPerMinute: number }).rateLimitPerMinute).toBe(42);
    expect((await api.get('/detects/queries/detects/v1')).headers.get('x-ratelimit-limit')).toBe('42');
    expect((await call(emulator.url, 'POST', '/_admin/tokens/expire')).status).toBe(200);
    expect((await api.get('/detects/queries/detects/v1')).status).toBe(401);
    token = await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret);
    api = client(emulator, token);
    const reset = await call(emulator.url, 'POST', '/_admin/reset', { json: { seed: 99 } });
    expect((reset.body.resources[0] as { seed: number }).seed).toBe(99);
    expect((await call(emulator.url, 'GET', '/_admin/audit')).body.resources).toEqual([]);
    expect((await call(emulator.url, 'GET', '/_admin/nothing')).status).toBe(404);
    expect((await call(emulator.url, 'POST', '/_admin/tokens/revoke')).status).toBe(200);
    expect((await api.get('/detects/queries/detects/v1')).status).toBe(401);
    token = await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret);
    api = client(emulator, token);
    emulator.admin.reset(7);
  });
});
