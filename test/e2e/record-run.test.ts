/**
 * `talon test --record <run-id>`: runs executed by a real worker against the emulator (real Redis)
 * become test files that `talon test` passes at once and fails when the playbook changes behaviour.
 * The CLI runs as a child process (bin/talon.mjs), as an operator would run it.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { loadPlaybookFile } from '../../src/playbook/index.ts';
import { RECORDING_MAX_BYTES, type RunTrigger, type RunWorker } from '../../src/queue/index.ts';
import { criticalAlertPayload } from '../helpers/critical-alert.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { runTalon, type TalonExit } from '../helpers/talon-cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { PLAYBOOK_DIR, startWorld, startWorldWorker, type World } from './world.ts';

// The seed of the world the runs meet; the recorded test world uses the same one (--seed).
const SEED = 42;
const WEBHOOK_SECRET = 'record-webhook-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'talon-record-'));
let world: World;
let worker: RunWorker;

function talon(args: string[]): Promise<TalonExit> {
  return runTalon(args, {
    REDIS_URL: testRedisUrl(),
    TALON_WEBHOOK_SECRET: WEBHOOK_SECRET,
    TALON_JOB_SIGNING_KEY: world.signingKey.reveal(),
    TALON_LOG_LEVEL: 'warn',
  });
}

/** A copy of an example playbook in the scratch directory (the test edits it). */
async function copyOf(name: string): Promise<{ path: string; plan: CompiledPlaybook }> {
  const path = join(dir, `${name}.yaml`);
  copyFileSync(join(PLAYBOOK_DIR, `${name}.yaml`), path);
  const loaded = await loadPlaybookFile(path);
  if (!loaded.playbook) throw new Error(`${name} does not compile`);
  return { path, plan: loaded.playbook };
}

async function runToEnd(plan: CompiledPlaybook, trigger: RunTrigger, inputs = {}): Promise<string> {
  const { runId } = await world.talon.enqueue({ plan, inputs, trigger });
  await waitFor(
    async () => ['succeeded', 'failed'].includes((await world.talon.records.status(runId)) ?? ''),
    20_000,
    `run ${runId} to finish`,
  );
  return runId;
}

beforeAll(async () => {
  world = await startWorld({ seed: SEED });
  worker = startWorldWorker(world);
});

afterAll(async () => {
  await worker?.close(1000);
  await world?.close();
});

describe('talon test --record', () => {
  it('records a webhook run that contained a host: the test passes, and fails once the playbook changes', async () => {
    const { path, plan } = await copyOf('contain-critical-alert-host');
    const body = await criticalAlertPayload(clientFor(world.emulator));
    const runId = await runToEnd(plan, {
      type: 'webhook',
      at: Date.now(),
      source: 'contain-critical-alert',
      data: body,
    });
    expect(await world.talon.records.status(runId)).toBe('succeeded');
    // The recording lives in the run's record hash, within its bound, with the webhook body.
    const recordings = await world.talon.records.recordings(runId);
    expect(recordings.map((r) => r.trigger)).toEqual([{ type: 'webhook', data: body }]);
    const size = JSON.stringify(recordings).length;
    console.log(`recording of ${runId}: ${size} bytes`);
    expect(size).toBeLessThan(RECORDING_MAX_BYTES);

    const recorded = await talon([
      'test',
      '--record',
      runId,
      '--prefix',
      world.prefix,
      '--seed',
      String(SEED),
    ]);
    expect(recorded.err).toBe('');
    expect(recorded.code).toBe(0);
    const file = join(dir, `contain-critical-alert-host.${runId}.test.yaml`);
    expect(recorded.out).toContain(`recorded run ${runId} as`);
    const text = readFileSync(file, 'utf8');
    // The world is what the run read; the expectations are what it did.
    expect(text).toContain(body.composite_id);
    expect(text).toMatch(/operation: hosts\.perform_action/);
    for (const secret of [WEBHOOK_SECRET, world.signingKey.reveal(), world.falcon.clientSecret.reveal()])
      expect(text).not.toContain(secret);

    const passing = await talon(['test', file]);
    expect(passing.out).toContain('1 passed, 0 failed');
    expect(passing.code).toBe(0);

    // Behaviour change: the playbook now contains only at severity 99 and up.
    writeFileSync(path, readFileSync(path, 'utf8').replace('severity >= 90', 'severity >= 99'));
    const failing = await talon(['test', file]);
    expect(failing.code).toBe(1);
    expect(failing.out).toMatch(/steps\.contain: expected succeeded, got skipped/);
    expect(failing.out).toMatch(/writes: expected hosts\.perform_action, but it was not called/);
  }, 60_000);

  it('records a run whose write comment names the run, and says that field is not compared', async () => {
    const { plan } = await copyOf('webhook-block-hash');
    const sha = 'ef'.repeat(32);
    const runId = await runToEnd(plan, {
      type: 'webhook',
      at: Date.now(),
      source: 'block-hash',
      data: { sha256: sha.toUpperCase(), reason: 'seen in phishing mail' },
    });
    const out = join(dir, 'block.recorded.test.yaml');
    const recorded = await talon(['test', '--record', runId, '--prefix', world.prefix, '--out', out]);
    expect(recorded.err).toBe('');
    expect(recorded.out).toContain('ioc.indicator_create params.comment names the recorded run');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain(sha);
    expect(text).not.toContain(`run ${runId}"`);
    expect(text).toMatch(/indicators:\n\s+- type: sha256\n\s+value: e{1}f/);
    expect((await talon(['test', out])).code).toBe(0);
  }, 60_000);

  it('records a failed run: its failure and the writes it did not make are the expectations', async () => {
    const { plan } = await copyOf('webhook-block-hash');
    const runId = await runToEnd(plan, {
      type: 'webhook',
      at: Date.now(),
      source: 'block-hash',
      data: { md5: '0123456789abcdef0123456789abcdef' },
    });
    expect(await world.talon.records.status(runId)).toBe('failed');
    const out = join(dir, 'block.failed.test.yaml');
    const recorded = await talon(['test', '--record', runId, '--prefix', world.prefix, '--out', out]);
    expect(recorded.err).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/status: failed\n\s+steps:\n\s+check: failed/);
    expect(text).toMatch(/no_writes:\n\s+- ioc\.indicator_create/);
    expect((await talon(['test', out])).code).toBe(0);
  }, 60_000);

  it('says clearly when the run does not exist, and writes nothing', async () => {
    const result = await talon(['test', '--record', 'no-such-run-0001', '--prefix', world.prefix]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'error SOAR_QUEUE_RUN_NOT_FOUND: no run "no-such-run-0001" in this deployment',
    );
    expect(existsSync(join(dir, 'contain-critical-alert-host.no-such-run-0001.test.yaml'))).toBe(false);
  }, 30_000);
});
