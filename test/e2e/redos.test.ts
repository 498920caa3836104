// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Attack: a webhook body built to make a regex backtrack for hours. Services refuse to load a playbook
 * whose regex could do that; a plan that reaches a worker anyway (an old producer) fails its step
 * before the regex runs. Either way the run ends, and the worker is free for the next one.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaybooksForService } from '../../src/cli/commands/scheduler.ts';
import { resolveInputs } from '../../src/engine/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import type { RunWorker } from '../../src/queue/index.ts';
import { startTalonServer, type TalonServer } from '../../src/server/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { webhookHeaders, webhookRoutes } from '../../src/triggers/index.ts';
import { waitForRunStatus } from '../queue/fixtures.ts';
import { startWorld, startWorldWorker, type World } from './world.ts';

const secret = new Secret('redos-webhook-secret-0123456789');

function playbookSource(name: string, path: string, regex: string): string {
  return [
    `name: ${name}`,
    'triggers:',
    `  - webhook: { path: ${path}, secret_env: ${name.toUpperCase().replace(/-/g, '_')}_SECRET }`,
    'steps:',
    '  - id: check',
    '    uses: core.assert',
    `    with: { that: "\${{ $contains($string(trigger.text), /${regex}/) }}", message: no match }`,
  ].join('\n');
}

const SAFE = playbookSource('safe-hook', 'safe', '^\\\\d+$');
const UNSAFE = playbookSource('unsafe-hook', 'unsafe', '(\\\\w|\\\\d)+$');

function compiled(source: string): CompiledPlaybook {
  const { playbook } = compilePlaybookSource(source, 'inline.yaml');
  if (!playbook) throw new Error('test playbook does not compile');
  return playbook;
}

let world: World;
let worker: RunWorker;
let server: TalonServer;

beforeAll(async () => {
  world = await startWorld({ seed: 5 });
  worker = startWorldWorker(world, { concurrency: 1 });
  // The unsafe plan is handed to the server directly, as a producer that skipped the check would.
  server = await startTalonServer({
    talon: world.talon,
    tokens: async () => [],
    webhooks: {
      routes: webhookRoutes([compiled(SAFE), compiled(UNSAFE)]),
      secretFor: () => secret,
      resolveInputs: (plan, given) => resolveInputs(plan, given),
    },
  });
});
afterAll(async () => {
  await server.close();
  await worker.close(2000);
  await world.close();
});

async function deliver(path: string, text: string): Promise<string> {
  const body = JSON.stringify({ text });
  const response = await fetch(`${server.url}/hooks/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...webhookHeaders(secret, {
        path,
        deliveryId: `redos-${path}-${Date.now()}`,
        body,
        timestampSec: Math.floor(Date.now() / 1000),
      }),
    },
    body,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

// 2^60 ways to split the digits between \w and \d before the final "!" fails the match.
const EVIL = `${'1'.repeat(60)}!`;

describe('ReDoS through a webhook', () => {
  it('a service refuses to load the playbook with /(\\w|\\d)+$/ and loads the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talon-redos-'));
    writeFileSync(join(dir, 'safe.yaml'), SAFE);
    writeFileSync(join(dir, 'unsafe.yaml'), UNSAFE);
    let err = '';
    const loaded = await loadPlaybooksForService(dir, { out: () => {}, err: (t) => (err += t) });
    expect(loaded.map((p) => p.name)).toEqual(['safe-hook']);
    expect(err).toMatch(/unsafe\.yaml: refused: a regular expression may take exponential time/);
  });

  it('a plan with the unsafe regex that reaches a worker fails its step instead of freezing it', async () => {
    const runId = await deliver('unsafe', EVIL);
    const record = await waitForRunStatus(world.talon.records, runId, 'failed', 30_000);
    expect(record.error?.code).toBe('SOAR_EXPR_SLOW_REGEX');
    // The single worker slot is free again: the next run completes.
    const next = await deliver('safe', '12345');
    await waitForRunStatus(world.talon.records, next, 'succeeded', 30_000);
  });

  it('the evil payload against a safe regex ends normally', async () => {
    const runId = await deliver('safe', EVIL);
    const record = await waitForRunStatus(world.talon.records, runId, 'failed', 30_000);
    expect(record.error?.code).toBe('SOAR_ENGINE_ASSERTION_FAILED');
  });
});
