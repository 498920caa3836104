import { execFile } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCli, sourceFingerprint } from '../../bin/compiled.mjs';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

describe('the compiled CLI (bin/compiled.mjs)', () => {
  it('changes its source fingerprint when a source file changes, so a stale build is never run', () => {
    const file = join(root, 'src/cli/main.ts');
    const before = statSync(file);
    // Whole seconds: a checkout's sub-millisecond mtime does not survive a round trip through utimes.
    const settled = Math.floor(before.mtimeMs / 1000);
    try {
      utimesSync(file, before.atime, settled);
      const fingerprint = sourceFingerprint();
      utimesSync(file, before.atime, settled + 1);
      expect(sourceFingerprint()).not.toBe(fingerprint);
      utimesSync(file, before.atime, settled);
      expect(sourceFingerprint()).toBe(fingerprint);
    } finally {
      utimesSync(file, before.atime, before.mtime);
    }
  });

  it('builds into a directory named by the fingerprint and runs from it, not from the sources', async () => {
    const target = await buildCli();
    expect(target.endsWith(sourceFingerprint())).toBe(true);
    const { stdout, stderr } = await run(
      process.execPath,
      ['bin/talon.mjs', 'ops', 'show', 'ioc.indicator_get'],
      {
        cwd: root,
      },
    );
    expect(stdout).toContain('route: GET /iocs/entities/indicators/v1');
    expect(stderr).not.toContain('running from sources');
  });

  it('runs from the sources through tsx when asked to (TALON_FROM_SOURCE=1)', async () => {
    const { stdout } = await run(process.execPath, ['bin/talon.mjs', 'ops', 'list', 'ods'], {
      cwd: root,
      env: { ...process.env, TALON_FROM_SOURCE: '1' },
    });
    expect(stdout).toContain('ods.query_scans');
  });
});
