/**
 * The shipped defaults are the tested defaults: the chaos suite starts its workers with nothing but a
 * key prefix (so WORKER_DEFAULTS apply, as in `talon worker`), docker-compose overrides none of the
 * durability settings, and the CLI's defaults are WORKER_DEFAULTS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerCommand } from '../../src/cli/commands/worker.ts';
import { parseDurationMs } from '../../src/shared/index.ts';
import { WORKER_DEFAULTS } from '../../src/queue/index.ts';

const DURABILITY_KNOBS = /\b(lockDurationMs|stalledIntervalMs|maxStalledCount|backoffMs)\s*:/;
const DURABILITY_FLAGS = /--(lock-duration|stalled-interval|max-stalled)\b/;

describe('shipped defaults', () => {
  it('the chaos suite overrides no worker or retry setting', () => {
    const dir = 'test/chaos';
    const files = [
      ...readdirSync(dir).map((f) => join(dir, f)),
      ...readdirSync(join(dir, 'lib')).map((f) => join(dir, 'lib', f)),
    ].filter((f) => f.endsWith('.ts'));
    const offenders = files.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return DURABILITY_KNOBS.test(text) || DURABILITY_FLAGS.test(text);
    });
    expect(offenders).toEqual([]);
  });

  it('docker-compose runs `talon worker` with its defaults', () => {
    const compose = readFileSync('docker-compose.yml', 'utf8');
    expect(compose).toContain('"bin/talon.mjs", "worker"');
    expect(compose).not.toMatch(DURABILITY_FLAGS);
  });

  it('`talon worker` defaults are WORKER_DEFAULTS', () => {
    const defaults = Object.fromEntries(
      (workerCommand.options ?? []).map((o) => [o.flags.replace(/^.*--([a-z-]+).*$/, '$1'), o.default]),
    );
    expect(Number(defaults['concurrency'])).toBe(WORKER_DEFAULTS.concurrency);
    expect(parseDurationMs(String(defaults['lock-duration']), 'x')).toBe(WORKER_DEFAULTS.lockDurationMs);
    expect(parseDurationMs(String(defaults['stalled-interval']), 'x')).toBe(
      WORKER_DEFAULTS.stalledIntervalMs,
    );
    expect(parseDurationMs(String(defaults['grace']), 'x')).toBe(WORKER_DEFAULTS.graceMs);
    expect(Number(defaults['max-stalled'])).toBe(WORKER_DEFAULTS.maxStalledCount);
  });
});
