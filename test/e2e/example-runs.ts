/**
 * The example playbooks of playbooks/ run through the queue: which Falcon writes each performs on the
 * seeded world, how each is triggered, and one run checked end to end. Shared by the single-Redis
 * suite (examples-queue.test.ts) and the Redis Cluster suite (test/cluster).
 */
import { expect } from 'vitest';
import type { RunTrigger } from '../../src/queue/index.ts';
import { criticalAlertPayload } from '../helpers/critical-alert.ts';
import { clientFor } from '../helpers/falcon.ts';
import { waitFor } from '../helpers/wait-for.ts';
import type { World } from './world.ts';

/** The write operations each example performs on the seeded world, in order (distinct). */
export const WRITES: Record<string, string[]> = {
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
export const OWN_TESTS: Record<string, string> = {
  'contain-host-with-approval': 'test/approvals/example-playbook.test.ts',
};

export const INPUTS: Record<string, Record<string, unknown>> = {
  'scan-hosts-with-new-alerts': { lookback: '30d' },
};

const SHA = 'cd'.repeat(32);
export async function triggerFor(world: World, name: string): Promise<RunTrigger> {
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
async function expectEvidenceCase(
  world: World,
  outputs: Record<string, unknown> | null | undefined,
): Promise<void> {
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

/**
 * Enqueues example `name` on the world's queue, waits for a worker to finish it and checks that it
 * succeeded in one attempt and wrote exactly its expected operations, no entity twice.
 */
export async function runExampleThroughQueue(world: World, name: string): Promise<void> {
  const plan = world.playbooks.get(name);
  if (!plan) throw new Error(`playbook ${name} did not load`);
  const { runId, outcome } = await world.talon.enqueue({
    plan,
    inputs: INPUTS[name] ?? {},
    trigger: await triggerFor(world, name),
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
  if (name === 'rtr-evidence-sweep') await expectEvidenceCase(world, record!.outputs);
  // Each entity is written at most once per operation: nothing was repeated.
  for (const op of new Set(audit.map((e) => e.operationId))) {
    const ids = audit.filter((e) => e.operationId === op).flatMap((e) => [...e.ids]);
    expect(new Set(ids).size, `${op} wrote an id twice`).toBe(ids.length);
  }
}
