// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.ts';

const ROOT = join(import.meta.dirname, '../..');
const INVALID = join(ROOT, 'test/fixtures/playbooks/invalid');

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (t: string) => (out += t), err: (t: string) => (err += t) },
    out: () => out,
    err: () => err,
  };
}

async function run(args: string[], options: Record<string, unknown> = {}) {
  const cap = capture();
  const code = await validateCommand.run!([args], options, cap.io);
  return { code, out: cap.out(), err: cap.err() };
}

describe('talon validate', () => {
  it('refuses a playbook name and a webhook path that an earlier file given already uses, at their lines', async () => {
    const dir = join(ROOT, 'test/fixtures/playbooks/cross-file');
    const { code, out } = await run([join(dir, 'first.yaml'), join(dir, 'second.yaml')]);
    expect(code).toBe(1);
    const second = 'test/fixtures/playbooks/cross-file/second.yaml';
    expect(out).toBe(
      [
        'test/fixtures/playbooks/cross-file/first.yaml: ok',
        '  scopes: (none)',
        `${second}:1:7: /name: playbook name "block-hash" is already used by test/fixtures/playbooks/cross-file/first.yaml`,
        `${second}:5:22: /triggers/1/webhook/path: webhook path "block-hash" is already used by test/fixtures/playbooks/cross-file/first.yaml (POST /hooks/block-hash)`,
        `${second}: 2 error(s)`,
        '',
      ].join('\n'),
    );
  });

  it('prints ok and the scopes for each valid playbook and exits 0', async () => {
    // The examples name secrets (${{ secrets.SOC_SLACK_WEBHOOK }}...): validate checks the names
    // against the secrets defined where it runs, here a folder of placeholders (values are not read).
    process.env['TALON_SECRETS_DIR'] = join(ROOT, 'test/fixtures/secrets');
    const { code, out } = await run([join(ROOT, 'playbooks')]).finally(() => {
      delete process.env['TALON_SECRETS_DIR'];
    });
    expect(code).toBe(0);
    expect(out).toContain(
      'triage-critical-alerts.yaml: ok\n  scopes: alerts:read, alerts:write, cases:write, ioc:write\n',
    );
    expect(out).toMatch(/triage-critical-detections\.yaml: ok, 2 warning\(s\)/);
  });

  it('prints every diagnostic and exits 1 when a file has errors', async () => {
    const { code, out } = await run([
      join(INVALID, 'many-errors.yaml'),
      join(ROOT, 'playbooks/expire-stale-iocs.yaml'),
    ]);
    expect(code).toBe(1);
    expect(out).toContain(
      'many-errors.yaml:13:11: /steps/1/uses: unknown operation "alerts.update_alert_v3"',
    );
    expect(out).toMatch(/many-errors\.yaml: 7 error\(s\)\n/);
    expect(out).toMatch(/expire-stale-iocs\.yaml: ok\n/);
  });

  it('fails on warnings with --strict', async () => {
    const { code } = await run([join(ROOT, 'playbooks/triage-critical-detections.yaml')], { strict: true });
    expect(code).toBe(1);
  });

  it('writes one JSON report with --json', async () => {
    const { code, out } = await run([join(INVALID, 'unknown-param.yaml')], { json: true });
    expect(code).toBe(1);
    const report = JSON.parse(out) as {
      ok: boolean;
      files: { errors: number; diagnostics: { code: string; line: number; column: number }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.files[0]?.diagnostics[0]).toMatchObject({
      code: 'SOAR_PLAYBOOK_UNKNOWN_PARAM',
      line: 6,
      column: 7,
    });
  });

  it('reports a missing file as an error', async () => {
    const { code, out } = await run([join(ROOT, 'playbooks/does-not-exist.yaml')]);
    expect(code).toBe(1);
    expect(out).toContain('no such file');
  });
});
