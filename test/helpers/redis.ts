import { inject } from 'vitest';
import { newUuid } from '../../src/shared/index.ts';

/** The URL of the run's redis-server (started by global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix unique to one test, so tests never see each other's queues or keys. */
export function uniquePrefix(name = 'test'): string {
  return `${name}-${newUuid().slice(0, 8)}`;
}
