import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import { formatDiagnostic } from '../../src/shared/index.ts';

// Each invalid/<case>.yaml sits next to <case>.expected.txt holding the exact formatted diagnostics.
// A case named strict-* compiles with { strict: true }; a case named warn-* compiles, with warnings
// only. The expected files are written and reviewed by hand: the test never rewrites them.
const DIR = join(import.meta.dirname, '../fixtures/playbooks/invalid');
const CASES = readdirSync(DIR)
  .filter((n) => n.endsWith('.yaml'))
  .map((n) => n.slice(0, -'.yaml'.length))
  .sort();

function render(name: string): { text: string; errors: number; compiled: boolean } {
  const source = readFileSync(join(DIR, `${name}.yaml`), 'utf8');
  const result = compilePlaybookSource(source, `${name}.yaml`, { strict: name.startsWith('strict-') });
  return {
    text: `${result.diagnostics.map(formatDiagnostic).join('\n')}\n`,
    errors: result.diagnostics.filter((d) => d.severity === 'error').length,
    compiled: result.playbook !== null,
  };
}

describe('golden diagnostics', () => {
  it('has a corpus of at least 40 invalid playbooks', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('%s produces exactly its expected diagnostics', (name) => {
    const { text, errors, compiled } = render(name);
    const expectedPath = join(DIR, `${name}.expected.txt`);
    const warningsOnly = name.startsWith('warn-');
    expect(errors > 0).toBe(!warningsOnly);
    expect(compiled).toBe(warningsOnly);
    expect(text).toBe(readFileSync(expectedPath, 'utf8'));
  });
});
