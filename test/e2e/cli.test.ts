/**
 * The `talon` commands as a user runs them (child processes of bin/talon.mjs), against the emulator
 * and the test Redis: run (enqueue and follow), run --dry-run, runs list/show, and serve receiving a
 * signed webhook that a worker then runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunWorker } from '../../src/queue/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { webhookHeaders } from '../../src/triggers/index.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorld, startWorldWorker, type World } from './world.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789';
const TOKENS_FILE = join(mkdtempSync(join(tmpdir(), 'talon-e2e-')), 'tokens.json');
let world: World;
let worker: RunWorker;

function env(): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    REDIS_URL: testRedisUrl(),
    FALCON_CLOUD: world.emulator.url,
    FALCON_CLIENT_ID: world.falcon.clientId,
    FALCON_CLIENT_SECRET: world.falcon.clientSecret.reveal(),
    TALON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TALON_TOKENS_FILE: TOKENS_FILE,
    TALON_JOB_SIGNING_KEY: world.signingKey.reveal(),
    TALON_LOG_LEVEL: 'warn',
    TALON_IDP_RULE_OWNER: 'alice-soc',
  };
}

interface Talon {
  child: ChildProcess;
  output(): string;
  done: Promise<{ code: number | null; out: string; err: string }>;
}

function talon(args: string[]): Talon {
  const child = spawn(process.execPath, ['bin/talon.mjs', ...args], {
    cwd: ROOT,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolveDone) =>
    child.once('exit', (code) => resolveDone({ code, out, err })),
  );
  return { child, output: () => out + err, done };
}

/** Host ids a filter finds in the world, as Falcon sorts them by hostname. */
async function fetchIds(filter: string): Promise<string[]> {
  const falcon = clientFor(world.emulator);
  return (await falcon.call('QueryDevicesByFilter', { filter, limit: 5, sort: 'hostname.asc' }))
    .resources as string[];
}

beforeAll(async () => {
  world = await startWorld({ seed: 9 });
  worker = startWorldWorker(world);
});
afterAll(async () => {
  await worker?.close(5000);
  await world?.close();
});
beforeEach(() => world.emulator.admin.reset());

