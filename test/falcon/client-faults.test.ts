/**
 * The client against the real emulator over HTTP, with faults injected through its admin API:
 * 429 storms, 5xx bursts, token expiry mid-run, timeouts, dropped connections. Every test bounds the
 * number of requests that reached the emulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import {
  createFalconClient,
  FalconApiError,
  type FalconClientOptions,
  type RateBudget,
} from '../../src/falcon/index.ts';
import { type Clock, Secret } from '../../src/shared/index.ts';
import { waitFor } from '../helpers/wait-for.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 11 });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.admin.reset();
});

function client(overrides: Partial<FalconClientOptions> = {}) {
  return createFalconClient({
    baseUrl: emulator.url,
    clientId: emulator.credentials.clientId,
    clientSecret: new Secret(emulator.credentials.clientSecret),
    retry: { baseDelayMs: 10, maxDelayMs: 50, maxRetries: 3, maxRateLimitRetries: 4, maxRetryAfterMs: 5_000 },
    ...overrides,
  });
}

/** Requests that reached the emulator for one operation. */
function arrived(operationId: string) {
  return emulator.admin.requests().filter((r) => r.operationId === operationId);
}

async function failure(promise: Promise<unknown>): Promise<FalconApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FalconApiError);
    return error as FalconApiError;
  }
  throw new Error('expected the call to fail');
}

describe('429 storms', () => {
  it('waits as X-Ratelimit-Retryafter says and succeeds, one request per 429 plus one', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'QueryDetects', status: 429, count: 2, retryAfterSeconds: 1 });
    const result = await c.call('QueryDetects', { limit: 1 });
    expect(result.status).toBe(200);
    const log = arrived('QueryDetects');
    expect(log.map((r) => r.status)).toEqual([429, 429, 200]);
    // Each retry arrived no earlier than the epoch second the 429 named (ceil(now) + 1 s).
    for (let i = 1; i < log.length; i++) {
      const previous = Date.parse(log[i - 1]?.at ?? '');
      expect(Date.parse(log[i]?.at ?? '')).toBeGreaterThanOrEqual((Math.ceil(previous / 1000) + 1) * 1000);
    }
    expect(c.stats().byOperation.QueryDetects).toMatchObject({ requests: 3, rateLimited: 2, retries: 2 });
  });

  it('retries a write after 429 too (a 429 was not processed) and writes once', async () => {
    const c = client();
    emulator.admin.injectFault({
      operationId: 'indicator_create_v1',
      status: 429,
      count: 1,
      retryAfterSeconds: 0,
    });
    const result = await c.call('ioc.indicator_create', {
      indicators: [
        {
          type: 'domain',
          value: 'storm.example.com',
          action: 'detect',
          severity: 'high',
          platforms: ['windows'],
          applied_globally: true,
        },
      ],
    });
    expect(result.status).toBe(201);
    expect(arrived('indicator_create_v1').map((r) => r.status)).toEqual([429, 201]);
    expect(emulator.admin.audit().filter((a) => a.operationId === 'indicator_create_v1')).toHaveLength(1);
  });

  it('gives up after maxRateLimitRetries with SOAR_FALCON_RATE_LIMITED and retryAfterMs', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'QueryDetects', status: 429, count: 50, retryAfterSeconds: 0 });
    const error = await failure(c.call('QueryDetects', {}));
    expect(error.code).toBe('SOAR_FALCON_RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).not.toBeNull();
    expect(arrived('QueryDetects')).toHaveLength(5);
  });

  it('does not wait out a Retryafter longer than maxRetryAfterMs', async () => {
    const c = client({ retry: { maxRetryAfterMs: 1_000 } });
    emulator.admin.injectFault({ operationId: 'QueryDetects', status: 429, count: 1, retryAfterSeconds: 30 });
    const error = await failure(c.call('QueryDetects', {}));
    expect(error.code).toBe('SOAR_FALCON_RATE_LIMITED');
    expect(error.retryAfterMs).toBeGreaterThan(1_000);
    expect(arrived('QueryDetects')).toHaveLength(1);
  });

  it('tells the shared budget: acquire before every request, penalize on each 429', async () => {
    const acquired: string[] = [];
    const penalties: number[] = [];
    const budget: RateBudget = {
      acquire: async (operationId) => {
        acquired.push(operationId);
      },
      penalize: async (ms) => {
        penalties.push(ms);
      },
    };
    const c = client({ budget });
    emulator.admin.injectFault({
      operationId: 'QueryIncidents',
      status: 429,
      count: 2,
      retryAfterSeconds: 0,
    });
    await c.call('incidents.query_incidents', { limit: 5 });
    expect(acquired).toEqual(['QueryIncidents', 'QueryIncidents', 'QueryIncidents']);
    expect(penalties).toHaveLength(2);
    for (const ms of penalties) expect(ms).toBeLessThanOrEqual(1_000);
  });
});

