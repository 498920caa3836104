/**
 * `talon test --record` of a run with people and other services in it: the example
 * contain-host-with-approval.yaml run by a real worker (Slack stand-in over HTTP, approval store in
 * Redis), approved by alice. The recorded test answers Slack with the recorded output and the approval
 * with alice's recorded decision; the Slack webhook URL (a secret) is nowhere in the file.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionRunner } from '../../src/actions/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { loadPlaybookFile } from '../../src/playbook/index.ts';
import { decideApproval } from '../../src/queue/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';
import { type ApprovalWorld, startApprovalWorld } from '../approvals/approval-world.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { runTalon, type TalonExit } from '../helpers/talon-cli.ts';
import { type StandIn, startSlackStandIn } from '../helpers/service-standins.ts';
import { PLAYBOOK_DIR } from './world.ts';

const dir = mkdtempSync(join(tmpdir(), 'talon-record-approval-'));
let w: ApprovalWorld;
let slack: StandIn;

beforeAll(async () => {
  slack = await startSlackStandIn();
  const actions = createActionRunner({
    secrets: createSecretStore(readSecretSources({ TALON_SECRET_SOC_SLACK_WEBHOOK: slack.url })),
    policy: { allowPrivate: true, allowHosts: null },
    approvalLinks: () => ({ approve: 'https://talon.example/a', deny: 'https://talon.example/d' }),
  });
  w = await startApprovalWorld({ actions });
});

afterAll(async () => {
  await w?.close();
  await slack?.close();
});

function talon(args: string[]): Promise<TalonExit> {
  return runTalon(args, { REDIS_URL: testRedisUrl(), TALON_LOG_LEVEL: 'warn' });
}

/** A critical, new alert on a host that is not contained. */
async function criticalAlert(): Promise<string> {
  const falcon = clientFor(w.emulator);
  const ids = await falcon.call('alerts.query_alerts_v2', {
    filter: "severity:>=90+status:'new'",
    limit: 50,
  });
  const details = await falcon.call('alerts.get_alerts_v2', { composite_ids: ids.resources });
  for (const alert of details.resources as { composite_id: string; agent_id: string }[]) {
    const host = await falcon.call('hosts.get_device_details', { ids: [alert.agent_id] });
    const device = host.resources[0] as { status?: string; product_type_desc?: string } | undefined;
    if (device?.status === 'normal' && device.product_type_desc !== 'Domain Controller')
      return alert.composite_id;
  }
  throw new Error('the seeded world has no critical alert on a normal host');
}

describe('talon test --record with approvals and notifications', () => {
  it('records the Slack answer and the decision, replays them, and keeps the webhook URL out', async () => {
    const path = join(dir, 'contain-host-with-approval.yaml');
    copyFileSync(join(PLAYBOOK_DIR, 'contain-host-with-approval.yaml'), path);
    const loaded = await loadPlaybookFile(path);
    if (!loaded.playbook) throw new Error('the example does not compile');
    const compositeId = await criticalAlert();
    const { runId } = await w.talon.enqueue({
      plan: loaded.playbook,
      inputs: { approvers: ['alice'], escalation_email: 'soc-escalation@example.com' },
      trigger: {
        type: 'webhook',
        at: Date.now(),
        source: 'contain-with-approval',
        data: { composite_id: compositeId },
      },
    });
    await w.waitParked(runId);
    await decideApproval(
      w.decider,
      { runId, stepId: 'decide', by: 'alice', choice: 'approve', reason: 'seen on the host', channel: 'cli' },
      Date.now(),
    );
    await w.waitStatus(runId, ['succeeded'], 20_000);

    const out = join(dir, 'approval.recorded.test.yaml');
    const recorded = await talon([
      'test',
      '--record',
      runId,
      '--prefix',
      w.prefix,
      '--seed',
      '11',
      '--out',
      out,
    ]);
    expect(recorded.err).toBe('');
    expect(recorded.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(
      /approvals:\n\s+decide:\n\s+decision: approve\n\s+by:\n\s+- alice\n\s+reason: seen on the host/,
    );
    expect(text).toMatch(/stand_ins:\n\s+notify\.slack:/);
    expect(text).not.toContain(slack.url);
    expect(text).not.toContain('/services/T000');

    expect((await talon(['test', out])).code).toBe(0);
    // Behaviour change: the approved step now lifts a containment instead of containing.
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('action_name: contain', 'action_name: lift_containment'),
    );
    const failing = await talon(['test', out]);
    expect(failing.code).toBe(1);
    // Lifting the containment of a host that is not contained changes nothing: no containment write.
    expect(failing.out).toContain('writes: expected hosts.perform_action, but it was not called');
  }, 90_000);
});
