/**
 * Proves that neither the client secret nor a bearer token reaches a thrown error (JSON, inspect,
 * message, stack) or a log line, across every failure path the client has: token refused, 401 twice,
 * 403, 4xx, 429 exhausted, 5xx, timeout, dropped connection, unreachable host, abort, bad params.
 */
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient, type FalconClientOptions } from '../../src/falcon/index.ts';
import { createLogger, Secret } from '../../src/shared/index.ts';

const CLIENT_ID = 'secrets-test-client';
const CLIENT_SECRET = 'Zq9-very-private-client-secret-77xK';
/** Emulator tokens are 64 hex characters (src/emulator/auth.ts). */
const TOKEN_SHAPE = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/;

let emulator: RunningEmulator;
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: 5,
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: '*' },
      { clientId: 'reader', clientSecret: 'reader-secret-value-123', scopes: ['detects:read'] },
    ],
  });
});

afterAll(async () => {
  await emulator.close();
});

function client(overrides: Partial<FalconClientOptions> = {}) {
  return createFalconClient({
    baseUrl: emulator.url,
    clientId: CLIENT_ID,
    clientSecret: new Secret(CLIENT_SECRET),
    logger: createLogger({ level: 'debug', destination: sink }),
    timeoutMs: 300,
    retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10, maxRateLimitRetries: 1 },
    ...overrides,
  });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function renderings(error: unknown): string[] {
  const e = error as Error;
  return [
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true }),
    String(error),
    e.message,
    e.stack ?? '',
    JSON.stringify((error as { details?: unknown }).details ?? null),
  ];
}

describe('no secret or token in errors and logs', () => {
  it('keeps them out of every failure path', async () => {
    const errors: unknown[] = [];
    const ok = client();
    await ok.call('QueryDetects', { limit: 1 });

    errors.push(
      await caught(client({ clientSecret: new Secret(`${CLIENT_SECRET}-wrong`) }).call('QueryDetects', {})),
    );
    emulator.admin.injectFault({ operationId: 'QueryDetects', status: 401, count: 2 });
    errors.push(await caught(ok.call('QueryDetects', {})));
    errors.push(
      await caught(
        createFalconClient({
          baseUrl: emulator.url,
          clientId: 'reader',
          clientSecret: new Secret('reader-secret-value-123'),
          logger: createLogger({ level: 'debug', destination: sink }),
        }).call('indicator_create_v1', { indicators: [{ type: 'domain', value: 'a.example.com' }] }),
      ),
    );
    emulator.admin.injectFault({
      operationId: 'QueryIncidents',
      status: 400,
      count: 1,
      message: 'bad filter',
    });
    errors.push(await caught(ok.call('QueryIncidents', { filter: "name:'x'" })));
    emulator.admin.injectFault({
      operationId: 'QueryIncidents',
      status: 429,
      count: 2,
      retryAfterSeconds: 0,
    });
    errors.push(await caught(ok.call('QueryIncidents', {})));
    emulator.admin.injectFault({ operationId: 'query_scans', status: 500, count: 2 });
    errors.push(await caught(ok.call('query_scans', {})));
    emulator.admin.injectFault({ operationId: 'QueryDetects', latencyMs: 1_000, count: 2 });
    errors.push(await caught(ok.call('QueryDetects', {})));
    emulator.admin.injectFault({ operationId: 'QueryDetects', dropConnection: true, count: 2 });
    errors.push(await caught(ok.call('QueryDetects', {})));
    errors.push(await caught(client({ baseUrl: 'http://127.0.0.1:1' }).call('QueryDetects', {})));
    const controller = new AbortController();
    controller.abort();
    errors.push(await caught(ok.call('QueryDetects', {}, { signal: controller.signal })));
    errors.push(await caught(ok.call('GetDetectSummaries', { ids: [] })));
    errors.push(await caught(ok.call('no_such_operation', {})));
    emulator.admin.clearFaults();

    const codes = errors.map((e) => (e as { code?: string }).code);
    expect(codes).toEqual([
      'SOAR_FALCON_AUTH',
      'SOAR_FALCON_AUTH',
      'SOAR_FALCON_FORBIDDEN',
      'SOAR_FALCON_HTTP_4XX',
      'SOAR_FALCON_RATE_LIMITED',
      'SOAR_FALCON_HTTP_5XX',
      'SOAR_FALCON_TIMEOUT',
      'SOAR_FALCON_NETWORK',
      'SOAR_FALCON_NETWORK',
      'SOAR_FALCON_ABORTED',
      'SOAR_FALCON_BAD_PARAMS',
      'SOAR_FALCON_UNKNOWN_OPERATION',
    ]);
    for (const error of errors) {
      for (const text of renderings(error)) {
        expect(text).not.toContain(CLIENT_SECRET);
        expect(text).not.toContain('reader-secret-value-123');
        expect(text).not.toMatch(/bearer/i);
        expect(text).not.toMatch(TOKEN_SHAPE);
      }
    }
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      expect(line).not.toContain(CLIENT_SECRET);
      expect(line).not.toMatch(/bearer/i);
      expect(line).not.toMatch(TOKEN_SHAPE);
    }
    // The log lines carry what an operator needs.
    const request = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'falcon request');
    expect(request).toMatchObject({
      operationId: 'QueryDetects',
      method: 'GET',
      route: '/detects/queries/detects/v1',
      status: 200,
    });
    expect(typeof request?.durationMs).toBe('number');
    expect(typeof request?.traceId).toBe('string');
  });
});
