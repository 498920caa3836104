// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * Named secrets: where they come from (env, NAME_FILE, a secrets folder), how a playbook names them
 * (only the whole value of a secret slot), what `talon validate` says about unknown names (with
 * file:line:col), and that a compiled plan carries the name, never the value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.ts';
import { readExpressionEnv, readSecretSources } from '../../src/config/index.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'talon-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the secret store', () => {
  it('reads TALON_SECRET_<NAME>, TALON_SECRET_<NAME>_FILE and files in TALON_SECRETS_DIR', async () => {
    writeFileSync(join(dir, 'FROM_FILE'), 'file-value-1\n');
    const secretsDir = mkdtempSync(join(dir, 'secrets-'));
    writeFileSync(join(secretsDir, 'IN_DIR'), 'dir-value-1');
    writeFileSync(join(secretsDir, 'not a name'), 'ignored');
    const store = createSecretStore(
      readSecretSources({
        TALON_SECRET_PLAIN: 'env-value-1',
        TALON_SECRET_FROM_FILE_FILE: join(dir, 'FROM_FILE'),
        TALON_SECRETS_DIR: secretsDir,
        OTHER: 'x',
      }),
    );
    expect(store.names()).toEqual(['FROM_FILE', 'IN_DIR', 'PLAIN']);
    expect((await store.get('PLAIN')).reveal()).toBe('env-value-1');
    expect((await store.get('FROM_FILE')).reveal()).toBe('file-value-1');
    expect((await store.get('IN_DIR')).reveal()).toBe('dir-value-1');
    expect(String(await store.get('PLAIN'))).toBe('[redacted]');
  });

  it('names a missing secret and how to define it; an empty file is unreadable', async () => {
    writeFileSync(join(dir, 'EMPTY'), '');
    const store = createSecretStore(readSecretSources({ TALON_SECRET_EMPTY_FILE: join(dir, 'EMPTY') }));
    await expect(store.get('NOPE')).rejects.toMatchObject({
      code: 'SOAR_SECRET_MISSING',
      message: expect.stringContaining('TALON_SECRET_NOPE_FILE'),
    });
    await expect(store.get('EMPTY')).rejects.toMatchObject({ code: 'SOAR_SECRET_UNREADABLE' });
  });

  it('refuses a name set both as a value and as a file', () => {
    expect(() => readSecretSources({ TALON_SECRET_A: 'x', TALON_SECRET_A_FILE: '/tmp/a' })).toThrow(
      /both set/,
    );
  });

  it('keeps secret variables out of what expressions can read through env', () => {
    const env = readExpressionEnv({ TALON_SECRET_A: 'x', TALON_SECRETS_DIR: '/s', HOME: '/h' });
    expect(env).toEqual({ HOME: '/h' });
  });
});

const playbook = (withText: string) => `name: tell
steps:
  - id: say
    uses: notify.slack
    with:
${withText}
`;

describe('secrets in playbooks', () => {
  it('compiles a secret slot to its name only', () => {
    const { playbook: plan, diagnostics } = compilePlaybookSource(
      playbook('      webhook_url: ${{ secrets.SLACK_HOOK }}\n      text: hello'),
      'p.yaml',
      { secretNames: ['SLACK_HOOK'] },
    );
    expect(diagnostics).toEqual([]);
    expect(plan?.steps[0]?.action).toEqual({ kind: 'action', name: 'notify.slack' });
    expect(plan?.steps[0]?.with).toEqual({ webhook_url: { $secret: 'SLACK_HOOK' }, text: 'hello' });
  });

  it('rejects an unknown secret name at its file:line:col, with a suggestion', () => {
    const { diagnostics } = compilePlaybookSource(
      playbook('      webhook_url: ${{ secrets.SLACK_HOK }}'),
      'p.yaml',
      {
        secretNames: ['SLACK_HOOK'],
      },
    );
    expect(diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['SOAR_PLAYBOOK_UNKNOWN_SECRET', 6, 20],
    ]);
    expect(diagnostics[0]?.message).toContain('did you mean "SLACK_HOOK"');
  });

  it('rejects a secret written into the playbook, or mixed into text, or outside a secret slot', () => {
    const literal = compilePlaybookSource(
      playbook('      webhook_url: https://hooks.slack.com/services/T/B/X'),
      'p.yaml',
    );
    expect(literal.diagnostics.map((d) => d.code)).toEqual(['SOAR_PLAYBOOK_BAD_PARAM_VALUE']);
    const mixed = compilePlaybookSource(playbook('      webhook_url: "x${{ secrets.A }}"'), 'p.yaml');
    expect(mixed.diagnostics.map((d) => d.code)).toEqual(['SOAR_PLAYBOOK_BAD_PARAM_VALUE']);
    const elsewhere = compilePlaybookSource(
      playbook('      webhook_url: ${{ secrets.A }}\n      text: "token ${{ secrets.A }}"'),
      'p.yaml',
    );
    expect(elsewhere.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['SOAR_PLAYBOOK_SECRET_MISPLACED', 7],
    ]);
  });

  it('checks http.request auth slots and the action parameters', () => {
    const text = `name: call
steps:
  - id: get
    uses: http.request
    with:
      url: https://api.example.com/x
      auth: { bearer: "\${{ secrets.API }}" }
      methd: GET
`;
    const { diagnostics, playbook: plan } = compilePlaybookSource(text, 'p.yaml', { secretNames: [] });
    expect(diagnostics.map((d) => d.code).sort()).toEqual([
      'SOAR_PLAYBOOK_UNKNOWN_PARAM',
      'SOAR_PLAYBOOK_UNKNOWN_SECRET',
    ]);
    expect(diagnostics.find((d) => d.code === 'SOAR_PLAYBOOK_UNKNOWN_PARAM')?.message).toContain(
      'did you mean "method"',
    );
    expect(plan).toBeNull();
  });
});

describe('talon validate and secrets', () => {
  it('accepts a name defined where it runs and rejects another with file:line:col (names only are read)', async () => {
    const file = join(dir, 'tell.yaml');
    writeFileSync(file, playbook('      webhook_url: ${{ secrets.TALON_TEST_HOOK }}'));
    const run = async () => {
      let out = '';
      const code = await validateCommand.run?.(
        [[file]],
        {},
        { out: (t) => (out += t), err: (t) => (out += t) },
      );
      return { code, out };
    };
    // A secrets folder whose file cannot be read still lists the name: validate reads no value.
    const secretsDir = mkdtempSync(join(dir, 'names-'));
    writeFileSync(join(secretsDir, 'TALON_TEST_HOOK'), 'x', { mode: 0o000 });
    process.env['TALON_SECRETS_DIR'] = secretsDir;
    try {
      expect(await run()).toEqual({ code: 0, out: `${file}: ok\n  scopes: (none)\n` });
    } finally {
      delete process.env['TALON_SECRETS_DIR'];
    }
    const missing = await run();
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(
      `${file}:6:20: /steps/0/with/webhook_url: unknown secret "TALON_TEST_HOOK"`,
    );
  });
});
