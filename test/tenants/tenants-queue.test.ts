// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ secrets.NAME }} is playbook expression syntax.
/**
 * Several tenants served by one fleet, end to end: the emulator over HTTP with one API client per
 * tenant (each in its own CID), the run queue on the test redis-server, real workers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PROXY_SETTINGS } from '../../src/config/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { compilePlaybook } from '../../src/playbook/index.ts';
import { openTalonQueue, type RunRecord, startTalonWorker, type TalonQueue } from '../../src/queue/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { newApiToken, startTalonServer, tokenSource, writeTokens } from '../../src/server/index.ts';
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
    '    concurrency: 1',
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

/** A one-step playbook of `tenant` reading hosts (an operation the alert playbooks do not use). */
function hostsPlan(name: string, tenant: string): CompiledPlaybook {
  return compilePlaybook(
    [
      `name: ${name}`,
      `tenant: ${tenant}`,
      'steps:',
      '  - id: hosts',
      '    uses: hosts.query_devices_by_filter',
      '    with: { limit: 1 }',
    ].join('\n'),
    `${name}.yaml`,
  );
}

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

/** A worker on this file's queue serving both tenants. */
function startWorker(concurrency: number) {
  return startTalonWorker({
    redisUrl: testRedisUrl(),
    prefix,
    tenants: tenantsFor(emulator.url),
    secrets,
    signingKey,
    concurrency,
  });
}

function manualTrigger() {
  return { type: 'manual' as const, at: Date.now(), source: 'test', data: null };
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
    const worker = startWorker(2);
    try {
      const trigger = manualTrigger();
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

  it('a 429 in one tenant blocks that tenant only: the other tenant runs meanwhile, the queue is not paused', async () => {
    const worker = startWorker(3);
    try {
      const trigger = manualTrigger();
      // Only acme's playbook calls QueryDevicesByFilter: its next call answers 429 for 1-2 s.
      emulator.admin.injectFault({
        operationId: 'QueryDevicesByFilter',
        count: 2,
        status: 429,
        retryAfterSeconds: 3,
      });
      const since = emulator.admin.requests().at(-1)?.seq ?? 0;
      const limited = await talon.enqueue({ plan: hostsPlan('acme-hosts', 'acme'), inputs: {}, trigger });
      await waitFor(
        () => emulator.admin.requests(since).some((r) => r.status === 429),
        10_000,
        'the 429 answer to acme',
      );
      const blockedAt = Date.now();
      // The queue is never paused: a fleet-wide pause (queue.rateLimit) sets BullMQ's limiter key to
      // MAX_SAFE_INTEGER for the retry time (3 s here), so sampling it every 50 ms cannot miss one.
      const limiter = `${talon.keys.jobKeyPrefix()}limiter`;
      let pausedSeen = 0;
      const sampler = setInterval(() => {
        void talon.redis.call('GET', limiter).then((value) => {
          if (value === String(Number.MAX_SAFE_INTEGER)) pausedSeen += 1;
        });
      }, 50);
      const other = await talon.enqueue({ plan: plan('globex-triage', 'globex'), inputs: {}, trigger });
      const done = await finished(other.runId);
      expect(done.status).toBe('succeeded');
      const acme = await finished(limited.runId).finally(() => clearInterval(sampler));
      expect(acme.status).toBe('succeeded');
      expect(pausedSeen).toBe(0);
      // globex called Falcon while acme waited out its retry time: in the emulator's request log (an
      // order, not a speed), globex's read and write lie between acme's first 429 and acme's next call.
      const log = emulator.admin.requests(since).filter((r) => r.operationId !== 'oauth2AccessToken');
      const acmeCalls = log.filter((r) => r.clientId === ACME.clientId);
      const first429 = Math.min(...acmeCalls.filter((r) => r.status === 429).map((r) => r.seq));
      const acmeNext = Math.min(...acmeCalls.filter((r) => r.seq > first429).map((r) => r.seq));
      const globexMeanwhile = log.filter(
        (r) => r.clientId === GLOBEX.clientId && r.seq > first429 && r.seq < acmeNext,
      );
      expect(globexMeanwhile.length).toBeGreaterThanOrEqual(2);
      expect((acme.finishedAt ?? 0) - blockedAt).toBeGreaterThanOrEqual(500);
      const stats = await talon.records.stats();
      expect(stats['t.acme.falcon_429']).toBeGreaterThanOrEqual(1);
      expect(stats['t.globex.falcon_429']).toBeUndefined();
      expect(stats['t.globex.runs_succeeded']).toBeGreaterThanOrEqual(1);
      expect(stats['t.globex.api_calls']).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.close(1000);
    }
  });

  it("holds a tenant's concurrency cap fleet-wide, in enqueue order, without spending attempts", async () => {
    const tenants = tenantsFor(emulator.url);
    const workers = [1, 2].map(() =>
      startTalonWorker({ redisUrl: testRedisUrl(), prefix, tenants, secrets, signingKey, concurrency: 3 }),
    );
    try {
      const trigger = manualTrigger();
      // Each run of acme (concurrency: 1) takes at least 300 ms: without the cap they would overlap.
      emulator.admin.injectFault({ operationId: 'QueryDevicesByFilter', count: 4, latencyMs: 300 });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push((await talon.enqueue({ plan: hostsPlan('acme-hosts', 'acme'), inputs: {}, trigger })).runId);
      }
      const records = [];
      for (const id of ids) records.push(await finished(id));
      expect(records.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      const byStart = [...records].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
      expect(byStart.map((r) => r.runId)).toEqual(ids);
      for (let i = 1; i < byStart.length; i++) {
        expect(byStart[i]?.startedAt ?? 0).toBeGreaterThanOrEqual(byStart[i - 1]?.finishedAt ?? Infinity);
      }
      expect(records.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    } finally {
      await Promise.all(workers.map((w) => w.close(1000)));
    }
  });

  it('reports runs, Falcon calls and 429s per tenant on /metrics (tenant label)', async () => {
    const tokensFile = join(mkdtempSync(join(tmpdir(), 'talon-tokens-')), 'tokens.json');
    const scrape = newApiToken('t-scrape', 'scrape', Date.now());
    await writeTokens(tokensFile, [scrape.stored]);
    const server = await startTalonServer({ talon, tokens: tokenSource(tokensFile), webhooks: null });
    try {
      const response = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${scrape.token}` },
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      const stats = await talon.records.stats();
      // The earlier tests ran acme and globex runs (and one acme 429) under this prefix.
      expect(text).toContain(
        `talon_tenant_runs_total{tenant="acme",status="succeeded"} ${stats['t.acme.runs_succeeded']}`,
      );
      expect(text).toContain(
        `talon_tenant_runs_total{tenant="globex",status="succeeded"} ${stats['t.globex.runs_succeeded']}`,
      );
      expect(text).toContain('talon_tenant_runs_total{tenant="initech",status="failed"} 1');
      expect(text).toContain(
        `talon_tenant_falcon_api_calls_total{tenant="globex"} ${stats['t.globex.api_calls']}`,
      );
      expect(text).toMatch(/^talon_tenant_falcon_rate_limited_total\{tenant="acme"\} [1-9]/m);
      expect(text).not.toContain('talon_tenant_falcon_rate_limited_total{tenant="globex"}');
      expect(stats['t.acme.runs_succeeded']).toBeGreaterThanOrEqual(6);
    } finally {
      await server.close();
    }
  });
});