// Each command is a fresh node + tsx process: allow for a slow, busy machine.
describe('talon CLI', { timeout: 120_000 }, () => {
  it('run enqueues, shows each step as it finishes, and exits 0; runs list/show read it back', async () => {
    const run = await talon([
      'run',
      'playbooks/triage-critical-detections.yaml',
      '--prefix',
      world.prefix,
      '-i',
      'min_severity=90',
    ]).done;
    expect(run.err).not.toContain(world.falcon.clientSecret.reveal());
    expect(run.code).toBe(0);
    const runId = /enqueued (run-[a-z0-9-]+)/.exec(run.out)?.[1];
    expect(runId).toBeDefined();
    expect(run.out).toMatch(/✓ find\s+succeeded/);
    expect(run.out).toMatch(/✓ triage\s+succeeded.*targets/);
    expect(run.out).toMatch(/status {4}succeeded/);
    expect(world.emulator.admin.audit().some((e) => e.operationId === 'UpdateDetectsByIdsV2')).toBe(true);

    const list = await talon(['runs', 'list', '--prefix', world.prefix]).done;
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${runId}\\s+triage-critical-detections\\s+succeeded\\s+manual`));

    const show = await talon(['runs', 'show', runId ?? '', '--prefix', world.prefix]).done;
    expect(show.code).toBe(0);
    expect(show.out).toContain('inputs    {"min_severity":90}');
    expect(show.out).toMatch(/api calls \d+/);
    expect(show.out).toMatch(/queue {5}completed/);

    const missing = await talon(['runs', 'show', 'run-nope', '--prefix', world.prefix]).done;
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('SOAR_QUEUE_RUN_NOT_FOUND');
  });

  it('run --dry-run performs the reads, prints the writes it would make, and writes nothing', async () => {
    const dry = await talon(['run', 'playbooks/triage-critical-detections.yaml', '--dry-run']).done;
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: nothing was written');
    expect(dry.out).toMatch(/triage: detects\.update_detects_by_ids \(UpdateDetectsByIdsV2\) on \d+ target/);
    expect(dry.out).toMatch(/request 1: PATCH \/detects\/entities\/detects\/v2\n/);
    expect(world.emulator.admin.audit()).toEqual([]);
    expect(world.emulator.admin.stats().requests).toBeGreaterThan(0);
  });

  it('run --local gives expressions the environment variables a playbook allows under env:', async () => {
    const run = await talon(['run', 'playbooks/identity-mfa-guard.yaml', '--local']).done;
    expect(run.code).toBe(0);
    expect(run.err).toContain('owner alice-soc');
    expect(run.out + run.err).not.toContain(world.falcon.clientSecret.reveal());
  });

  it('call QueryDevicesByFilter -p limit=5 --emulator prints five host ids', async () => {
    const call = await talon(['call', 'QueryDevicesByFilter', '-p', 'limit=5', '--emulator']).done;
    expect(call.code).toBe(0);
    const answer = JSON.parse(call.out.slice(call.out.indexOf('{'))) as { resources: string[] };
    expect(answer.resources).toHaveLength(5);
    for (const id of answer.resources) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('run contains hosts through the queue, lists them in a dry run, and refuses protected ones', async () => {
    const fixture = 'test/e2e/fixtures/contain-hosts.yaml';
    const linux = await fetchIds("platform_name:'Linux'");
    expect(linux.length).toBeGreaterThan(0);
    const dry = await talon(['run', fixture, '--dry-run']).done;
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`response containment on ${linux.length} host(s)`);
    for (const id of linux) expect(dry.out).toMatch(new RegExp(`${id}  srv-\\d{4}`));
    expect(world.emulator.admin.audit()).toEqual([]);

    const run = await talon(['run', fixture, '--prefix', world.prefix]).done;
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/✓ contain\s+succeeded/);
    const contained = world.emulator.admin.audit().filter((e) => e.action === 'contain');
    expect(contained.flatMap((e) => e.ids).sort()).toEqual([...linux].sort());

    const refused = await talon([
      'run',
      fixture,
      '--prefix',
      world.prefix,
      '-i',
      "filter=product_type_desc:'Domain Controller'",
    ]).done;
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toContain('SOAR_ENGINE_PROTECTED_HOST');
    expect(world.emulator.admin.audit().filter((e) => e.action === 'contain')).toHaveLength(contained.length);
  });

  it('serve refuses a bad --port with exit code 2 instead of hanging on an open connection', async () => {
    const bad = await talon(['serve', '--port', 'abc']).done;
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--port must be 0..65535');
  });

  it('run refuses a bad input before enqueueing anything', async () => {
    const before = await world.talon.records.list({ limit: 100 });
    const bad = await talon([
      'run',
      'playbooks/triage-critical-detections.yaml',
      '--prefix',
      world.prefix,
      '-i',
      'min_severity=high',
    ]).done;
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('SOAR_ENGINE_INPUT_INVALID');
    expect(bad.err).toContain('min_severity');
    expect((await world.talon.records.list({ limit: 100 })).length).toBe(before.length);
  });

  it('serve takes a signed webhook (202 + run id), a worker runs it, and SIGTERM stops the server', async () => {
    const serve = talon(['serve', '--port', '0', '--prefix', world.prefix]);
    const url = await waitFor(
      () => /talon serve: (http:\/\/[\d.:]+)/.exec(serve.output())?.[1],
      60_000,
      'the server to listen',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; output:\n${serve.output()}`);
    });
    const body = JSON.stringify({ sha256: 'ef'.repeat(32), reason: 'cli e2e' });
    const response = await fetch(`${url}/hooks/block-hash`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...webhookHeaders(new Secret(WEBHOOK_SECRET), {
          path: 'block-hash',
          deliveryId: `e2e-${Date.now()}`,
          body,
          timestampSec: Math.floor(Date.now() / 1000),
        }),
      },
      body,
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    await waitFor(
      async () => (await world.talon.records.get(runId))?.status === 'succeeded',
      20_000,
      'webhook run',
    );
    const iocs = world.emulator.admin.audit().filter((e) => e.operationId === 'indicator_create_v1');
    expect(iocs.length).toBe(1);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const created = await talon(['tokens', 'create', 'e2e-prometheus', '--role', 'scrape']).done;
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^talon_[0-9a-f]{12}_/);
    const listed = await talon(['tokens', 'list']).done;
    expect(listed.out).toMatch(/scrape\s+\S+\s+e2e-prometheus/);
    expect(listed.out).not.toContain(token);
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    expect(metrics).toMatch(/talon_runs_total\{status="succeeded"\} [1-9]/);
    expect(metrics).toMatch(/talon_falcon_api_calls_total [1-9]/);
    const id = /^([0-9a-f]{12})/m.exec(listed.out)?.[1] ?? '';
    expect((await talon(['tokens', 'revoke', id]).done).code).toBe(0);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    serve.child.kill('SIGTERM');
    expect((await serve.done).code).toBe(0);
  });

  it('demo starts its own redis-server and emulator, runs the headline playbook, summarises, exits 0', async () => {
    const child = spawn(process.execPath, ['bin/talon.mjs', 'demo'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).toBe(0);
    expect(out).toContain('started for the demo');
    expect(out).toMatch(/✓ block\s+succeeded/);
    expect(out).toMatch(/detections triaged +[1-9]\d*/);
    expect(out).toMatch(/incidents tagged +[1-9]\d*/);
    expect(out).toMatch(/IOCs created +[1-9]\d*/);
    expect(out).toMatch(/API calls +\d+ \(emulator\)/);
  });
});
