// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * Guard rails of response actions against real parts (emulator over HTTP, real client, Redis
 * checkpoints): the default blast radius, raising it, protected hosts from the playbook and from the
 * deployment, the dry-run host listing, and the schema of the new playbook fields. The emulator's
 * request log is the judge: a refused step must not have sent a single PerformActionV2.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { type EnginePorts, type RunResult, runPlaybook } from '../../src/engine/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import type { ProtectedHosts } from '../../src/playbook/compiled.ts';
import { compilePlaybook, compilePlaybookSource } from '../../src/playbook/index.ts';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { newRunId, silentLogger, systemClock } from '../../src/shared/index.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const redis = connectRedis(testRedisUrl());
let emulator: RunningEmulator;
let falcon: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 3, sizes: { detections: 2000 }, containmentDelayMs: 0 });
  falcon = clientFor(emulator);
});
afterAll(async () => {
  await emulator?.close();
  await redis.close();
});
beforeEach(() => emulator.admin.reset());

/** A playbook that contains the hosts a filter finds (at most `limit` of them). */
function containPlaybook(filter: string, limit: number, extra = ''): string {
  return `
name: contain-some
triggers: [{ manual: true }]
${extra}
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { filter: "${filter}", limit: ${limit} }
  - id: contain
    uses: hosts.perform_action
    with: { action_name: contain, ids: "\${{ steps.find.resources }}" }
`;
}

async function run(
  source: string,
  options: { dryRun?: boolean; protectedHosts?: ProtectedHosts } = {},
): Promise<RunResult> {
  const plan = compilePlaybook(source, 'guard.yaml');
  const ports: EnginePorts = {
    falcon,
    checkpoints: createCheckpointStore(redis, keyLayout(uniquePrefix('guard')), null),
    events: { runStarted: async () => {}, stepUpdated: async () => {}, runFinished: async () => {} },
    clock: systemClock,
    logger: silentLogger,
  };
  return runPlaybook(
    plan,
    {
      runId: newRunId(),
      inputs: {},
      trigger: { type: 'manual', payload: null, at: Date.now() },
      dryRun: options.dryRun ?? false,
    },
    ports,
    { protectedHosts: options.protectedHosts ?? null },
  );
}

const actionRequests = () => emulator.admin.requests().filter((r) => r.operationId === 'PerformActionV2');
const contained = () =>
  emulator.admin
    .audit()
    .filter((e) => e.action === 'contain')
    .flatMap((e) => e.ids);

const NOT_DC = "product_type_desc:!'Domain Controller'";

describe('blast radius', () => {
  it('refuses to contain more than 10 hosts by default, before any request', async () => {
    const result = await run(containPlaybook(NOT_DC, 11));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('SOAR_ENGINE_BLAST_RADIUS');
    expect(result.error?.message).toMatch(/11 hosts.*limits\.response_hosts 10 \(the default\)/);
    expect(actionRequests()).toEqual([]);
    expect(contained()).toEqual([]);
  });

  it('contains exactly 10 by default, and more when the playbook raises limits.response_hosts', async () => {
    const ten = await run(containPlaybook(NOT_DC, 10));
    expect(ten.error).toBeNull();
    expect(contained()).toHaveLength(10);
    emulator.admin.reset();
    const raised = await run(containPlaybook(NOT_DC, 150, 'limits: { response_hosts: 150 }'));
    expect(raised.error).toBeNull();
    expect(new Set(contained()).size).toBe(150);
    // The id limit of PerformActionV2 (100) decides the calls: 2 for 150 hosts.
    expect(actionRequests()).toHaveLength(2);
  });

  it('counts the hosts of every response step of the run', async () => {
    const source = `
name: two-steps
triggers: [{ manual: true }]
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { filter: "${NOT_DC}", limit: 12 }
  - id: tag
    uses: hosts.update_device_tags
    with: { action: add, device_ids: "\${{ steps.find.resources[[0..5]] }}", tags: [FalconGroupingTags/talon] }
  - id: contain
    uses: hosts.perform_action
    with: { action_name: contain, ids: "\${{ steps.find.resources[[6..11]] }}" }
`;
    const result = await run(source);
    expect(result.error?.code).toBe('SOAR_ENGINE_BLAST_RADIUS');
    expect(result.steps.find((s) => s.id === 'tag')?.status).toBe('succeeded');
    expect(actionRequests()).toEqual([]);
  });
});

