/**
 * Every example playbook in playbooks/, enqueued into BullMQ and run by a real worker (the same
 * startTalonWorker that `talon worker` uses: Falcon client, Redis rate budget, fenced checkpoints, run
 * records) against the emulator over HTTP. Checks the run record and the emulator's audit log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunWorker, startTalonWorker } from '../../src/queue/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { OWN_TESTS, runExampleThroughQueue, WRITES } from './example-runs.ts';
import { startWorld, type World } from './world.ts';

let world: World;
let worker: RunWorker;

beforeAll(async () => {
  world = await startWorld({ seed: 5 });
  worker = startTalonWorker({
    redisUrl: testRedisUrl(),
    prefix: world.prefix,
    falcon: world.falcon,
    concurrency: 2,
    env: { TALON_IDP_RULE_OWNER: 'soc-team' },
  });
});

afterAll(async () => {
  await worker?.close(5000);
  await world?.close();
});

beforeEach(() => world.emulator.admin.reset());

describe('example playbooks through the queue', () => {
  it('covers every example in playbooks/', () => {
    const here = [...world.playbooks.keys()].filter((name) => !Object.hasOwn(OWN_TESTS, name));
    expect(here.sort()).toEqual(Object.keys(WRITES).sort());
  });

  it.each(Object.keys(WRITES))('%s runs to success and writes what it should, once', async (name) => {
    await runExampleThroughQueue(world, name);
  });

  it('keeps secrets out of every Redis key it wrote (job data, run records, checkpoints)', async () => {
    const secret = world.emulator.credentials.clientSecret;
    const keys = (await world.talon.redis.call('KEYS', `${world.prefix}:*`)) as string[];
    expect(keys.length).toBeGreaterThan(10);
    let dump = '';
    for (const key of keys) {
      const type = String(await world.talon.redis.call('TYPE', key));
      if (type === 'string') dump += String(await world.talon.redis.call('GET', key));
      else if (type === 'hash') dump += JSON.stringify(await world.talon.redis.call('HGETALL', key));
      else if (type === 'list') dump += JSON.stringify(await world.talon.redis.call('LRANGE', key, 0, -1));
      else if (type === 'zset') dump += JSON.stringify(await world.talon.redis.call('ZRANGE', key, 0, -1));
      else if (type === 'set') dump += JSON.stringify(await world.talon.redis.call('SMEMBERS', key));
      else if (type === 'stream')
        dump += JSON.stringify(await world.talon.redis.call('XRANGE', key, '-', '+'));
    }
    expect(dump).toContain('triage-critical-detections');
    expect(dump).not.toContain(secret);
    expect(dump.toLowerCase()).not.toMatch(/access_token|bearer /);
  });
});
