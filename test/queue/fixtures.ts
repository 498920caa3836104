import { afterEach } from 'vitest';
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';

/** A small compiled plan for queue tests (the queue only carries it; it never interprets steps). */
export function tinyPlan(name = 'tiny-playbook', stepIds: string[] = ['find', 'tag']): CompiledPlaybook {
  return {
    name,
    description: 'test plan',
    file: `playbooks/${name}.yaml`,
    hash: `hash-${name}`,
    triggers: [{ type: 'manual' }],
    inputs: {},
    maxTargets: null,
    concurrency: null,
    steps: stepIds.map((id, i) => ({
      id,
      uses: 'core.log',
      action: { kind: 'core', name: 'log' },
      with: {},
      if: null,
      foreach: null,
      paginate: null,
      retry: { attempts: 1, backoff: 'fixed', delayMs: 0 },
      timeoutMs: null,
      onError: 'fail',
      line: i + 1,
    })),
    outputs: {},
    scopes: [],
    envAllowed: [],
  };
}

import type { RunRecord, RunRecords } from '../../src/queue/index.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** Waits until the run record of `runId` has `status` and returns it. */
export async function waitForRunStatus(
  records: RunRecords,
  runId: string,
  status: RunRecord['status'],
  timeoutMs = 10_000,
): Promise<RunRecord> {
  let last: RunRecord | null = null;
  await waitFor(
    async () => {
      last = await records.get(runId);
      return last?.status === status;
    },
    timeoutMs,
    `run ${runId} to be ${status}`,
  );
  return last as unknown as RunRecord;
}

/**
 * What a test opens (queues, workers, connections), closed after each test, the last opened first.
 * Call once at the top of a test file and push what the tests open.
 */
export function closedAfterEach(): { close(): Promise<void> }[] {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of open.splice(0).reverse()) await thing.close();
  });
  return open;
}

/** The trigger of a run started by hand, for run job data. */
export const manualTrigger = { type: 'manual' as const, at: 0, source: 'test', data: null };
