/**
 * Attacks on `talon serve`'s access control, over real HTTP with a real Redis: every protected route
 * without a token (401), with a token below its role (403), with a revoked or forged token (401);
 * Bull Board's reads and writes; rate limits; errors that do not echo internals.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInputs } from '../../src/engine/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import {
  authorize,
  newApiToken,
  type Role,
  ROLES,
  roleAllows,
  type StoredToken,
  startTalonServer,
  type TalonServer,
  tokenSource,
  verifyApiToken,
  writeTokens,
} from '../../src/server/index.ts';
import { installAccessControl } from '../../src/server/server.ts';
import { systemClock } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { tinyPlan } from '../queue/fixtures.ts';

const tokens = Object.fromEntries(
  ROLES.map((role) => [role, newApiToken(`t-${role}`, role, Date.now())]),
) as Record<Role, { token: string; stored: StoredToken }>;
const bearer = (role: Role) => ({ authorization: `Bearer ${tokens[role].token}` });
const plan = tinyPlan('api-started');

let talon: TalonQueue;
let server: TalonServer;
let tokensFile: string;

beforeAll(async () => {
  tokensFile = join(mkdtempSync(join(tmpdir(), 'talon-tokens-')), 'tokens.json');
  await writeTokens(
    tokensFile,
    ROLES.map((role) => tokens[role].stored),
  );
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix: uniquePrefix('auth') });
  server = await startTalonServer({
    talon,
    tokens: tokenSource(tokensFile),
    webhooks: null,
    manualRuns: { playbooks: [plan], resolveInputs: (p, given) => resolveInputs(p, given) },
    dashboardWritable: true,
    // Generous for the sweep below; the rate-limit test starts its own server.
    rateLimit: { requestsPerWindow: 10_000, authFailuresPerWindow: 10_000 },
  });
});
afterAll(async () => {
  await server.close();
  await talon.close();
});

/** A concrete path for a route pattern (parameters and wildcards filled in). */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'x').replace(/\*/g, 'x');
}

