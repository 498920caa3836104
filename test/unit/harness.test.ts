import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocalRedis } from '../../src/local/index.ts';
import { testRedisUrl } from '../helpers/redis.ts';

function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe('test harness', () => {
  it('provides a running redis-server with persistence off', async () => {
    const url = new URL(testRedisUrl());
    expect(url.hostname).toBe('127.0.0.1');
    expect(await ping(Number(url.port))).toBe('+PONG');
  });

  it('starts, kills and restarts an extra redis-server on its own port', async () => {
    const redis = await startLocalRedis();
    try {
      expect(await ping(redis.port)).toBe('+PONG');
      await redis.kill();
      await expect(ping(redis.port)).rejects.toThrow();
      await redis.restart();
      expect(await ping(redis.port)).toBe('+PONG');
    } finally {
      await redis.stop();
    }
  });
});
