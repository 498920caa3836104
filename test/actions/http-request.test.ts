/**
 * http.request over real local HTTP servers: methods, query, bodies, auth from named secrets, JSON
 * answers, retries only for idempotent methods, and the guards: SSRF (checked on the resolved
 * address), the host allow list, redirects to other hosts, oversized answers, timeouts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionRunner, internalAddressReason } from '../../src/actions/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { call, rejection, runnerWith, secret } from './actions-world.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let base = '';
let otherBase = '';
const seen: Seen[] = [];
const hits = new Map<string, number>();
const servers: ReturnType<typeof createServer>[] = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  if (path === '/json')
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: true, echo: body }));
  if (path === '/echo-auth')
    return void res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`you sent ${req.headers.authorization ?? req.headers['x-api-key']}`);
  if (path === '/echo-auth-404')
    return void res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`you sent ${req.headers.authorization}`);
  if (path === '/flaky') {
    const n = hits.get(path) ?? 0;
    return void (n < 3 ? res.writeHead(503).end('busy') : res.writeHead(200).end('fine'));
  }
  if (path === '/same-host-redirect') return void res.writeHead(302, { location: '/json' }).end();
  if (path === '/other-host-redirect')
    return void res.writeHead(302, { location: `${otherBase.replace('127.0.0.1', 'localhost')}/json` }).end();
  if (path === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
  if (path === '/big-chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
    return void res.end();
  }
  if (path === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 2000);
  if (path === '/missing')
    return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such thing"}');
  res.writeHead(200).end('plain');
}

async function listen(): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      route(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  base = await listen();
  otherBase = await listen();
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const TOKEN = 'tok-7f3a9c1e5b';

describe('http.request', () => {
  it('sends method, query, JSON body and bearer auth from a named secret; parses a JSON answer', async () => {
    const runner = runnerWith({ API_TOKEN: TOKEN });
    const output = (await runner.run(
      'http.request',
      {
        method: 'POST',
        url: `${base}/json`,
        query: { host: 'h-1', tag: ['a', 'b'] },
        headers: { 'X-Request-Source': 'talon' },
        json: { action: 'contain' },
        auth: { bearer: secret('API_TOKEN') },
      },
      call,
    )) as { status: number; ok: boolean; body: { ok: boolean; echo: string } };
    expect(output.status).toBe(200);
    expect(output.body).toEqual({ ok: true, echo: '{"action":"contain"}' });
    const request = seen.at(-1) as Seen;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/json?host=h-1&tag=a&tag=b');
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-request-source']).toBe('talon');
  });

  it('sends a form body with basic auth, and header auth', async () => {
    const runner = runnerWith({ PW: 'pw-123456', KEY: 'key-abcdef' });
    await runner.run(
      'http.request',
      {
        method: 'PUT',
        url: `${base}/form`,
        form: { a: '1', b: 'two words' },
        auth: { basic: { username: 'svc', password: secret('PW') } },
      },
      call,
    );
    const form = seen.at(-1) as Seen;
    expect(form.body).toBe('a=1&b=two+words');
    expect(form.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw-123456').toString('base64')}`);
    await runner.run(
      'http.request',
      { url: `${base}/plain`, auth: { header: 'X-Api-Key', value: secret('KEY') } },
      call,
    );
    expect(seen.at(-1)?.headers['x-api-key']).toBe('key-abcdef');
  });

  it('keeps a secret the service echoes back out of the output', async () => {
    const runner = runnerWith({ API_TOKEN: TOKEN });
    const output = (await runner.run(
      'http.request',
      { url: `${base}/echo-auth`, auth: { bearer: secret('API_TOKEN') } },
      call,
    )) as {
      body: string;
    };
    expect(output.body).toBe('you sent Bearer [redacted]');
  });

  it('keeps a basic-auth header the service echoes back out of the output and of errors', async () => {
    const runner = runnerWith({ PW: 'pw-echoed-42' });
    const encoded = Buffer.from('svc:pw-echoed-42').toString('base64');
    const output = (await runner.run(
      'http.request',
      { url: `${base}/echo-auth`, auth: { basic: { username: 'svc', password: secret('PW') } } },
      call,
    )) as { body: string };
    expect(output.body).toBe('you sent Basic [redacted]');
    expect(JSON.stringify(output)).not.toContain(encoded);
    const error = await rejection(
      runner.run(
        'http.request',
        {
          url: `${base}/echo-auth-404`,
          auth: { basic: { username: 'svc', password: secret('PW') } },
        },
        call,
      ),
    );
    expect(error.code).toBe('SOAR_HTTP_STATUS');
    expect(error.message).toContain('answered 404: you sent Basic [redacted]');
    expect(error.message).not.toContain(encoded);
  });

  it('retries an idempotent GET on 503 and never a POST', async () => {
    const runner = runnerWith({});
    hits.set('/flaky', 0);
    const output = (await runner.run('http.request', { url: `${base}/flaky`, retries: 3 }, call)) as {
      status: number;
    };
    expect(output.status).toBe(200);
    expect(hits.get('/flaky')).toBe(3);
    hits.set('/flaky', 0);
    const error = await rejection(
      runner.run('http.request', { method: 'POST', url: `${base}/flaky`, retries: 3 }, call),
    );
    expect(error.code).toBe('SOAR_HTTP_STATUS');
    expect(error.retryable).toBe(false);
    expect(hits.get('/flaky')).toBe(1);
  });

  it('fails on an error status with the status, or hands it over with fail_on_status: false', async () => {
    const runner = runnerWith({});
    const error = await rejection(runner.run('http.request', { url: `${base}/missing?token=abc` }, call));
    expect(error.code).toBe('SOAR_HTTP_STATUS');
    expect(error.message).toBe(`http.request: GET ${base}/missing answered 404: {"error":"no such thing"}`);
    const output = (await runner.run(
      'http.request',
      { url: `${base}/missing`, fail_on_status: false },
      call,
    )) as { status: number; ok: boolean };
    expect(output).toMatchObject({ status: 404, ok: false });
  });

  it('follows a redirect within the same host', async () => {
    const output = (await runnerWith({}).run(
      'http.request',
      { url: `${base}/same-host-redirect` },
      call,
    )) as { url: string; status: number };
    expect(output.status).toBe(200);
    expect(output.url).toBe(`${base}/json`);
  });

  it('refuses a redirect to another host (SOAR_HTTP_REDIRECT_REFUSED) and does not call it', async () => {
    hits.set('/json', 0);
    const before = seen.length;
    const error = await rejection(
      runnerWith({}).run('http.request', { url: `${base}/other-host-redirect` }, call),
    );
    expect(error.code).toBe('SOAR_HTTP_REDIRECT_REFUSED');
    expect(error.message).toContain('redirected to another host');
    expect(seen.length).toBe(before + 1);
  });

  it('refuses an answer above max_response_bytes, declared or streamed (SOAR_HTTP_RESPONSE_TOO_LARGE)', async () => {
    const runner = runnerWith({});
    for (const path of ['/big', '/big-chunked']) {
      const error = await rejection(
        runner.run('http.request', { url: `${base}${path}`, max_response_bytes: 4096 }, call),
      );
      expect(error.code).toBe('SOAR_HTTP_RESPONSE_TOO_LARGE');
      expect(error.message).toContain('larger than 4096 bytes');
    }
  });

  it('times out (SOAR_HTTP_TIMEOUT)', async () => {
    const error = await rejection(
      runnerWith({}).run('http.request', { url: `${base}/slow`, timeout: '300ms', retries: 0 }, call),
    );
    expect(error.code).toBe('SOAR_HTTP_TIMEOUT');
  });

  it('refuses an Authorization header written in the step (auth must come from a named secret)', async () => {
    const error = await rejection(
      runnerWith({}).run(
        'http.request',
        { url: `${base}/x`, headers: { Authorization: 'Bearer abc' } },
        call,
      ),
    );
    expect(error.code).toBe('SOAR_ACTION_BAD_PARAM');
  });

  it('fails with SOAR_SECRET_MISSING for an undefined auth secret, before sending', async () => {
    const before = seen.length;
    const error = await rejection(
      runnerWith({}).run('http.request', { url: `${base}/x`, auth: { bearer: secret('NOPE') } }, call),
    );
    expect(error.code).toBe('SOAR_SECRET_MISSING');
    expect(seen.length).toBe(before);
  });
});

describe('the SSRF guard', () => {
  const guarded = (resolve?: (host: string) => Promise<{ address: string; family: number }[]>) =>
    createActionRunner({
      secrets: createSecretStore(readSecretSources({})),
      policy: { allowPrivate: false, allowHosts: null },
      http: { sleep: async () => {}, ...(resolve ? { resolve } : {}) },
    });

  it('refuses loopback, private and link-local addresses, literal or resolved, and sends nothing', async () => {
    const before = seen.length;
    for (const url of [
      `${base}/json`,
      'http://[::1]:9/x',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://[::ffff:127.0.0.1]:9/',
    ]) {
      const error = await rejection(guarded().run('http.request', { url }, call));
      expect(error.code, url).toBe('SOAR_HTTP_ADDRESS_BLOCKED');
      expect(error.message).toContain('TALON_HTTP_ALLOW_PRIVATE');
    }
    // A public-looking name whose DNS answer is internal is judged by the answer.
    const sneaky = guarded(async () => [{ address: '192.168.1.10', family: 4 }]);
    const error = await rejection(
      sneaky.run('http.request', { url: 'https://intranet.example.com/admin' }, call),
    );
    expect(error.code).toBe('SOAR_HTTP_ADDRESS_BLOCKED');
    expect(error.message).toContain('intranet.example.com resolves to 192.168.1.10');
    expect(seen.length).toBe(before);
  });

  it('reaches only allow-listed hosts when a list is set', async () => {
    const runner = runnerWith({}, { allowHosts: ['api.example.com', '*.corp.example'] });
    const error = await rejection(runner.run('http.request', { url: `${base}/json` }, call));
    expect(error.code).toBe('SOAR_HTTP_HOST_NOT_ALLOWED');
    const allowed = runnerWith({}, { allowHosts: ['127.0.0.1'] });
    expect(
      ((await allowed.run('http.request', { url: `${base}/json` }, call)) as { status: number }).status,
    ).toBe(200);
  });

  it('classifies addresses', () => {
    const internal = [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a9fe:a9fe',
    ];
    const external = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];
    expect(internal.filter((a) => internalAddressReason(a) === null)).toEqual([]);
    expect(external.filter((a) => internalAddressReason(a) !== null)).toEqual([]);
  });
});
