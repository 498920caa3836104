// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ secrets.NAME }} is playbook expression syntax.
/**
 * Several tenants served by one fleet, end to end: the emulator over HTTP with one API client per
 * tenant (each in its own CID), the run queue on the test redis-server, real workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROXY_SETTINGS } from '../../src/config/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { compilePlaybook } from '../../src/playbook/index.ts';
import { openTalonQueue, type RunRecord, startTalonWorker, type TalonQueue } from '../../src/queue/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { randomHex, Secret } from '../../src/shared/index.ts';
import { parseTenantsFile, tenantDirectory } from '../../src/tenants/index.ts';
import { redisText, secretHits } from '../chaos/lib/evidence.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ACME = { clientId: 'acme-client', clientSecret: `acme-secret-${randomHex(12)}`, cid: 'a'.repeat(32) };
const GLOBEX = {
  clientId: 'globex-client',
  clientSecret: `globex-secret-${randomHex(12)}`,
  cid: 'b'.repeat(32),
};

let emulator: RunningEmulator;
let talon: TalonQueue;
let prefix: string;
const signingKey = new Secret(randomHex(32));

function tenantsFor(url: string) {
  const text = [
    'tenants:',
    '  acme:',
    `    cloud: ${url}`,
    `    client_id: ${ACME.clientId}`,
    '    client_secret: ${{ secrets.ACME_FALCON }}',
    '  globex:',
    `    cloud: ${url}`,
    `    client_id: ${GLOBEX.clientId}`,
    '    client_secret: ${{ secrets.GLOBEX_FALCON }}',
  ].join('\n');
  return tenantDirectory(parseTenantsFile(text, 'tenants.yaml', NO_PROXY_SETTINGS));
}

const secrets = createSecretStore({
  values: { ACME_FALCON: ACME.clientSecret, GLOBEX_FALCON: GLOBEX.clientSecret },
  files: {},
  dir: null,
});

function plan(name: string, tenant: string | null): CompiledPlaybook {
  return compilePlaybook(
    [
      `name: ${name}`,
      ...(tenant === null ? [] : [`tenant: ${tenant}`]),
      'steps:',
      '  - id: find',
      '    uses: alerts.query_alerts_v2',
      '    with: { limit: 2 }',
      '  - id: tag',
      '    uses: alerts.update_alerts_v3',
      '    with:',
      '      composite_ids: "${{ steps.find.resources }}"',
      '      action_parameters: [{ name: add_tag, value: talon/tenant-test }]',
    ].join('\n'),
    `${name}.yaml`,
    { tenantNames: ['acme', 'default', 'globex'] },
  );
}

async function finished(runId: string): Promise<RunRecord> {
  return waitFor<RunRecord | null>(
    async () => {
      const record = await talon.records.get(runId);
      return record && ['succeeded', 'failed'].includes(record.status) ? record : null;
    },
    20_000,
    `run ${runId} to finish`,
  ) as Promise<RunRecord>;
}

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seed: 11,
    clients: [
      { ...ACME, scopes: '*' },
      { ...GLOBEX, scopes: '*' },
    ],
  });
  prefix = uniquePrefix('tenants');
  talon = openTalonQueue({ redisUrl: testRedisUrl(), prefix, signingKey, backoffMs: 50 });
});

afterAll(async () => {
  await talon?.close();
  await emulator?.close();
});

describe('named tenants', () => {
  it('runs each playbook with its own tenant: its own token and API client, the tenant on the run record', async () => {
    const worker = startTalonWorker({
      redisUrl: testRedisUrl(),
      prefix,
      tenants: tenantsFor(emulator.url),
      secrets,
      signingKey,
      concurrency: 2,
    });
    try {
      const trigger = { type: 'manual' as const, at: Date.now(), source: 'test', data: null };
      const a = await talon.enqueue({ plan: plan('acme-triage', 'acme'), inputs: {}, trigger });
      const g = await talon.enqueue({ plan: plan('globex-triage', 'globex'), inputs: {}, trigger });
      // A trigger's tenant wins over the playbook's.
      const t = await talon.enqueue({
        plan: plan('acme-triage', 'acme'),
        inputs: {},
        trigger,
        tenant: 'globex',
      });
      const [ra, rg, rt] = [await finished(a.runId), await finished(g.runId), await finished(t.runId)];
      expect([ra.status, rg.status, rt.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect([ra.tenant, rg.tenant, rt.tenant]).toEqual(['acme', 'globex', 'globex']);
      expect(ra.child).toBeNull();

      const requests = emulator.admin.requests();
      const tokens = requests.filter((r) => r.operationId === 'oauth2AccessToken' && r.status === 201);
      // One token per tenant, cached and shared by its runs.
      expect(tokens.map((r) => r.clientId).sort()).toEqual([ACME.clientId, GLOBEX.clientId]);
      const writes = emulator.admin.audit();
      expect(writes.map((w) => w.clientId).sort()).toEqual([ACME.clientId, GLOBEX.clientId, GLOBEX.clientId]);

      // A run of a tenant the worker does not know fails at once, naming the tenant; nothing is called.
      const before = emulator.admin.requests().length;
      const unknown = await talon.enqueue({
        plan: plan('lost', null),
        inputs: {},
        trigger,
        tenant: 'initech',
      });
      const lost = await finished(unknown.runId);
      expect(lost.error?.code).toBe('SOAR_TENANT_UNKNOWN');
      expect(lost.error?.message).toMatch(/tenant "initech" is not configured \(known: acme, globex\)/);
      expect(emulator.admin.requests().length).toBe(before);
    } finally {
      await worker.close(1000);
    }
    // No client secret, token or signing key anywhere in Redis: job data, run records, checkpoints.
    const text = await redisText(talon.redis, prefix);
    expect(text).toContain('"tenant","acme"');
    expect(secretHits({ redis: text }, { acme: ACME.clientSecret, globex: GLOBEX.clientSecret })).toEqual([]);
  });
});
