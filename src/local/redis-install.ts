/**
 * Finding redis-server for the demo, the tests and the benchmarks on a fresh machine. When it is
 * missing, Talon installs it where it safely can (as root, with apt-get, saying so on one line;
 * TALON_NO_INSTALL=1 refuses) and otherwise stops with the one command that installs it.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { readInstallEnv } from '../config/index.ts';
import { SoarError } from '../shared/index.ts';

/** The facts the decision depends on (so it is tested without installing anything). */
export interface RedisInstallFacts {
  /** Path of redis-server, or null. */
  found: string | null;
  isRoot: boolean;
  hasAptGet: boolean;
  hasBrew: boolean;
  /** TALON_NO_INSTALL=1. */
  noInstall: boolean;
}

export type RedisInstallPlan =
  | { kind: 'use'; path: string }
  | { kind: 'install'; command: string[]; notice: string }
  | { kind: 'instruct'; message: string };

/** The one command a person runs to install Redis on this machine. */
function installHint(facts: RedisInstallFacts): string {
  if (facts.hasAptGet)
    return facts.isRoot ? 'apt-get install -y redis-server' : 'sudo apt-get install -y redis-server';
  if (facts.hasBrew) return 'brew install redis';
  return 'install Redis 7 from your package manager (the package is usually redis-server or redis)';
}

/** Decides what to do about redis-server. Pure. */
export function planRedisInstall(facts: RedisInstallFacts): RedisInstallPlan {
  if (facts.found !== null) return { kind: 'use', path: facts.found };
  const hint = installHint(facts);
  const orUrl = 'or set REDIS_URL to a running Redis 7';
  if (facts.noInstall) {
    return {
      kind: 'instruct',
      message: `redis-server is not installed and TALON_NO_INSTALL=1 forbids installing it; run: ${hint} (${orUrl})`,
    };
  }
  if (facts.isRoot && facts.hasAptGet) {
    return {
      kind: 'install',
      command: ['apt-get', 'install', '-y', '--no-install-recommends', 'redis-server'],
      notice:
        'talon: redis-server is missing; installing it with apt-get (set TALON_NO_INSTALL=1 to refuse)\n',
    };
  }
  return { kind: 'instruct', message: `redis-server is not installed; run: ${hint} (${orUrl})` };
}

/** The first executable named `name` on PATH (plus the sbin directories Debian puts redis-server in). */
export function findExecutable(name: string, path = readInstallEnv().PATH ?? ''): string | null {
  const dirs = [...path.split(delimiter).filter((d) => d !== ''), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface EnsureRedisOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the one-line notice goes. @default process.stderr */
  notify?(line: string): void;
}

/**
 * The path of redis-server, installing it first when `planRedisInstall` says so.
 * @throws SoarError SOAR_CONFIG_MISSING with the one command that installs it.
 */
export function ensureRedisServer(options: EnsureRedisOptions = {}): string {
  const env = options.env ?? readInstallEnv();
  const path = env['PATH'] ?? '';
  const facts: RedisInstallFacts = {
    found: findExecutable('redis-server', path),
    isRoot: process.getuid?.() === 0,
    hasAptGet: findExecutable('apt-get', path) !== null,
    hasBrew: findExecutable('brew', path) !== null,
    noInstall: env['TALON_NO_INSTALL'] === '1',
  };
  const plan = planRedisInstall(facts);
  if (plan.kind === 'use') return plan.path;
  if (plan.kind === 'instruct') throw new SoarError('SOAR_CONFIG_MISSING', plan.message);
  (options.notify ?? ((line) => process.stderr.write(line)))(plan.notice);
  const [command = 'apt-get', ...args] = plan.command;
  // apt-get gets the PATH it needs and nothing else of ours.
  const aptEnv = { PATH: path, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync(command, args, { stdio: 'ignore', env: aptEnv });
  // A fresh image has empty package lists: refresh them once and try again.
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env: aptEnv });
    result = spawnSync(command, args, { stdio: 'ignore', env: aptEnv });
  }
  const installed = findExecutable('redis-server', path);
  if (result.status !== 0 || installed === null) {
    throw new SoarError(
      'SOAR_CONFIG_MISSING',
      `installing redis-server with apt-get failed (exit ${String(result.status)}); run: apt-get update && apt-get install -y redis-server (or set REDIS_URL)`,
    );
  }
  return installed;
}
