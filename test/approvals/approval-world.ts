/**
 * The world of the approval tests: the emulator over HTTP, the run queue on the test redis-server,
 * a real Talon worker (BullMQ), the approval store, and playbooks compiled from text by the real
 * compiler.
 */
import type { ActionPort } from '../../src/engine/ports.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import {
  type ApprovalDecider,
  createApprovalStore,
  type RunRecord,
  type RunWorker,
  startTalonWorker,
} from '../../src/queue/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startWorld, type World } from '../e2e/world.ts';

export const GROUPS = { 'soc-leads': ['carol', 'dave'] };

export interface ApprovalWorld extends World {
  worker: RunWorker;
  decider: ApprovalDecider;
  compile(yaml: string): CompiledPlaybook;
  start(plan: CompiledPlaybook, inputs?: Record<string, unknown>): Promise<string>;
  waitStatus(runId: string, statuses: readonly string[], timeoutMs?: number): Promise<RunRecord>;
  /** Resolves once the run is parked: record waiting and its BullMQ job delayed. */
  waitParked(runId: string): Promise<RunRecord>;
}

export async function startApprovalWorld(
  options: { concurrency?: number; actions?: ActionPort } = {},
): Promise<ApprovalWorld> {
  const world = await startWorld({ seed: 11 });
  const worker = startTalonWorker({
    redisUrl: testRedisUrl(),
    prefix: world.prefix,
    falcon: world.falcon,
    concurrency: options.concurrency ?? 4,
    approverGroups: GROUPS,
    ...(options.actions === undefined ? {} : { actions: options.actions }),
  });
  const decider: ApprovalDecider = {
    store: createApprovalStore(world.talon.redis, world.talon.keys),
    queue: world.talon.queue,
    redis: world.talon.redis,
    keys: world.talon.keys,
  };
  const waitStatus = (runId: string, statuses: readonly string[], timeoutMs = 15_000): Promise<RunRecord> =>
    waitFor<RunRecord | null>(
      async () => {
        const r = await world.talon.records.get(runId);
        return r && statuses.includes(r.status) ? r : null;
      },
      timeoutMs,
      `run ${runId} to be ${statuses.join('|')}`,
    ) as Promise<RunRecord>;
  return {
    ...world,
    worker,
    decider,
    compile(yaml) {
      const { playbook, diagnostics } = compilePlaybookSource(yaml, 'test.yaml');
      if (!playbook) throw new Error(diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
      return playbook;
    },
    async start(plan, inputs = {}) {
      const { runId } = await world.talon.enqueue({
        plan,
        inputs,
        trigger: { type: 'manual', at: Date.now(), source: 'test', data: null },
      });
      return runId;
    },
    waitStatus,
    async waitParked(runId) {
      const record = await waitStatus(runId, ['waiting']);
      await waitFor(
        async () => (await world.talon.queue.state(runId)) === 'delayed',
        10_000,
        `${runId} delayed`,
      );
      return record;
    },
    async close() {
      await worker.close(5000);
      await world.close();
    },
  };
}
