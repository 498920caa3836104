import type { TestProject } from 'vitest/node';
import { type LocalRedis, startLocalRedis } from '../../src/local/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: LocalRedis | undefined;

/** Starts one real redis-server (persistence off, free port) for the whole test run. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startLocalRedis();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
