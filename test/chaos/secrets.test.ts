/**
 * Security: run a workload that exercises every path where a secret could leak (logins, token
 * revocation and expiry, 5xx read-backs, dropped connections, a run that fails on a Falcon error, a
 * SIGKILLed worker, good, bad and replayed webhooks), with every log at debug level, then grep
 * everything Talon wrote for the client secret, every access token it was issued (recorded by a
 * forwarding proxy in front of the emulator) and the webhook secret: worker and server logs, CLI
 * output, every Redis key of the deployment (run records, checkpoints, intents, BullMQ job data,
 * failure reasons), and errors thrown to a caller. Zero hits.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerChild } from '../../bench/lib/children.ts';
import { type BenchWorld, startBenchWorld } from '../../bench/lib/world.ts';
import { createFalconClient, type FalconClient } from '../../src/falcon/index.ts';
import { findFreePort } from '../../src/local/index.ts';
import { openTalonQueue, type TalonQueue } from '../../src/queue/index.ts';
import { Secret, serializeError } from '../../src/shared/index.ts';
import { signWebhook } from '../../src/triggers/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
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

function childEnv(): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    ...world.workerEnv({ FALCON_CLOUD: proxy.url, TALON_LOG_LEVEL: 'debug' }),
  };
}

beforeAll(async () => {
  world = await startBenchWorld(testRedisUrl(), { seed: 25, sizes: { detections: 400 } });
  proxy = await startTokenProxy(world.emulator.url);
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
});

afterAll(async () => {
  server?.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.kill9()));
  await talon?.close();
  await proxy?.close();
  await world?.close();
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
    const signature = signWebhook(secret, body, Math.floor(Date.now() / 1000));
    const post = (headers: Record<string, string>) =>
      fetch(`${serverUrl}/hooks/block-hash`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const accepted = await post({ 'x-talon-signature': signature });
    expect(accepted.status).toBe(202);
    const { runId } = (await accepted.json()) as { runId: string };
    expect((await post({ 'x-talon-signature': signature })).status).toBe(409);
    expect((await post({ 'x-talon-signature': signature.replace(/.$/, '0') })).status).toBe(401);
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
