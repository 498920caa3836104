// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Every example playbook, run by the real engine against the Falcon emulator over HTTP with the real
 * client and the real Redis checkpoint store: each one must succeed with no failed step, so the
 * examples stay runnable, not only valid.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActionRunner } from '../../src/actions/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { type EnginePorts, type RunEvents, runPlaybook } from '../../src/engine/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { isPlaybookFileName, loadPlaybookFile } from '../../src/playbook/index.ts';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { newRunId, silentLogger, systemClock } from '../../src/shared/index.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { criticalAlertPayload } from '../helpers/critical-alert.ts';
import { clientFor } from '../helpers/falcon.ts';

const DIR = join(import.meta.dirname, '../../playbooks');
const EXAMPLES = readdirSync(DIR).filter(isPlaybookFileName).sort();

/** Trigger data for playbooks whose steps read it. */
const PAYLOADS: Record<string, unknown> = {
  'webhook-block-hash.yaml': { sha256: 'ab'.repeat(32), reason: 'seen in phishing mail ${{ run.id }}' },
};

/** Trigger data found in the seeded world: a critical open alert on a host that is not protected. */
const FOUND_PAYLOADS: Record<string, (falcon: FalconClient) => Promise<unknown>> = {
  'contain-critical-alert-host.yaml': criticalAlertPayload,
};

/** Inputs that make the seeded world hold something for the playbook to act on. */
const INPUTS: Record<string, Record<string, unknown>> = {
  'scan-hosts-with-new-alerts.yaml': { lookback: '30d' },
};

/** The write operations each example performs on the seeded world, in order (distinct). */
const WRITES: Record<string, string[]> = {
  'contain-critical-alert-host.yaml': ['PerformActionV2', 'PatchEntitiesAlertsV3'],
  'expire-stale-iocs.yaml': ['indicator_delete_v1'],
  'identity-mfa-guard.yaml': ['post_policy_rules'],
  // Read-only RTR commands change nothing, so the case is the sweep's only write.
  'rtr-evidence-sweep.yaml': ['entities_cases_put_v2'],
  'scan-hosts-with-new-alerts.yaml': ['create_scan'],
  'triage-critical-alerts.yaml': [
    'PatchEntitiesAlertsV3',
    'entities_cases_put_v2',
    'entities_case_tags_post_v1',
    'indicator_create_v1',
  ],
  'triage-critical-detections.yaml': ['UpdateDetectsByIdsV2', 'PerformIncidentAction', 'indicator_create_v1'],
  'webhook-block-hash.yaml': ['indicator_create_v1'],
};

const redis = connectRedis(testRedisUrl());
const noEvents: RunEvents = {
  runStarted: async () => {},
  stepUpdated: async () => {},
  runFinished: async () => {},
};
let emulator: RunningEmulator;
let falcon: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 5 });
  falcon = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
  await redis.close();
});

beforeEach(() => emulator.admin.reset());

/** Examples that need people or other services, each run end to end by its own test file. */
const OWN_TESTS: Record<string, string> = {
  'contain-host-with-approval.yaml': 'test/approvals/example-playbook.test.ts',
};

describe('example playbooks run against the emulator', () => {
  it('covers every example', () => {
    expect([...Object.keys(WRITES), ...Object.keys(OWN_TESTS)].sort()).toEqual(EXAMPLES);
  });

  it.each(EXAMPLES.filter((name) => !(name in OWN_TESTS)))('%s succeeds', async (name) => {
    const { playbook, diagnostics } = await loadPlaybookFile(join(DIR, name));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ports: EnginePorts = {
      falcon,
      // rtr.run_command and the other actions; no secrets, no outbound addresses needed here.
      actions: createActionRunner({
        secrets: createSecretStore(readSecretSources({})),
        policy: { allowPrivate: false, allowHosts: null },
      }),
      checkpoints: createCheckpointStore(redis, keyLayout(uniquePrefix('examples')), null),
      events: noEvents,
      clock: systemClock,
      logger: silentLogger,
    };
    const result = await runPlaybook(
      playbook!,
      {
        runId: newRunId(),
        inputs: INPUTS[name] ?? {},
        trigger: {
          type: 'manual',
          payload: (await FOUND_PAYLOADS[name]?.(falcon)) ?? PAYLOADS[name] ?? null,
          at: systemClock.now(),
        },
      },
      ports,
      { env: { TALON_IDP_RULE_OWNER: 'soc-team' } },
    );
    const failed = result.steps
      .filter((s) => s.status === 'failed')
      .map((s) => `${s.id}: ${s.error?.message}`);
    expect(failed).toEqual([]);
    expect(result.error).toBeNull();
    expect(result.status).toBe('succeeded');
    const writes = [...new Set(emulator.admin.audit().map((entry) => entry.operationId))];
    expect(writes).toEqual(WRITES[name]);
  });
});
