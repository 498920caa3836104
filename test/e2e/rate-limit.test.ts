/**
 * A 429 from Falcon in the middle of a run: the worker's Falcon client reports it to the Redis rate
 * budget (fleet-wide block + queue pause + counter), waits the retry time, and the run still
 * completes with every write applied once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunWorker, startTalonWorker } from '../../src/queue/index.ts';
import type { Logger } from '../../src/shared/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { waitForRunStatus } from '../queue/fixtures.ts';
import { startWorld, type World } from './world.ts';

let world: World;
const warnings: { fields: Record<string, unknown>; message: string }[] = [];
// A logger that keeps warnings, to see the worker pause the queue.
const logger: Logger = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => warnings.push({ fields, message }),
  error: () => {},
  child: () => logger,
};
let worker: RunWorker;

beforeAll(async () => {
  world = await startWorld({ seed: 13 });
  worker = startTalonWorker({ redisUrl: testRedisUrl(), prefix: world.prefix, falcon: world.falcon, logger });
});
afterAll(async () => {
  await worker?.close(5000);
  await world?.close();
});

describe('Falcon rate limit during a run', () => {
  it('counts the 429 fleet-wide, honours the retry time, and completes the run', async () => {
    world.emulator.admin.injectFault({
      operationId: 'UpdateDetectsByIdsV2',
      status: 429,
      retryAfterSeconds: 1,
    });
    const plan = world.playbooks.get('triage-critical-detections');
    if (!plan) throw new Error('headline playbook missing');
    const { runId } = await world.talon.enqueue({
      plan,
      inputs: {},
      trigger: { type: 'manual', at: Date.now(), source: 'e2e', data: null },
    });
    const record = await waitForRunStatus(world.talon.records, runId, 'succeeded', 30_000);
    expect(record.error).toBeNull();
    expect(world.emulator.admin.stats().rateLimited).toBe(1);
    expect((await world.talon.records.stats())['falcon_429']).toBe(1);
    // The penalty paused the run queue for every worker, for the time Falcon asked.
    const pause = warnings.find((w) => /pausing the run queue fleet-wide/.test(w.message));
    expect(pause?.fields['pauseMs']).toBeGreaterThan(0);
    const updates = world.emulator.admin.audit().filter((e) => e.operationId === 'UpdateDetectsByIdsV2');
    const ids = updates.flatMap((e) => [...e.ids]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
  });
});
