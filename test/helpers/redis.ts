import { inject } from 'vitest';
import { newUuid } from '../../src/shared/index.ts';

/** The URL of the run's redis-server (started by global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * A key prefix unique to one test, so tests never see each other's queues or keys. It carries its
 * hash tag already (`{test-1a2b3c4d}`, as keyLayout would make it), so keys a test builds by hand
 * from it are the keys Talon writes.
 */
export function uniquePrefix(name = 'test'): string {
  return `{${name}-${newUuid().slice(0, 8)}}`;
}
