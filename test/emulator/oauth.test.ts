import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type RunningEmulator,
  startEmulator,
} from '../../src/emulator/index.ts';
import { call, login, startTestEmulator } from './helpers.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ tokenTtlSeconds: 600, unauthenticatedRateLimitPerMinute: 1000 });
});

afterAll(async () => {
  await emulator?.close();
});

function tokenRequest(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emulator.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

describe('POST /oauth2/token', () => {
  it('issues a bearer token with 201, expires_in and no X-Cs-Region', async () => {
    const response = await tokenRequest(
      `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}`,
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body['token_type']).toBe('bearer');
    expect(body['expires_in']).toBe(600);
    expect(typeof body['access_token']).toBe('string');
    expect(response.headers.has('x-cs-region')).toBe(false);
    expect(response.headers.get('x-cs-traceid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-ratelimit-limit')).toBe('300');
  });

  it('accepts HTTP Basic credentials (any case of the scheme) and ignores grant_type', async () => {
    const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64');
    const response = await tokenRequest('grant_type=client_credentials', { authorization: `basic ${basic}` });
    expect(response.status).toBe(201);
  });

  it('accepts the falconjs content type with a charset', async () => {
    const response = await tokenRequest(
      `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}`,
      {
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      },
    );
    expect(response.status).toBe(201);
  });

  it('refuses a wrong secret with 403 in the envelope and never echoes the secret', async () => {
    const response = await tokenRequest(`client_id=${DEFAULT_CLIENT_ID}&client_secret=wrong-secret-value`);
    const text = await response.text();
    expect(response.status).toBe(403);
    expect(text).not.toContain('wrong-secret-value');
    const body = JSON.parse(text) as {
      meta: { powered_by: string };
      errors: { code: number; message: string }[];
    };
    expect(body.meta.powered_by).toBe('csam');
    expect(body.errors[0]?.message).toContain('Client authentication failed');
  });

  it('answers 400 when credentials are missing and 415 for a JSON body', async () => {
    expect((await tokenRequest('')).status).toBe(400);
    const json = await tokenRequest('{"client_id":"x"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
  });

  it('redacts the secret in the request log', async () => {
    await tokenRequest(`client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}`);
    const entry = emulator.admin.requests().at(-1);
    expect(entry?.body).toEqual({ client_id: DEFAULT_CLIENT_ID, client_secret: '[redacted]' });
    expect(JSON.stringify(emulator.admin.requests())).not.toContain(DEFAULT_CLIENT_SECRET);
  });

  it('locks a token to member_cid and rejects a malformed one', async () => {
    const bad = await tokenRequest(
      `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}&member_cid=nope`,
    );
    expect(bad.status).toBe(400);
    const child = emulator.admin.children()[0]?.child_cid ?? '';
    const good = await tokenRequest(
      `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}&member_cid=${child}`,
    );
    expect(good.status).toBe(201);
    // A CID that is not one of this client's children (Flight Control) gets no token.
    const stranger = await tokenRequest(
      `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}&member_cid=${'ab'.repeat(16)}`,
    );
    expect(stranger.status).toBe(403);
  });

  it('answers 405 to GET', async () => {
    const response = await fetch(`${emulator.url}/oauth2/token`);
    expect(response.status).toBe(405);
  });
});

describe('POST /oauth2/revoke and token lifetime', () => {
  it('revokes a token so later calls get 401', async () => {
    const token = await login(emulator.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    expect((await call(emulator.url, 'GET', '/detects/queries/detects/v1', { token })).status).toBe(200);
    const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64');
    const revoke = await fetch(`${emulator.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `basic ${basic}` },
      body: `token=${token}`,
    });
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as { errors: unknown[] }).errors).toEqual([]);
    expect((await call(emulator.url, 'GET', '/detects/queries/detects/v1', { token })).status).toBe(401);
  });

  it('expires every token on admin.expireTokens() and accepts a fresh login', async () => {
    const token = await login(emulator.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    expect(emulator.admin.expireTokens()).toBeGreaterThan(0);
    expect((await call(emulator.url, 'GET', '/detects/queries/detects/v1', { token })).status).toBe(401);
    const fresh = await login(emulator.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    expect((await call(emulator.url, 'GET', '/detects/queries/detects/v1', { token: fresh })).status).toBe(
      200,
    );
  });

  it('expires tokens after the configured TTL of the emulator clock', async () => {
    let now = Date.parse('2026-11-20T00:00:00Z');
    const clock = { now: () => now, sleep: () => Promise.resolve() };
    const short = await startEmulator({ clock, tokenTtlSeconds: 60, sizes: { detections: 10 } });
    try {
      const token = await login(short.url, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
      now += 59_000;
      expect((await call(short.url, 'GET', '/detects/queries/detects/v1', { token })).status).toBe(200);
      now += 2_000;
      expect((await call(short.url, 'GET', '/detects/queries/detects/v1', { token })).status).toBe(401);
    } finally {
      await short.close();
    }
  });

  it('refuses a region option that names a real cloud', async () => {
    await expect(startEmulator({ region: 'us-1' })).rejects.toMatchObject({
      code: 'SOAR_EMULATOR_OPTIONS_INVALID',
    });
    const local = await startEmulator({ region: 'local', sizes: { detections: 5 } });
    try {
      const response = await fetch(`${local.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `client_id=${DEFAULT_CLIENT_ID}&client_secret=${DEFAULT_CLIENT_SECRET}`,
      });
      expect(response.headers.get('x-cs-region')).toBe('local');
    } finally {
      await local.close();
    }
  });
});
