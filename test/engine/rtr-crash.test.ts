// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * RTR after a crash between sending a command and its checkpoint (issue 11): an active-responder
 * operation has no read-back, so the resumed run stops with SOAR_ENGINE_UNKNOWN_OUTCOME and sends
 * nothing again; rtr.run_command's kill reads the host back (ps) and, the process being gone, kills
 * nowhere twice. Emulator over HTTP, real client, Redis checkpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionRunner } from '../../src/actions/index.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import type { CheckpointStore, RunResult } from '../../src/engine/index.ts';
import { runPlaybook } from '../../src/engine/index.ts';
import { type CompiledPlaybook, compilePlaybook } from '../../src/playbook/index.ts';
import { connectRedis, createCheckpointStore, keyLayout } from '../../src/queue/index.ts';
import { newRunId, SoarError, silentLogger, systemClock } from '../../src/shared/index.ts';
import { startTestEmulator } from '../emulator/helpers.ts';
import { clientFor } from '../helpers/falcon.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const redis = connectRedis(testRedisUrl());
let emulator: RunningEmulator;
let host = '';
let pid = '';

beforeAll(async () => {
  emulator = await startTestEmulator();
  const falcon = clientFor(emulator);
  const ids = (await falcon.call('QueryDevicesByFilter', { filter: "platform_name:'Linux'", limit: 40 }))
    .resources as string[];
  const init = await falcon.call('BatchInitSessions', { host_ids: ids });
  const online = init.resources.filter((r) => (r as { session_id: string }).session_id !== '') as {
    aid: string;
  }[];
  host = online[0]?.aid as string;
  const ps = await falcon.call('BatchCmd', {
    batch_id: init.meta['batch_id'],
    base_command: 'ps',
    command_string: 'ps',
    optional_hosts: [host],
  });
  pid = /kworkerd (\d+)/.exec((ps.resources[0] as { stdout: string }).stdout)?.[1] as string;
});

afterAll(async () => {
  await emulator?.close();
  await redis.close();
});

/** Runs the plan; the k-th durable operation "kills the worker" just before it is written; then resumes. */
async function crashBeforeOp(plan: CompiledPlaybook, k: number): Promise<RunResult> {
  const store = createCheckpointStore(redis, keyLayout(uniquePrefix('rtr-crash')), null);
  const runId = newRunId();
  const falcon = clientFor(emulator);
  const actions = createActionRunner({
    secrets: { get: () => Promise.reject(new Error('none')) } as never,
    policy: {} as never,
  });
  for (let attempt = 0; attempt < 3; attempt++) {
    let ops = 0;
    const killed = new SoarError('SOAR_QUEUE_LOCK_LOST', `simulated crash at durable op ${k}`);
    const guard = async (write: () => Promise<void>) => {
      ops += 1;
      if (attempt === 0 && ops === k) throw killed;
      return write();
    };
    const checkpoints: CheckpointStore = {
      load: (id) => store.load(id),
      pendingIntents: (id) => store.pendingIntents(id),
      save: (id, checkpoint) => guard(() => store.save(id, checkpoint)),
      markIntent: (id, key, detail) => guard(() => store.markIntent(id, key, detail)),
    };
    const events = { runStarted: async () => {}, stepUpdated: async () => {}, runFinished: async () => {} };
    const ports = { falcon, actions, checkpoints, events, clock: systemClock, logger: silentLogger };
    try {
      return await runPlaybook(
        plan,
        {
          runId,
          inputs: {},
          trigger: { type: 'manual', payload: null, at: Date.now() },
          startedAt: Date.now(),
        },
        ports,
        {},
      );
    } catch (error) {
      if (!(error instanceof SoarError) || error.code !== 'SOAR_QUEUE_LOCK_LOST') throw error;
    }
  }
  throw new Error('run did not finish');
}

const kills = () => emulator.admin.audit().filter((e) => e.action?.includes(`kill ${pid}`));

describe('RTR commands after a crash before their checkpoint', () => {
  it('a raw active-responder command is not sent again: SOAR_ENGINE_UNKNOWN_OUTCOME', async () => {
    emulator.admin.reset();
    // Durable operations: save session (1), intent kill (2), save kill (3): crash before 3.
    const plan = compilePlaybook(
      `
name: raw-kill
triggers: [{ manual: true }]
steps:
  - id: session
    uses: rtr.init_session
    with: { device_id: "${host}" }
  - id: kill
    uses: rtr.execute_active_responder_command
    with: { session_id: "\${{ steps.session.resources[0].session_id }}", device_id: "${host}", base_command: kill, command_string: "kill ${pid}" }
`,
      'raw-kill.yaml',
    );
    const result = await crashBeforeOp(plan, 3);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('SOAR_ENGINE_UNKNOWN_OUTCOME');
    expect(kills()).toHaveLength(1);
  });

  it('rtr.run_command kill reads the host back and kills nowhere twice', async () => {
    emulator.admin.reset();
    // Durable operations: intent (1), save (2): crash before 2.
    const plan = compilePlaybook(
      `
name: batch-kill
triggers: [{ manual: true }]
steps:
  - id: kill
    uses: rtr.run_command
    with: { hosts: ["${host}"], command: "kill ${pid}", level: active-responder }
outputs:
  status: \${{ steps.kill.hosts[0].status }}
`,
      'batch-kill.yaml',
    );
    const result = await crashBeforeOp(plan, 2);
    expect(result.error).toBeNull();
    expect(result.status).toBe('succeeded');
    expect(result.outputs['status']).toBe('already');
    expect(kills()).toHaveLength(1);
  });
});
