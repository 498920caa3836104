/**
 * `talon serve --playbooks playbooks` refuses webhook routes that share a secret (one leaked secret
 * would open both), so every example webhook must name its own secret_env.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybookDir } from '../../src/playbook/index.ts';

describe('example playbooks', () => {
  it('give each webhook route its own secret_env', async () => {
    const { playbooks, diagnostics } = await loadPlaybookDir(join(import.meta.dirname, '../../playbooks'));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const secrets = playbooks.flatMap((p) =>
      p.triggers.flatMap((t) => (t.type === 'webhook' ? [`${t.secretEnv} ${p.name}`] : [])),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    const names = secrets.map((s) => s.split(' ')[0]);
    expect(new Set(names).size, secrets.join(', ')).toBe(names.length);
  });
});
