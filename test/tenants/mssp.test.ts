// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
/**
 * MSSP (Flight Control) end to end: a parent tenant's playbook with `children:` runs once per child
 * CID, each child run with a token locked to its child (member_cid), against the emulator's seeded
 * children over HTTP and the test redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROXY_SETTINGS } from '../../src/config/index.ts';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type RunningEmulator,
  startEmulator,
} from '../../src/emulator/index.ts';
import { compilePlaybook } from '../../src/playbook/index.ts';
import {
  openTalonQueue,
  type RunRecord,
  type RunWorker,
  startTalonWorker,
  type TalonQueue,
} from '../../src/queue/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { randomHex, Secret } from '../../src/shared/index.ts';
import { parseTenantsFile, tenantDirectory } from '../../src/tenants/index.ts';
import { redisText, secretHits } from '../chaos/lib/evidence.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

let emulator: RunningEmulator;
let talon: TalonQueue;
let worker: RunWorker;
let prefix: string;
const signingKey = new Secret(randomHex(32));

function mssp(name: string, children: string): ReturnType<typeof compilePlaybook> {
  return compilePlaybook(
    [
      `name: ${name}`,
      'tenant: mssp',
      `children: ${children}`,
      'steps:',
      '  - id: find',
      '    uses: alerts.query_alerts_v2',
      '    with: { limit: 1 }',
      '  - id: tag',
      '    uses: alerts.update_alerts_v3',
      '    with:',
      '      composite_ids: "${{ steps.find.resources }}"',
      '      action_parameters: [{ name: add_tag, value: talon/mssp }]',
    ].join('\n'),
    `${name}.yaml`,
    { tenantNames: ['mssp'] },
  );
}

async function finished(runId: string): Promise<RunRecord> {
  return (await waitFor<RunRecord | null>(
    async () => {
      const record = await talon.records.get(runId);
      return record && ['succeeded', 'failed'].includes(record.status) ? record : null;
    },
    20_000,
    `run ${runId} to finish`,
  )) as RunRecord;
}

const trigger = () => ({ type: 'manual' as const, at: Date.now(), source: 'test', data: null });

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 5, sizes: { children: 3 } });
  prefix = uniquePrefix('mssp');
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix, signingKey, backoffMs: 50 });
  const tenants = tenantDirectory(
    parseTenantsFile(
      [
        'tenants:',
        '  mssp:',
        `    cloud: ${emulator.url}`,
        `    client_id: ${DEFAULT_CLIENT_ID}`,
        '    client_secret: ${{ secrets.MSSP_FALCON }}',
      ].join('\n'),
      'tenants.yaml',
      NO_PROXY_SETTINGS,
    ),
  );
  worker = startTalonWorker({
    redisUrl: testRedisUrl(),
    prefix,
    tenants,
    secrets: createSecretStore({ values: { MSSP_FALCON: DEFAULT_CLIENT_SECRET }, files: {}, dir: null }),
    signingKey,
    concurrency: 3,
  });
});

afterAll(async () => {
  await worker?.close(1000);
  await talon?.close();
  await emulator?.close();
});

describe('Flight Control in the emulator', () => {
  it('lists the children of the parent CID with queryChildren and getChildren, in the SDK shapes', async () => {
    const parent = clientFor(emulator);
    const seeded = emulator.admin.children();
    expect(seeded).toHaveLength(3);
    const page = await parent.call('queryChildren', { limit: 2 });
    expect(page.resources).toHaveLength(2);
    expect(page.meta).toMatchObject({ pagination: { offset: 0, limit: 2, total: 3 } });
    const links = await parent.call('mssp.get_children', { ids: page.resources });
    for (const link of links.resources as Record<string, unknown>[]) {
      expect(Object.keys(link).sort()).toEqual(
        [
          'checksum',
          'child_cid',
          'child_gcid',
          'child_of',
          'domains',
          'last_modified_timestamp',
          'name',
          'status',
        ].sort(),
      );
      expect(link['child_of']).toBe(emulator.admin.info().cid);
    }
    // A token locked to a child sees that child's own children: none.
    const child = clientFor(emulator, { memberCid: seeded[0]?.child_cid ?? null });
    expect((await child.call('queryChildren', {})).resources).toEqual([]);
  });
});

describe('children: all', () => {
  it('starts one run per child CID, each writing in its child (member_cid token), with tenant and CID on the record', async () => {
    const since = emulator.admin.audit().at(-1)?.seq ?? 0;
    const requestsSince = emulator.admin.requests().at(-1)?.seq ?? 0;
    const parent = await talon.enqueue({ plan: mssp('mssp-tag', 'all'), inputs: {}, trigger: trigger() });
    const record = await finished(parent.runId);
    expect(record.status).toBe('succeeded');
    const children = emulator.admin
      .children()
      .map((c) => c.child_cid)
      .sort();
    expect(record.outputs?.['children']).toEqual(children);
    const runIds = record.outputs?.['runs'] as string[];
    expect(runIds).toEqual(children.map((cid) => `${parent.runId}-${cid}`));

    const childRecords = await Promise.all(runIds.map(finished));
    expect(childRecords.map((r) => [r.status, r.tenant, r.child])).toEqual(
      children.map((cid) => ['succeeded', 'mssp', cid]),
    );
    // Every write landed in its own child: one tag write per child, audited with that child's CID.
    const writes = emulator.admin.audit(since);
    expect(writes.map((w) => w.cid).sort()).toEqual(children);
    expect(new Set(writes.map((w) => w.operationId))).toEqual(new Set(['PatchEntitiesAlertsV3']));
    // One token per child, asked with its member_cid; the parent's own token listed the children.
    const tokens = emulator.admin
      .requests(requestsSince)
      .filter((r) => r.operationId === 'oauth2AccessToken');
    const memberCids = tokens.map((r) => (r.body as Record<string, string>)['member_cid'] ?? null);
    expect(memberCids.filter((c) => c !== null).sort()).toEqual(children);

    // Enqueued again under the same run id (a retried parent), no child run is added twice.
    const again = await talon.enqueue({
      plan: mssp('mssp-tag', 'all'),
      inputs: {},
      trigger: trigger(),
      runId: runIds[0] as string,
      tenant: 'mssp',
      child: children[0] as string,
    });
    expect(again.outcome).toBe('duplicate');
  });

  it('runs a listed child only; a CID that is not a child gets no token and its run fails', async () => {
    const [first] = emulator.admin.children();
    const stranger = 'cd'.repeat(16);
    const parent = await talon.enqueue({
      plan: mssp('mssp-listed', `[${first?.child_cid.toUpperCase()}, ${stranger}]`),
      inputs: {},
      trigger: trigger(),
    });
    const record = await finished(parent.runId);
    expect(record.outputs?.['children']).toEqual([first?.child_cid, stranger]);
    const runs = (record.outputs?.['runs'] ?? []) as string[];
    const [ok, refused] = await Promise.all(runs.map(finished));
    expect(ok?.status).toBe('succeeded');
    expect(refused?.status).toBe('failed');
    expect(refused?.error?.code).toBe('SOAR_FALCON_AUTH');
    expect(refused?.child).toBe(stranger);
    // The parent's client secret is nowhere in Redis.
    const text = await redisText(talon.redis, prefix);
    expect(secretHits({ redis: text }, { secret: DEFAULT_CLIENT_SECRET })).toEqual([]);
  });
});
