/**
 * Every example playbook in playbooks/, enqueued into BullMQ and run by a real worker (the same
 * startTalonWorker that `talon worker` uses: Falcon client, Redis rate budget, fenced checkpoints, run
 * records) against the emulator over HTTP. Checks the run record and the emulator's audit log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunTrigger, type RunWorker, startTalonWorker } from '../../src/queue/index.ts';
import { criticalAlertPayload } from '../helpers/critical-alert.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorld, type World } from './world.ts';

/** The write operations each example performs on the seeded world, in order (distinct). */
const WRITES: Record<string, string[]> = {
  'contain-critical-alert-host': ['PerformActionV2', 'PatchEntitiesAlertsV3'],
  'expire-stale-iocs': ['indicator_delete_v1'],
  'identity-mfa-guard': ['post_policy_rules'],
  // Read-only RTR commands change nothing, so the case is the sweep's only write.
  'rtr-evidence-sweep': ['entities_cases_put_v2'],
  'scan-hosts-with-new-alerts': ['create_scan'],
  'triage-critical-alerts': [
    'PatchEntitiesAlertsV3',
    'entities_cases_put_v2',
    'entities_case_tags_post_v1',
    'indicator_create_v1',
  ],
  'triage-critical-detections': ['UpdateDetectsByIdsV2', 'PerformIncidentAction', 'indicator_create_v1'],
  'webhook-block-hash': ['indicator_create_v1'],
};

/** Examples that need people or other services, each run end to end by its own test file. */
const OWN_TESTS: Record<string, string> = {
  'contain-host-with-approval': 'test/approvals/example-playbook.test.ts',
};

const INPUTS: Record<string, Record<string, unknown>> = {
  'scan-hosts-with-new-alerts': { lookback: '30d' },
};

const SHA = 'cd'.repeat(32);
async function triggerFor(name: string): Promise<RunTrigger> {
  if (name === 'contain-critical-alert-host') {
    const data = await criticalAlertPayload(clientFor(world.emulator));
    return { type: 'webhook', at: Date.now(), source: 'contain-critical-alert', data };
  }
  if (name === 'webhook-block-hash') {
    return { type: 'webhook', at: Date.now(), source: 'block-hash', data: { sha256: SHA, reason: 'e2e' } };
  }
  return { type: 'manual', at: Date.now(), source: 'e2e', data: null };
}

/** The sweep's case holds every swept host's ps and netstat output. */
async function expectEvidenceCase(outputs: Record<string, unknown> | null | undefined): Promise<void> {
  expect(outputs?.['collected']).toBeGreaterThan(0);
  const token = await fetch(`${world.emulator.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: world.emulator.credentials.clientId,
      client_secret: world.emulator.credentials.clientSecret,
    }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  const reply = await fetch(`${world.emulator.url}/cases/entities/cases/v2`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [outputs?.['case']] }),
  }).then(async (r) => (await r.json()) as { resources: { description: string; tags: string[] }[] });
  const [evidence] = reply.resources;
  expect(evidence?.tags).toEqual(['talon/rtr-evidence']);
  expect(evidence?.description).toMatch(/## [0-9a-f]{32} ps \(ran\)\nName PID User Path/);
  expect(evidence?.description).toMatch(/## [0-9a-f]{32} netstat \(ran\)\nProto Local Remote State PID/);
}

let world: World;
let worker: RunWorker;

beforeAll(async () => {
  world = await startWorld({ seed: 5 });
  worker = startTalonWorker({
    redisUrl: testRedisUrl(),
    prefix: world.prefix,
    falcon: world.falcon,
    concurrency: 2,
    env: { TALON_IDP_RULE_OWNER: 'soc-team' },
  });
});

afterAll(async () => {
  await worker?.close(5000);
  await world?.close();
});

beforeEach(() => world.emulator.admin.reset());

describe('example playbooks through the queue', () => {
  it('covers every example in playbooks/', () => {
    const here = [...world.playbooks.keys()].filter((name) => !Object.hasOwn(OWN_TESTS, name));
    expect(here.sort()).toEqual(Object.keys(WRITES).sort());
  });

  it.each(Object.keys(WRITES))('%s runs to success and writes what it should, once', async (name) => {
    const plan = world.playbooks.get(name);
    if (!plan) throw new Error(`playbook ${name} did not load`);
    const { runId, outcome } = await world.talon.enqueue({
      plan,
      inputs: INPUTS[name] ?? {},
      trigger: await triggerFor(name),
    });
    expect(outcome).toBe('added');
    const record = await waitFor(
      async () => {
        const r = await world.talon.records.get(runId);
        return r && ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
      },
      20_000,
      `run ${runId} to end`,
    );
    const failed = record!.steps
      .filter((s) => s.status === 'failed')
      .map((s) => `${s.id}: ${s.error?.message}`);
    expect(failed).toEqual([]);
    expect(record!.status).toBe('succeeded');
    expect(record!.attempts).toBe(1);
    expect(record!.apiCalls).toBeGreaterThan(0);
    // The record is written just before BullMQ moves the job to completed.
    await waitFor(async () => (await world.talon.queue.state(runId)) === 'completed', 5000, 'job completed');
    const audit = world.emulator.admin.audit();
    expect([...new Set(audit.map((e) => e.operationId))]).toEqual(WRITES[name]);
    if (name === 'rtr-evidence-sweep') await expectEvidenceCase(record!.outputs);
    // Each entity is written at most once per operation: nothing was repeated.
    for (const op of new Set(audit.map((e) => e.operationId))) {
      const ids = audit.filter((e) => e.operationId === op).flatMap((e) => [...e.ids]);
      expect(new Set(ids).size, `${op} wrote an id twice`).toBe(ids.length);
    }
  });

  it('keeps secrets out of every Redis key it wrote (job data, run records, checkpoints)', async () => {
    const secret = world.emulator.credentials.clientSecret;
    const keys = (await world.talon.redis.call('KEYS', `${world.prefix}:*`)) as string[];
    expect(keys.length).toBeGreaterThan(10);
    let dump = '';
    for (const key of keys) {
      const type = String(await world.talon.redis.call('TYPE', key));
      if (type === 'string') dump += String(await world.talon.redis.call('GET', key));
      else if (type === 'hash') dump += JSON.stringify(await world.talon.redis.call('HGETALL', key));
      else if (type === 'list') dump += JSON.stringify(await world.talon.redis.call('LRANGE', key, 0, -1));
      else if (type === 'zset') dump += JSON.stringify(await world.talon.redis.call('ZRANGE', key, 0, -1));
      else if (type === 'set') dump += JSON.stringify(await world.talon.redis.call('SMEMBERS', key));
      else if (type === 'stream')
        dump += JSON.stringify(await world.talon.redis.call('XRANGE', key, '-', '+'));
    }
    expect(dump).toContain('triage-critical-detections');
    expect(dump).not.toContain(secret);
    expect(dump.toLowerCase()).not.toMatch(/access_token|bearer /);
  });
});
