/**
 * A fresh machine without redis-server: Talon installs it where it can (root + apt-get, one line
 * saying so), refuses with TALON_NO_INSTALL=1, and otherwise names the one command that installs it;
 * `npm test` then stops with that sentence, not a serialized error object.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureRedisServer, planRedisInstall, type RedisInstallFacts } from '../../src/local/index.ts';

const run = promisify(execFile);
const missing: RedisInstallFacts = {
  found: null,
  isRoot: false,
  hasAptGet: true,
  hasBrew: false,
  noInstall: false,
};

describe('redis-server on a fresh machine', () => {
  it('uses redis-server when it is there', () => {
    expect(planRedisInstall({ ...missing, found: '/usr/bin/redis-server' })).toEqual({
      kind: 'use',
      path: '/usr/bin/redis-server',
    });
  });

  it('installs it as root with apt-get, announcing it on one line', () => {
    const plan = planRedisInstall({ ...missing, isRoot: true });
    expect(plan.kind).toBe('install');
    if (plan.kind !== 'install') return;
    expect(plan.command.slice(0, 3)).toEqual(['apt-get', 'install', '-y']);
    expect(plan.command).toContain('redis-server');
    expect(plan.notice.trimEnd().split('\n')).toHaveLength(1);
    expect(plan.notice).toContain('TALON_NO_INSTALL=1');
  });

  it('prints the one command otherwise, and refuses to install with TALON_NO_INSTALL=1', () => {
    expect(planRedisInstall(missing)).toMatchObject({
      kind: 'instruct',
      message: expect.stringContaining('run: sudo apt-get install -y redis-server'),
    });
    expect(planRedisInstall({ ...missing, isRoot: true, noInstall: true })).toMatchObject({
      kind: 'instruct',
      message: expect.stringContaining('TALON_NO_INSTALL=1'),
    });
    expect(planRedisInstall({ ...missing, hasAptGet: false, hasBrew: true })).toMatchObject({
      message: expect.stringContaining('run: brew install redis'),
    });
  });

  it('finds nothing on an empty PATH and says what to run, installing nothing', () => {
    const notices: string[] = [];
    expect(() =>
      ensureRedisServer({
        env: { PATH: '/nonexistent-talon', TALON_NO_INSTALL: '1' },
        notify: (line) => notices.push(line),
      }),
    ).toThrow(/redis-server is not installed.*run: /);
    expect(notices).toEqual([]);
  });

  it('npm test without redis-server stops with one clear sentence', async () => {
    const failed = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', 'test/unit/errors.test.ts'],
      { env: { PATH: '/nonexistent-talon', TALON_NO_INSTALL: '1', HOME: process.env['HOME'] ?? '/tmp' } },
    ).then(
      () => null,
      (error: { code?: number; stdout: string; stderr: string }) => error,
    );
    expect(failed).not.toBeNull();
    const output = `${failed?.stdout ?? ''}${failed?.stderr ?? ''}`;
    expect(output).toContain('npm test needs a local redis-server: redis-server is not installed');
    expect(output).toContain('run: ');
    expect(output).not.toMatch(/details:|SoarError \{|"code":/);
  }, 60_000);
});
