/**
 * The deployment files, checked by reading them (Docker does not run here): the Dockerfile is
 * multi-stage on a supported Node LTS, runs as a non-root user without dev dependencies and has a
 * HEALTHCHECK; .dockerignore keeps secrets and history out; docker-compose.yml has no default secret,
 * a Redis password, nothing published beyond localhost, FALCON_MEMBER_CID passed through and service
 * names that say what runs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (name: string) => readFileSync(resolve(ROOT, name), 'utf8');

/** Node LTS lines still supported in December 2026 (end of life: 22 in April 2027, 24 in April 2028). */
const SUPPORTED_LTS = [22, 24];
const SECRET_VARIABLES = [
  'REDIS_PASSWORD',
  'FALCON_CLIENT_ID',
  'FALCON_CLIENT_SECRET',
  'TALON_JOB_SIGNING_KEY',
  'TALON_WEBHOOK_SECRET',
];

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
}

const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
  const froms = lines.filter((l) => /^FROM\s/i.test(l));

  it('is multi-stage on a supported Node LTS', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const major = Number(/node:(\d+)/.exec(from)?.[1]);
      expect(SUPPORTED_LTS, from).toContain(major);
    }
    expect(lines.some((l) => /^COPY --from=build/.test(l))).toBe(true);
  });

  it('runs the compiled build in the build stage and ships dist/ to the runtime stage', () => {
    const buildStage = text.slice(text.indexOf('AS build'), text.indexOf('AS runtime'));
    expect(buildStage).toMatch(/&& npm run build\b/);
    expect(lines).toContain('COPY --from=build /app/dist ./dist');
  });

  it('installs no dev dependencies, runs as a non-root user and has a HEALTHCHECK', () => {
    const installs = lines.filter((l) => /npm (ci|install)/.test(l));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--omit=dev');
    const users = lines.filter((l) => /^USER\s/.test(l));
    expect(users.at(-1)).toMatch(/^USER\s+(node|[1-9]\d*)\s*$/);
    expect(lines.some((l) => /^HEALTHCHECK\s/.test(l))).toBe(true);
    expect(text).toContain('/healthz');
  });
});

describe('.dockerignore', () => {
  it('keeps .env files, tokens, the git history and local installs out of the image', () => {
    const entries = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const required of ['.git', '.env', '.env.*', 'node_modules', '**/tokens.json']) {
      expect(entries).toContain(required);
    }
  });
});

describe('docker-compose.yml', () => {
  it('has no default for any secret: every use fails with a message when unset', () => {
    for (const name of SECRET_VARIABLES) {
      const uses = [...composeText.matchAll(new RegExp(`\\$\\{${name}([^}]*)\\}`, 'g'))].map(
        (m) => m[1] ?? '',
      );
      expect(uses.length, name).toBeGreaterThan(0);
      for (const use of uses) expect(use, `${name}${use}`).toMatch(/^:\?\S.{5,}/);
    }
    // No literal secret either: nothing that looks like one is written out.
    expect(composeText).not.toMatch(/change-me|talon-emulator-secret|password\s*[:=]\s*\w/i);
  });

  it('runs Redis with a password and gives the Talon services a URL carrying it', () => {
    const redis = compose.services['redis'];
    expect(redis?.command).toContain('--requirepass');
    expect(redis?.ports).toBeUndefined();
    for (const [name, service] of Object.entries(compose.services)) {
      const url = service.environment?.['REDIS_URL'];
      if (url !== undefined)
        expect(url, name).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]+\}@redis:6379$/);
    }
  });

  it('publishes ports on 127.0.0.1 only', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('names services for what they run and passes FALCON_MEMBER_CID to every Talon service', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'falcon-emulator',
      'redis',
      'talon-server-scheduler',
      'talon-worker',
    ]);
    for (const name of ['talon-worker', 'talon-server-scheduler']) {
      const service = compose.services[name];
      expect(service?.environment?.['FALCON_MEMBER_CID'], name).toBe(['$', '{FALCON_MEMBER_CID:-}'].join(''));
      expect(service?.environment?.['TALON_JOB_SIGNING_KEY'], name).toMatch(/^\$\{TALON_JOB_SIGNING_KEY:\?/);
    }
    const commandOf = (name: string) => [compose.services[name]?.command ?? []].flat().join(' ');
    expect(commandOf('talon-worker')).toMatch(/talon\.mjs worker/);
    expect(commandOf('talon-server-scheduler')).toMatch(/talon\.mjs serve .*--scheduler/);
    expect(commandOf('falcon-emulator')).toMatch(/talon\.mjs emulator/);
  });
});