describe('proactive pacing', () => {
  it('slows down as X-Ratelimit-Remaining runs low, before any 429', async () => {
    // A clock that records the pauses the client asks for and lets time jump instead of waiting.
    const pauses: number[] = [];
    let offset = 0;
    const clock: Clock = {
      now: () => Date.now() + offset,
      sleep: async (ms) => {
        pauses.push(ms);
        offset += ms;
      },
    };
    emulator.admin.setRateLimit(100);
    const c = client({ clock });
    try {
      for (let i = 0; i < 98; i++) await c.call('QueryDetects', { limit: 1 });
    } finally {
      emulator.admin.setRateLimit(6000);
    }
    expect(arrived('QueryDetects').filter((r) => r.status === 429)).toHaveLength(0);
    // 100/min leaves 600 ms per request; the client starts spacing when 5 or fewer remain.
    expect(pauses.length).toBeGreaterThanOrEqual(3);
    expect(pauses.filter((ms) => ms < 500 || ms > 5_000)).toEqual([]);
    expect(pauses).toEqual([...pauses].sort((a, b) => a - b));
  });
});

describe('5xx bursts', () => {
  it('retries an idempotent read (GET) through a burst of 503s', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'QueryDetects', status: 503, count: 2 });
    expect((await c.call('QueryDetects', {})).status).toBe(200);
    expect(arrived('QueryDetects').map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('retries the POST .../GET/v1 reads, which are reads', async () => {
    const c = client();
    const ids = (await c.call('QueryDetects', { limit: 2 })).resources;
    emulator.admin.injectFault({ operationId: 'GetDetectSummaries', status: 500, count: 2 });
    const result = await c.call('GetDetectSummaries', { ids });
    expect(result.resources).toHaveLength(ids.length);
    expect(arrived('GetDetectSummaries').map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('stops after maxRetries with SOAR_FALCON_HTTP_5XX carrying the trace id and API errors', async () => {
    const c = client();
    emulator.admin.injectFault({
      operationId: 'query_scans',
      status: 502,
      count: 20,
      message: 'bad gateway here',
    });
    const error = await failure(c.call('ods.query_scans', {}));
    expect(error.code).toBe('SOAR_FALCON_HTTP_5XX');
    expect(error.status).toBe(502);
    expect(error.attempts).toBe(4);
    expect(error.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.apiErrors[0]?.message).toBe('bad gateway here');
    expect(error.path).toBe('/ods/queries/scans/v1');
    expect(arrived('query_scans')).toHaveLength(4);
  });

  it('never retries a non-idempotent write on 5xx', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'PerformIncidentAction', status: 500, count: 5 });
    const error = await failure(c.call('PerformIncidentAction', { ids: ['inc:x:y'], update_status: '30' }));
    expect(error.code).toBe('SOAR_FALCON_HTTP_5XX');
    expect(arrived('PerformIncidentAction')).toHaveLength(1);
  });

  it('does not retry other 4xx', async () => {
    const c = client();
    emulator.admin.injectFault({
      operationId: 'QueryDetects',
      status: 400,
      count: 5,
      message: 'invalid filter',
    });
    const error = await failure(c.call('QueryDetects', { filter: 'x' }));
    expect(error.code).toBe('SOAR_FALCON_HTTP_4XX');
    expect(error.message).toContain('invalid filter');
    expect(arrived('QueryDetects')).toHaveLength(1);
  });
});

