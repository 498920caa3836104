/**
 * Evidence for the security checks: every value Talon wrote to Redis under a prefix (run records,
 * checkpoints, intents, BullMQ job data, failure reasons and stack traces, events) as text, and a
 * search of collected texts for secret values.
 */
import type { RedisClient } from '../../../src/queue/index.ts';

/** Every key under `prefix:` with its value, one key per block of text. */
export async function redisText(redis: RedisClient, prefix: string): Promise<string> {
  const blocks: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = (await redis.call('SCAN', cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)) as [
      string,
      string[],
    ];
    cursor = next;
    for (const key of keys) blocks.push(`${key} ${JSON.stringify(await keyValue(redis, key))}`);
  } while (cursor !== '0');
  return blocks.join('\n');
}

async function keyValue(redis: RedisClient, key: string): Promise<unknown> {
  const type = String(await redis.call('TYPE', key));
  switch (type) {
    case 'string':
      return redis.call('GET', key);
    case 'hash':
      return redis.call('HGETALL', key);
    case 'list':
      return redis.call('LRANGE', key, 0, -1);
    case 'set':
      return redis.call('SMEMBERS', key);
    case 'zset':
      return redis.call('ZRANGE', key, 0, -1, 'WITHSCORES');
    case 'stream':
      return redis.call('XRANGE', key, '-', '+');
    default:
      return `(${type})`;
  }
}

/** Where each secret value occurs in the texts: "<text name>: <secret name>" per hit; empty = clean. */
export function secretHits(
  texts: Readonly<Record<string, string>>,
  secrets: Readonly<Record<string, string>>,
): string[] {
  const hits: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length >= 8 && text.includes(value)) hits.push(`${where}: ${name}`);
    }
  }
  return hits;
}
