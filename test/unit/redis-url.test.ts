import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl } from '../../src/config/index.ts';
import { SoarError } from '../../src/shared/index.ts';

function failure(url: string): SoarError {
  try {
    parseRedisUrl(url);
  } catch (error) {
    if (error instanceof SoarError) return error;
    throw error;
  }
  throw new Error(`${url} parsed`);
}

describe('parseRedisUrl', () => {
  it('reads one Redis, without a replica wait unless asked for', () => {
    const single = parseRedisUrl('redis://127.0.0.1:6379/2');
    expect(single).toMatchObject({ kind: 'single', url: 'redis://127.0.0.1:6379/2', wait: { replicas: 0 } });
    const waiting = parseRedisUrl('rediss://h:6380?wait=1&waitMs=250');
    expect(waiting).toMatchObject({
      kind: 'single',
      url: 'rediss://h:6380',
      wait: { replicas: 1, timeoutMs: 250 },
    });
  });

  it('reads cluster seed nodes, credentials and TLS', () => {
    const topology = parseRedisUrl('rediss+cluster://talon:p%40ss@10.0.0.1:7000,node-b,[::1]:7002?wait=2');
    if (topology.kind !== 'cluster') throw new Error(topology.kind);
    expect(topology.nodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'node-b', port: 6379 },
      { host: '::1', port: 7002 },
    ]);
    expect(topology.tls).toBe(true);
    expect(topology.username).toBe('talon');
    expect(topology.password?.reveal()).toBe('p@ss');
    expect(topology.wait).toEqual({ replicas: 2, timeoutMs: 500 });
    expect(topology.display).toBe('rediss+cluster://talon:***@10.0.0.1:7000,node-b,[::1]:7002?wait=2');
  });

  it('reads sentinels, the master name and the database', () => {
    const topology = parseRedisUrl('redis+sentinel://:secret@s1:26379,s2/mymaster/3');
    if (topology.kind !== 'sentinel') throw new Error(topology.kind);
    expect(topology.sentinels).toEqual([
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ]);
    expect(topology).toMatchObject({ masterName: 'mymaster', db: 3, tls: false, username: null });
    expect(topology.wait).toEqual({ replicas: 1, timeoutMs: 500 });
  });

  it.each([
    ['redis+cluster://:hunter2@h1:70000', 'host 1 ("h1:70000") has port "70000"'],
    ['redis+cluster://:hunter2@h1:7000,,h3', 'host 2 ("") has no valid host name'],
    ['redis+cluster://:hunter2@h1:7000/1', 'a cluster has no database path'],
    ['redis+sentinel://:hunter2@s1:26379', 'names no master'],
    ['redis+sentinel://:hunter2@s1/m/x', 'database "x" after the master name'],
    ['redis+cluster://:hunter2@h1?wait=x', 'wait=x: expected a replica count'],
    ['redis+cluster://:hunter2@h1?tls=1', 'unknown option "tls"'],
    ['mongodb://:hunter2@h1', 'unknown scheme "mongodb://"'],
    ['redis://:hunter2@h1/abc', 'the path "/abc" must be a database number'],
    ['127.0.0.1:6379', 'does not start with a scheme'],
  ])('refuses %s, saying what and where, without the password', (url, what) => {
    const error = failure(url);
    expect(error.code).toBe('SOAR_CONFIG_INVALID');
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).toContain(what);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error)).not.toContain('hunter2');
  });

  // Generated passwords (base64) often hold '/', and some hold '?' or '#': written raw, they must not end
  // the credentials early and show up in the error.
  it.each([
    ['redis://:hun/ter2@h1:6379', 'is not a valid URL'],
    ['redis://:hun?ter2@h1:6379', 'is not a valid URL'],
    ['redis+cluster://talon:hun/ter2@h1:70000', 'host 1 ("h1:70000") has port "70000"'],
    ['redis+sentinel://:hun?ter2@s1:26379', 'names no master'],
  ])('refuses %s without any part of a password holding / or ?', (url, what) => {
    const error = failure(url);
    expect(error.message).toContain(what);
    for (const part of ['hun', 'ter2']) expect(JSON.stringify(error)).not.toContain(part);
  });

  it('reads a cluster password holding a raw / or ?', () => {
    const topology = parseRedisUrl('redis+cluster://talon:a/b?c@h1:7000,h2:7001?wait=0');
    if (topology.kind !== 'cluster') throw new Error(`expected a cluster, got ${topology.kind}`);
    expect(topology.password?.reveal()).toBe('a/b?c');
    expect(topology.nodes).toEqual([
      { host: 'h1', port: 7000 },
      { host: 'h2', port: 7001 },
    ]);
    expect(topology.wait.replicas).toBe(0);
    expect(topology.display).toBe('redis+cluster://talon:***@h1:7000,h2:7001?wait=0');
  });

  it('redacts passwords in every form', () => {
    expect(redactRedisUrl('redis://u:p/w@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactRedisUrl('redis://:p?w#x@h:1')).toBe('redis://:***@h:1');
    expect(redactRedisUrl('redis://u:pw@h:1/0')).toBe('redis://u:***@h:1/0');
    expect(redactRedisUrl('redis://pw@h')).toBe('redis://:***@h');
    expect(redactRedisUrl('redis+sentinel://:pw@a,b/m')).toBe('redis+sentinel://:***@a,b/m');
    expect(redactRedisUrl('redis://h:1')).toBe('redis://h:1');
  });
});