async function call(method: string, url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${concrete(url)}`, {
    method,
    headers:
      method === 'GET' || method === 'HEAD' ? headers : { 'content-type': 'application/json', ...headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: '{}' }),
  });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers };
}

describe('every route declares its access', () => {
  it('lists the API, the dashboard and its write actions with the access they need', () => {
    const byRoute = new Map(server.routes.map((r) => [`${r.method} ${r.url}`, r.access]));
    expect(byRoute.get('GET /healthz')).toBe('public');
    expect(byRoute.get('POST /hooks/*')).toBe('webhook');
    expect(byRoute.get('GET /metrics')).toBe('scrape');
    expect(byRoute.get('GET /runs')).toBe('viewer');
    expect(byRoute.get('GET /runs/:id')).toBe('viewer');
    expect(byRoute.get('POST /runs')).toBe('operator');
    const dashboard = server.routes.filter((r) => r.url.startsWith('/admin/queues'));
    expect(dashboard.some((r) => r.method === 'GET')).toBe(true);
    const writes = dashboard.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(writes.length).toBeGreaterThan(3);
    for (const w of writes) expect(w.access).toBe('admin');
    expect(byRoute.get('GET /approvals')).toBe('viewer');
    expect(byRoute.get('POST /approvals/:run/:step')).toBe('operator');
    expect(byRoute.get('POST /approvals/links/:token')).toBe('signed-link');
    // Only the health check, webhooks, signed approval links and the console's sign-in form (which
    // shows no data and sets a session only for a valid token) go without a token.
    const open = server.routes.filter(
      (r) => r.access === 'public' || r.access === 'webhook' || r.access === 'signed-link',
    );
    expect(open.map((r) => r.url).sort()).toEqual([
      '/approvals/links/:token',
      '/approvals/links/:token',
      '/approvals/links/:token',
      '/healthz',
      '/healthz',
      '/hooks/*',
      '/login',
      '/login',
      '/login',
      '/logout',
    ]);
  });

  it('refuses to register a route that declares no access', async () => {
    const app = Fastify();
    installAccessControl(app, { talon, tokens: async () => [], webhooks: null }, systemClock);
    expect(() => app.get('/open', async () => 'oops')).toThrow(/declares no access/);
    await app.close();
  });
});

describe('attacks on the API', () => {
  it('answers 401 on every protected route without a token, and 401 for a forged or malformed one', async () => {
    const forged = `talon_${tokens.admin.stored.id}_${'A'.repeat(43)}`;
    const protectedRoutes = server.routes.filter(
      (r) => r.access !== 'public' && r.access !== 'webhook' && r.access !== 'signed-link',
    );
    expect(protectedRoutes.length).toBeGreaterThan(10);
    for (const route of protectedRoutes) {
      for (const headers of [
        {},
        { authorization: `Bearer ${forged}` },
        { authorization: 'Bearer nonsense' },
        { authorization: `Basic ${Buffer.from(`admin:${forged}`).toString('base64')}` },
      ]) {
        const response = await call(route.method, route.url, headers);
        expect(response.status, `${route.method} ${route.url} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.text).not.toContain(forged);
        if (route.method !== 'HEAD')
          expect(JSON.parse(response.text).error.code).toBe('SOAR_SERVER_UNAUTHENTICATED');
      }
    }
  });

  it('answers 403 to every token whose role is below the route, and lets the role itself through', async () => {
    const protectedRoutes = server.routes.filter(
      (r): r is typeof r & { access: Role } =>
        r.access !== 'public' && r.access !== 'webhook' && r.access !== 'signed-link',
    );
    for (const route of protectedRoutes) {
      for (const role of ROLES) {
        const response = await call(route.method, route.url, bearer(role));
        const label = `${role} on ${route.method} ${route.url}`;
        if (roleAllows(role, route.access)) expect([401, 403], label).not.toContain(response.status);
        else expect(response.status, label).toBe(403);
      }
    }
  });

  it('lets a browser open Bull Board with Basic auth and asks for it when missing', async () => {
    const missing = await call('GET', '/admin/queues');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic/);
    const basic = `Basic ${Buffer.from(`anyone:${tokens.viewer.token}`).toString('base64')}`;
    const page = await call('GET', '/admin/queues', { authorization: basic });
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
  });

  it('refuses a dashboard write from another site even with an admin token', async () => {
    const write = server.routes.find((r) => r.url.startsWith('/admin/queues') && r.method === 'PUT');
    if (write === undefined) throw new Error('Bull Board registered no PUT route');
    const response = await call(write.method, write.url, {
      ...bearer('admin'),
      origin: 'https://evil.example',
    });
    expect(response.status).toBe(403);
  });

  it('lets an operator start a run and a viewer read it, and never a viewer start one', async () => {
    const refused = await fetch(`${server.url}/runs`, {
      method: 'POST',
      headers: { ...bearer('viewer'), 'content-type': 'application/json' },
      body: JSON.stringify({ playbook: plan.name }),
    });
    expect(refused.status).toBe(403);
    const started = await fetch(`${server.url}/runs`, {
      method: 'POST',
      headers: { ...bearer('operator'), 'content-type': 'application/json' },
      body: JSON.stringify({ playbook: plan.name }),
    });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const record = await fetch(`${server.url}/runs/${runId}`, { headers: bearer('viewer') });
    expect(record.status).toBe(200);
    expect(((await record.json()) as { trigger: { source: string } }).trigger.source).toBe('api:t-operator');
  });

  it('stops accepting a token as soon as it is revoked from the file', async () => {
    const extra = newApiToken('short-lived', 'viewer', Date.now());
    await writeTokens(tokensFile, [...ROLES.map((role) => tokens[role].stored), extra.stored]);
    const headers = { authorization: `Bearer ${extra.token}` };
    expect((await call('GET', '/runs', headers)).status).toBe(200);
    await writeTokens(
      tokensFile,
      ROLES.map((role) => tokens[role].stored),
    );
    expect((await call('GET', '/runs', headers)).status).toBe(401);
  });

  it('limits bodies on API routes and never echoes internals on 5xx', async () => {
    const big = await fetch(`${server.url}/runs`, {
      method: 'POST',
      headers: { ...bearer('operator'), 'content-type': 'application/json' },
      body: JSON.stringify({ playbook: plan.name, pad: 'x'.repeat(64 * 1024) }),
    });
    expect(big.status).toBe(413);
    const health = await call('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the request limit and after repeated failed tokens', async () => {
    const limited = await startTalonServer({
      talon,
      tokens: async () => [tokens.viewer.stored],
      webhooks: null,
      rateLimit: { requestsPerWindow: 8, authFailuresPerWindow: 3, windowMs: 60_000 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await fetch(`${limited.url}/runs`, { headers: { authorization: 'Bearer wrong' } })).status,
        );
      }
      // Three failures are answered 401; the fourth is refused before the token is even looked at.
      expect(statuses).toEqual([401, 401, 401, 429]);
      const statusesAfter: number[] = [];
      for (let i = 0; i < 4; i++) statusesAfter.push((await fetch(`${limited.url}/healthz`)).status);
      // Every request counts: 4 refused tokens + 4 health checks fill the window of 8.
      expect(statusesAfter).toEqual([200, 200, 200, 200]);
      const last = await fetch(`${limited.url}/healthz`);
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('tokens', () => {
  it('stores only a hash, verifies the token and rejects one changed by a character', () => {
    const { token, stored } = newApiToken('ci', 'operator', 0);
    // The secret is everything after `talon_<id>_` (base64url may itself contain '_').
    const secret = token.slice(`talon_${stored.id}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(verifyApiToken(token, [stored])).toEqual({ tokenId: stored.id, name: 'ci', role: 'operator' });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyApiToken(`${token.slice(0, -1)}${last}`, [stored])).toBeNull();
    expect(() => authorize(`Bearer ${token}`, 'admin', [stored])).toThrow(/needs the admin role/);
  });
});