describe('tokens', () => {
  it('fetches one token for many concurrent callers', async () => {
    const c = client();
    await Promise.all(Array.from({ length: 12 }, () => c.call('QueryDetects', { limit: 1 })));
    expect(emulator.admin.requests().filter((r) => r.path === '/oauth2/token')).toHaveLength(1);
    expect(c.stats().tokenRequests).toBe(1);
  });

  it('renews once after the token expires mid-run and carries on', async () => {
    const c = client();
    await c.call('QueryDetects', { limit: 1 });
    expect(emulator.admin.expireTokens()).toBeGreaterThan(0);
    await Promise.all(Array.from({ length: 5 }, () => c.call('QueryDetects', { limit: 1 })));
    const tokenCalls = emulator.admin.requests().filter((r) => r.path === '/oauth2/token');
    expect(tokenCalls).toHaveLength(2);
    expect(arrived('QueryDetects').filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
    expect(arrived('QueryDetects').filter((r) => r.status === 200)).toHaveLength(6);
  });

  it('renews before expiry with a short-lived token instead of hitting 401', async () => {
    const short = await startEmulator({ port: 0, seed: 3, tokenTtlSeconds: 2 });
    try {
      const c = createFalconClient({
        baseUrl: short.url,
        clientId: short.credentials.clientId,
        clientSecret: new Secret(short.credentials.clientSecret),
        renewWindowMs: 1_500,
      });
      await c.call('QueryDetects', { limit: 1 });
      // Half the 2 s lifetime is the renew window: wait until the client must renew.
      const renewAt = Date.now() + 1_100;
      await waitFor(() => Date.now() >= renewAt, 5_000, 'the renew window');
      await c.call('QueryDetects', { limit: 1 });
      const log = short.admin.requests();
      expect(log.filter((r) => r.path === '/oauth2/token')).toHaveLength(2);
      expect(log.filter((r) => r.status === 401)).toHaveLength(0);
    } finally {
      await short.close();
    }
  });

  it('reports bad credentials as SOAR_FALCON_AUTH without retrying', async () => {
    const c = client({ clientSecret: new Secret('definitely-wrong-secret') });
    const error = await failure(c.call('QueryDetects', {}));
    expect(error.code).toBe('SOAR_FALCON_AUTH');
    expect(error.path).toBe('/oauth2/token');
    expect(emulator.admin.requests().filter((r) => r.path === '/oauth2/token')).toHaveLength(1);
    expect(arrived('QueryDetects')).toHaveLength(0);
  });

  it('sends member_cid when configured', async () => {
    const c = client({ memberCid: emulator.admin.info().cid });
    await c.call('QueryDetects', { limit: 1 });
    const token = emulator.admin.requests().find((r) => r.path === '/oauth2/token');
    expect(token?.body).toMatchObject({ member_cid: emulator.admin.info().cid });
  });
});

describe('timeouts and dropped connections', () => {
  it('retries a read that timed out, then succeeds', async () => {
    const c = client({ timeoutMs: 300 });
    emulator.admin.injectFault({ operationId: 'QueryDetects', latencyMs: 1_500, count: 1 });
    expect((await c.call('QueryDetects', { limit: 1 })).status).toBe(200);
    expect(c.stats().byOperation.QueryDetects).toMatchObject({ requests: 2, retries: 1 });
  });

  it('surfaces SOAR_FALCON_TIMEOUT when every attempt times out', async () => {
    const c = client({ timeoutMs: 200, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 } });
    emulator.admin.injectFault({ operationId: 'QueryDetects', latencyMs: 1_000, count: 5 });
    const error = await failure(c.call('QueryDetects', {}));
    expect(error.code).toBe('SOAR_FALCON_TIMEOUT');
    expect(error.attempts).toBe(2);
  });

  it('does not resend a write whose connection dropped (it may have been applied)', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'UpdateDetectsByIdsV2', dropConnection: true, count: 3 });
    const error = await failure(c.call('UpdateDetectsByIdsV2', { ids: ['ldt:x:1'], status: 'in_progress' }));
    expect(error.code).toBe('SOAR_FALCON_NETWORK');
    expect(c.stats().byOperation.UpdateDetectsByIdsV2?.requests).toBe(1);
  });

  it('retries a read whose connection dropped', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'QueryIncidents', dropConnection: true, count: 2 });
    expect((await c.call('QueryIncidents', {})).status).toBe(200);
    expect(c.stats().byOperation.QueryIncidents?.requests).toBe(3);
  });

  it('stops at once when the caller aborts', async () => {
    const c = client();
    emulator.admin.injectFault({ operationId: 'QueryDetects', latencyMs: 2_000, count: 1 });
    const controller = new AbortController();
    const pending = c.call('QueryDetects', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.code).toBe('SOAR_FALCON_ABORTED');
  });

  it('reports an unreachable API as SOAR_FALCON_NETWORK', async () => {
    const c = createFalconClient({
      baseUrl: 'http://127.0.0.1:1',
      clientId: 'x',
      clientSecret: new Secret('unreachable-secret'),
      retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 },
    });
    const error = await failure(c.call('QueryDetects', {}));
    expect(error.code).toBe('SOAR_FALCON_NETWORK');
    expect(error.path).toBe('/oauth2/token');
  });
});
