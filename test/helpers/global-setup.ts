import type { TestProject } from 'vitest/node';
import { type LocalRedis, startLocalRedis } from '../../src/local/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let redis: LocalRedis | undefined;

/**
 * Starts one real redis-server (persistence off, free port) for the whole test run. Without one, the
 * run stops with one clear sentence (what is missing, the command that fixes it), not an error object.
 */
export async function setup(project: TestProject): Promise<void> {
  try {
    redis = await startLocalRedis();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const message = `npm test needs a local redis-server: ${reason}`;
    process.stderr.write(`\n${message}\n\n`);
    // A plain Error with no extra fields: vitest prints its message, not a serialized object.
    const plain = new Error(message);
    plain.stack = message;
    throw plain;
  }
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
}