describe('protected hosts', () => {
  it('never contains a host the playbook protects (tag), and sends nothing', async () => {
    const result = await run(
      containPlaybook('*', 10, 'protected_hosts: { tags: [FalconGroupingTags/domain-controller] }'),
    );
    expect(result.error?.code).toBe('SOAR_ENGINE_PROTECTED_HOST');
    expect(result.error?.message).toMatch(/dc-\d{4}\): tag FalconGroupingTags\/domain-controller/);
    expect(actionRequests()).toEqual([]);
  });

  it("never contains a host the deployment's FQL filter protects", async () => {
    const result = await run(containPlaybook('*', 10), {
      protectedHosts: { filter: "product_type_desc:'Domain Controller'" },
    });
    expect(result.error?.code).toBe('SOAR_ENGINE_PROTECTED_HOST');
    expect(result.error?.message).toMatch(/filter product_type_desc:'Domain Controller'/);
    expect(actionRequests()).toEqual([]);
    // Unprotected hosts pass the same filter.
    const fine = await run(containPlaybook(NOT_DC, 5), {
      protectedHosts: { filter: "product_type_desc:'Domain Controller'" },
    });
    expect(fine.error).toBeNull();
    expect(contained()).toHaveLength(5);
  });

  it('refuses to change the tags of a protected host', async () => {
    const result = await run(
      `
name: tag-dcs
triggers: [{ manual: true }]
protected_hosts: { groups: [] , hostnames: [] , filter: "product_type_desc:'Domain Controller'" }
steps:
  - id: find
    uses: hosts.query_devices_by_filter
    with: { filter: "product_type_desc:'Domain Controller'", limit: 2 }
  - id: tag
    uses: hosts.update_device_tags
    with: { action: add, device_ids: "\${{ steps.find.resources }}", tags: [FalconGroupingTags/x] }
`,
    );
    expect(result.error?.code).toBe('SOAR_ENGINE_PROTECTED_HOST');
    expect(emulator.admin.requests().filter((r) => r.operationId === 'UpdateDeviceTags')).toEqual([]);
  });
});

describe('dry run', () => {
  it('lists exactly the hosts that would be contained, by id and hostname, and contains none', async () => {
    const result = await run(containPlaybook(NOT_DC, 7), { dryRun: true });
    expect(result.error).toBeNull();
    const change = result.changes.find((c) => c.operation === 'PerformActionV2');
    const found = (await falcon.call('QueryDevicesByFilter', { filter: NOT_DC, limit: 7 })).resources;
    expect(change?.response?.kinds).toEqual(['containment']);
    expect(change?.response?.hosts.map((h) => h.id)).toEqual(found);
    for (const host of change?.response?.hosts ?? []) expect(host.hostname).toMatch(/^(wks|mac|srv)-\d{4}$/);
    expect(actionRequests()).toEqual([]);
  });

  it('applies the guard rails in a dry run too', async () => {
    const result = await run(containPlaybook(NOT_DC, 11), { dryRun: true });
    expect(result.error?.code).toBe('SOAR_ENGINE_BLAST_RADIUS');
  });
});

describe('playbook fields', () => {
  it('validates limits.response_hosts and protected_hosts with file:line:col', () => {
    const source = `name: bad
triggers: [{ manual: true }]
limits:
  response_hosts: 0
protected_hosts:
  tags: [domain-controller]
steps:
  - id: x
    uses: core.log
    with: { message: hi }
`;
    const { playbook, diagnostics } = compilePlaybookSource(source, 'bad.yaml');
    expect(playbook).toBeNull();
    const lines = diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.pointer}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad\.yaml:4:\d+ .*response_hosts/),
        expect.stringMatching(/^bad\.yaml:6:\d+ .*tags/),
      ]),
    );
  });
});
