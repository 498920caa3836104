// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * `talon run` as a new user meets it: no Falcon credentials and no REDIS_URL, so the run happens in
 * the process against an embedded emulator; a webhook body or stream event comes from a file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = mkdtempSync(join(tmpdir(), 'talon-run-local-'));
const HASH = `AB${'0'.repeat(61)}7`;

function file(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

async function talon(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/talon.mjs', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], TALON_LOG_LEVEL: 'warn' },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

const body = file('body.json', JSON.stringify({ sha256: HASH, reason: 'seen in phishing mail' }));

describe('talon run without credentials', () => {
  it('runs a webhook playbook with --trigger-body against an embedded emulator', async () => {
    const { code, out } = await talon('run', 'playbooks/webhook-block-hash.yaml', '--trigger-body', body);
    expect(code).toBe(0);
    expect(out).toContain('using an embedded emulator (seed 42)');
    expect(out).toMatch(/✓ block\s+succeeded/);
    expect(out).toContain(`outputs {"blocked":"${HASH.toLowerCase()}"}`);
    // The core.log line reads as words beside the step table, not as a JSON log record.
    expect(out).toContain(`      log: blocked ${HASH.toLowerCase()}; seen on 0 host(s)`);
  });

  it('prints each write of a dry run as the full request, named as the playbook names it', async () => {
    const { code, out } = await talon(
      'run',
      'playbooks/webhook-block-hash.yaml',
      '--trigger-body',
      body,
      '--dry-run',
    );
    expect(code).toBe(0);
    expect(out).toContain('block: ioc.indicator_create (indicator_create_v1) on 1 target(s) in 1 request(s)');
    expect(out).toContain('request 1: POST /iocs/entities/indicators/v1\n');
    expect(out).toContain(`"value": "${HASH.toLowerCase()}"`);
    expect(out).toContain('"description": "seen in phishing mail"');
    expect(out).not.toContain('[1 indicators]');
  });

  it('gives a stream event to the run as trigger.metadata and trigger.event', async () => {
    const playbook = file(
      'stream-echo.yaml',
      [
        'name: stream-echo',
        'triggers: [{ manual: true }]',
        'steps:',
        '  - id: say',
        '    uses: core.log',
        '    with: { message: "event ${{ trigger.metadata.eventType }} offset ${{ $string(trigger.offset) }} severity ${{ $string(trigger.event.Severity) }}" }',
      ].join('\n'),
    );
    const event = file(
      'event.json',
      JSON.stringify({
        metadata: { eventType: 'EppDetectionSummaryEvent', offset: 7 },
        event: { Severity: 70 },
      }),
    );
    const { code, out } = await talon('run', playbook, '--event', event);
    expect(code).toBe(0);
    expect(out).toContain('log: event EppDetectionSummaryEvent offset 7 severity 70');
  });

  it('refuses --trigger-body for a playbook without a webhook trigger, and a file that is not JSON', async () => {
    const noWebhook = await talon('run', 'playbooks/expire-stale-iocs.yaml', '--trigger-body', body);
    expect(noWebhook.code).toBe(2);
    expect(noWebhook.err).toContain('expire-stale-iocs has no webhook trigger; --trigger-body is its body');
    const broken = file('broken.json', '{"sha256": ');
    const notJson = await talon('run', 'playbooks/webhook-block-hash.yaml', '--trigger-body', broken);
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain(`--trigger-body ${broken}: not JSON`);
  });
});
