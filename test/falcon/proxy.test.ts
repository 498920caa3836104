/**
 * Falcon calls through a corporate proxy (HTTPS_PROXY / HTTP_PROXY, NO_PROXY), and the rule that a
 * FALCON_CLOUD URL may be plain http only on loopback. The proxy here is a real forward proxy on a
 * local port that relays each request it is sent and counts them.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, proxyFor, readProxySettings, resolveFalconBaseUrl } from '../../src/config/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { ConfigError, Secret } from '../../src/shared/index.ts';
import { clientFor } from '../helpers/falcon.ts';

let emulator: RunningEmulator;
let proxy: Server;
let proxyUrl: string;
const relayed: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 3 });
  // Like a corporate proxy: a CONNECT tunnel per connection (the agent tunnels http and https alike).
  proxy = createServer((_incoming, outgoing) => outgoing.writeHead(405).end());
  proxy.on('connect', (request, client, head) => {
    relayed.push(`CONNECT ${request.url}`);
    const [host = '', port = ''] = (request.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await emulator.close();
});

describe('Falcon calls through a proxy', () => {
  it('tunnels the token request and the API calls through the proxy when one is set', async () => {
    relayed.length = 0;
    const client = clientFor(emulator, { proxy: new Secret(proxyUrl) });
    const result = await client.call('detects.query_detects', { limit: 2 });
    expect(result.resources.length).toBe(2);
    // Every connection to the emulator went through the proxy (keep-alive may reuse one).
    const target = new URL(emulator.url).host;
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.every((r) => r === `CONNECT ${target}`)).toBe(true);
  });

  it('connects directly without one', async () => {
    relayed.length = 0;
    const client = clientFor(emulator);
    await client.call('detects.query_detects', { limit: 1 });
    expect(relayed).toEqual([]);
  });

  it('loadConfig picks HTTPS_PROXY for a cloud and NO_PROXY bypasses it', () => {
    const base = {
      FALCON_CLIENT_ID: '0123456789abcdef0123456789abcdef',
      FALCON_CLIENT_SECRET: 'secret-value',
    };
    const proxied = loadConfig({
      ...base,
      FALCON_CLOUD: 'eu-1',
      HTTPS_PROXY: 'http://user:pw@proxy.corp:3128',
    });
    expect(proxied.falcon?.proxy?.reveal()).toBe('http://user:pw@proxy.corp:3128');
    expect(JSON.stringify(proxied)).not.toContain('user:pw');
    const lower = loadConfig({ ...base, FALCON_CLOUD: 'eu-1', https_proxy: 'http://proxy.corp:3128' });
    expect(lower.falcon?.proxy?.reveal()).toBe('http://proxy.corp:3128');
    const bypassed = loadConfig({
      ...base,
      FALCON_CLOUD: 'eu-1',
      HTTPS_PROXY: 'http://proxy.corp:3128',
      NO_PROXY: 'localhost,.crowdstrike.com',
    });
    expect(bypassed.falcon?.proxy).toBeNull();
  });

  it.each([
    ['https://api.crowdstrike.com', 'crowdstrike.com', true],
    ['https://api.crowdstrike.com', '.crowdstrike.com', true],
    ['https://api.crowdstrike.com', 'api.crowdstrike.com:443', true],
    ['https://api.crowdstrike.com', 'api.crowdstrike.com:8443', false],
    ['https://api.crowdstrike.com', 'strike.com', false],
    ['https://api.crowdstrike.com', '*', true],
    ['http://[::1]:8081', '::1', true],
    ['https://api.eu-1.crowdstrike.com', 'other.example, api.eu-1.crowdstrike.com', true],
  ])('NO_PROXY for %s with "%s" bypasses: %s', (target, noProxy, bypass) => {
    const settings = readProxySettings({ https: 'http://proxy:1', http: 'http://proxy:1', noProxy }, []);
    expect(proxyFor(target, settings) === null).toBe(bypass);
  });

  it('refuses a malformed proxy URL with a clear message', () => {
    const problems: string[] = [];
    readProxySettings({ https: 'proxy.corp:3128' }, problems);
    expect(problems).toEqual([
      expect.stringMatching(/HTTPS_PROXY must be an http:\/\/ or https:\/\/ proxy URL/),
    ]);
  });
});

describe('FALCON_CLOUD over plain http', () => {
  it.each([
    ['http://127.0.0.1:8081', true],
    ['http://localhost:8081', true],
    ['http://[::1]:8081', true],
    ['https://falcon.example', true],
    ['http://falcon.example', false],
    ['http://10.0.0.5:8081', false],
    ['http://127.example.com', false],
  ])('%s is allowed: %s', (url, allowed) => {
    expect(resolveFalconBaseUrl(url) !== null).toBe(allowed);
  });

  it('says why a non-loopback http URL is refused', () => {
    const error = (() => {
      try {
        loadConfig({
          FALCON_CLIENT_ID: '0123456789abcdef0123456789abcdef',
          FALCON_CLIENT_SECRET: 'secret-value',
          FALCON_CLOUD: 'http://falcon.internal:8081',
        });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/plain http only for a loopback address/);
  });
});
