// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compilePlaybook,
  compilePlaybookSource,
  loadPlaybookDir,
  loadPlaybookFile,
  MAX_PLAYBOOK_BYTES,
  PlaybookError,
  pickAllowedEnv,
  isPlaybookFileName,
} from '../../src/playbook/index.ts';

const PLAYBOOKS = join(import.meta.dirname, '../../playbooks');
const tmp = mkdtempSync(join(tmpdir(), 'talon-playbook-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MINIMAL = 'name: minimal\nsteps:\n  - id: say\n    uses: core.log\n    with: { message: hi }\n';

describe('example playbooks', () => {
  const files = readdirSync(PLAYBOOKS).filter(isPlaybookFileName);

  it('has the examples the issue asks for', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  it.each(files)('%s validates without errors', async (name) => {
    const result = await loadPlaybookFile(join(PLAYBOOKS, name));
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.playbook?.name).toBe(name.replace(/\.yaml$/, ''));
  });

  it('computes the scopes of the headline chain from its steps', async () => {
    const { playbook } = await loadPlaybookFile(join(PLAYBOOKS, 'triage-critical-alerts.yaml'));
    expect(playbook?.scopes).toEqual(['alerts:read', 'alerts:write', 'cases:write', 'ioc:write']);
  });

  it('warns on decommissioned writes, and --strict makes that an error', async () => {
    const path = join(PLAYBOOKS, 'triage-critical-detections.yaml');
    const lax = await loadPlaybookFile(path);
    expect(lax.diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'SOAR_PLAYBOOK_DECOMMISSIONED'],
      ['warning', 'SOAR_PLAYBOOK_DECOMMISSIONED'],
    ]);
    const strict = await loadPlaybookFile(path, { strict: true });
    expect(strict.playbook).toBeNull();
    expect(strict.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });
});

describe('docs/playbooks.md', () => {
  it('shows complete playbooks that validate', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../docs/playbooks.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n(# yaml-language-server[\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const complete = blocks.filter((b) => /^steps:/m.test(b));
    expect(complete.length).toBeGreaterThan(0);
    for (const block of complete) expect(compilePlaybookSource(block, 'docs.yaml').diagnostics).toEqual([]);
  });
});

describe('compilePlaybook', () => {
  it('applies defaults and resolves names to operation ids', () => {
    const plan = compilePlaybook(
      [
        'name: shape',
        'steps:',
        '  - id: find',
        '    uses: GetQueriesAlertsV2',
        '    paginate: { max_items: 50 }',
        '  - id: each',
        '    foreach: { items: [1, 2], concurrency: 2 }',
        '    uses: core.log',
        '    with: { message: "${{ item }}" }',
        '    retry: { attempts: 3, delay: 250ms }',
        '    timeout: 1m',
        '    on_error: continue',
      ].join('\n'),
      'shape.yaml',
    );
    expect(plan.triggers).toEqual([{ type: 'manual' }]);
    expect(plan.steps[0]).toMatchObject({
      action: { kind: 'falcon', operationId: 'GetQueriesAlertsV2', collection: 'alerts', write: false },
      paginate: { maxItems: 50 },
      retry: { attempts: 1, backoff: 'exponential', delayMs: 1000 },
      if: null,
      onError: 'fail',
      line: 3,
    });
    expect(plan.steps[1]).toMatchObject({
      action: { kind: 'core', name: 'core.log' },
      foreach: { items: '[1,2]', concurrency: 2 },
      retry: { attempts: 3, backoff: 'exponential', delayMs: 250 },
      timeoutMs: 60_000,
      onError: 'continue',
      line: 6,
    });
    expect(plan.scopes).toEqual(['alerts:read']);
    expect(Object.isFrozen(plan.steps[1]?.with)).toBe(true);
  });

  it('compiles select to its expression text, and null when the step has none', () => {
    const plan = compilePlaybook(
      [
        'name: projection',
        'steps:',
        '  - id: find',
        '    uses: alerts.query_alerts_v2',
        '    paginate: all',
        "    select: ${{ resources[$contains($, 'ind:')] }}",
        '  - id: details',
        '    uses: alerts.get_alerts_v2',
        '    with: { composite_ids: "${{ steps.find.resources }}" }',
      ].join('\n'),
      'projection.yaml',
    );
    expect(plan.steps.map((s) => s.select)).toEqual(["resources[$contains($, 'ind:')]", null]);
  });

  it('compiles if: false to a condition that never holds and if: true to none', () => {
    const plan = compilePlaybook(
      'name: flags\nsteps:\n  - { id: a, if: false, uses: core.set }\n  - { id: b, if: true, uses: core.set }\n',
      'flags.yaml',
    );
    expect(plan.steps.map((s) => s.if)).toEqual(['false', null]);
  });

  it('compiles cron, webhook and poll triggers', () => {
    const plan = compilePlaybook(
      [
        'name: triggers',
        'triggers:',
        '  - cron: "0 9 * * mon-fri"',
        '    timezone: Europe/Berlin',
        '  - webhook: { path: hook, secret_env: HOOK_SECRET }',
        '  - poll: { uses: alerts.query_alerts_v2, filter: "status:\'new\'", every: 30s, mode: batch }',
        MINIMAL.split('\n').slice(1).join('\n'),
      ].join('\n'),
      'triggers.yaml',
    );
    expect(plan.triggers).toEqual([
      { type: 'cron', schedule: '0 9 * * mon-fri', timezone: 'Europe/Berlin', overlap: 'skip' },
      { type: 'webhook', path: 'hook', secretEnv: 'HOOK_SECRET' },
      {
        type: 'poll',
        operationId: 'GetQueriesAlertsV2',
        with: { filter: "status:'new'" },
        everyMs: 30_000,
        cursor: null,
        mode: 'batch',
      },
    ]);
    expect(plan.scopes).toEqual(['alerts:read']);
  });

  it("gives a cron trigger without a timezone UTC, as documented, not the machine's zone", () => {
    const plan = compilePlaybook(
      ['name: utc', 'triggers:', '  - cron: "0 7 * * *"', MINIMAL.split('\n').slice(1).join('\n')].join('\n'),
      'utc.yaml',
    );
    expect(plan.triggers).toEqual([
      { type: 'cron', schedule: '0 7 * * *', timezone: 'UTC', overlap: 'skip' },
    ]);
  });

  it('throws a PlaybookError holding every diagnostic', () => {
    const text = 'name: broken\nsteps:\n  - id: a\n    uses: core.lg\n  - id: a\n    uses: core.set\n';
    let error: unknown;
    try {
      compilePlaybook(text, 'broken.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlaybookError);
    const playbookError = error as PlaybookError;
    expect(playbookError.code).toBe('SOAR_PLAYBOOK_INVALID');
    expect(playbookError.diagnostics.map((d) => d.code)).toEqual([
      'SOAR_PLAYBOOK_UNKNOWN_OPERATION',
      'SOAR_PLAYBOOK_DUPLICATE_STEP_ID',
    ]);
    expect(playbookError.message).toContain('broken.yaml:4:11');
  });

  it('accepts a few anchors and aliases', () => {
    const text =
      'name: anchors\nsteps:\n  - id: a\n    uses: core.set\n    with: &w { x: 1 }\n  - id: b\n    uses: core.set\n    with: *w\n';
    expect(compilePlaybook(text, 'anchors.yaml').steps[1]?.with).toEqual({ x: 1 });
  });

  it('rejects source over 1 MiB before parsing it', () => {
    const text = `${MINIMAL}# ${'x'.repeat(MAX_PLAYBOOK_BYTES)}\n`;
    const result = compilePlaybookSource(text, 'big.yaml');
    expect(result.diagnostics.map((d) => d.code)).toEqual(['SOAR_PLAYBOOK_TOO_LARGE']);
  });
});

describe('loadPlaybookFile and loadPlaybookDir', () => {
  it('reports a missing file and an oversized file as diagnostics', async () => {
    const missing = await loadPlaybookFile(join(tmp, 'nope.yaml'));
    expect(missing.diagnostics[0]).toMatchObject({
      code: 'SOAR_PLAYBOOK_READ',
      message: 'no such file',
      line: 1,
    });
    const big = join(tmp, 'big.yaml');
    writeFileSync(big, `${MINIMAL}#${'x'.repeat(MAX_PLAYBOOK_BYTES)}\n`);
    expect((await loadPlaybookFile(big)).diagnostics[0]?.code).toBe('SOAR_PLAYBOOK_TOO_LARGE');
    rmSync(big);
  });

  it('loads a directory and rejects a second playbook with the same name', async () => {
    const dir = mkdtempSync(join(tmp, 'dir-'));
    writeFileSync(join(dir, 'a.yaml'), MINIMAL);
    writeFileSync(join(dir, 'b.yml'), MINIMAL);
    writeFileSync(join(dir, 'c.yaml'), MINIMAL.replace('minimal', 'other'));
    writeFileSync(join(dir, 'notes.txt'), 'not a playbook');
    const result = await loadPlaybookDir(dir);
    expect(result.playbooks.map((p) => p.name)).toEqual(['minimal', 'other']);
    expect(result.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['SOAR_PLAYBOOK_DUPLICATE_NAME', expect.stringContaining('playbook name "minimal" is already used by')],
    ]);
  });

  it('refuses two names that map to one internal key (triage_alerts and triage-alerts)', async () => {
    const dir = mkdtempSync(join(tmp, 'dir-'));
    writeFileSync(join(dir, 'a.yaml'), MINIMAL.replace('minimal', 'triage-alerts'));
    writeFileSync(join(dir, 'b.yaml'), MINIMAL.replace('minimal', 'triage_alerts'));
    const result = await loadPlaybookDir(dir);
    expect(result.playbooks.map((p) => p.name)).toEqual(['triage-alerts']);
    expect(result.diagnostics.map((d) => [d.code, d.file.endsWith('b.yaml'), d.line, d.message])).toEqual([
      [
        'SOAR_PLAYBOOK_DUPLICATE_NAME',
        true,
        1,
        expect.stringContaining(
          '"triage_alerts" maps to the same internal key "triage-alerts" as "triage-alerts"',
        ),
      ],
    ]);
  });

  it('gives cron schedules the documented default time zone, UTC', () => {
    const plan = compilePlaybook(
      `name: c\ntriggers:\n  - cron: "0 9 * * *"\n${MINIMAL.split('\n').slice(1).join('\n')}`,
      'c.yaml',
    );
    expect(plan.triggers).toEqual([
      { type: 'cron', schedule: '0 9 * * *', timezone: 'UTC', overlap: 'skip' },
    ]);
  });
});

describe('pickAllowedEnv', () => {
  it('passes only the variables the playbook lists', () => {
    expect(pickAllowedEnv({ envAllowed: ['A', 'MISSING'] }, { A: '1', SECRET: 's' })).toEqual({ A: '1' });
  });
});
