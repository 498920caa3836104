// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
// Plan values (a step's `with:`, the outputs) are compiled once per plan object and site, then rendered
// for every run: these tests fail if each render compiles again, or if one site's compiled value (and
// so its error locations) is handed to another site.
import { describe, expect, it, vi } from 'vitest';

const compiles = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/playbook/index.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/playbook/index.ts')>();
  return {
    ...actual,
    compileTemplate: (...args: Parameters<typeof actual.compileTemplate>) => {
      compiles.count++;
      return actual.compileTemplate(...args);
    },
  };
});

const { compileValue, renderValue } = await import('../../src/engine/expressions.ts');

const context = (n: number) => ({
  inputs: { n },
  steps: {},
  run: { id: 'run-1', playbook: 'p', trigger: 'manual', started_at: '2026-12-01T00:00:00.000Z' },
  trigger: {},
  env: {},
});

describe('compiled plan values', () => {
  it('compiles a mapping once for all renders at the same site, with each render its own result', async () => {
    const value = { doubled: '${{ inputs.n * 2 }}', label: 'n=${{ inputs.n }}' };
    const before = compiles.count;
    const results = [];
    for (let n = 1; n <= 5; n++)
      results.push(await renderValue(value, context(n), { step: 's', field: 'with' }));
    for (let n = 6; n <= 8; n++)
      results.push(await compileValue(value, { step: 's', field: 'with' })(context(n)));
    expect(compiles.count - before).toBe(1);
    expect(results.map((r) => (r as { doubled: number }).doubled)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect((results[7] as { label: string }).label).toBe('n=8');
  });

  it('compiles the same object again for another site, whose errors name that site', async () => {
    const value = { bad: '${{ inputs.n +* 1 }}' };
    const before = compiles.count;
    const at = async (step: string) => {
      try {
        await renderValue(value, context(1), { step, field: 'with' });
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const first = await at('first');
    const second = await at('second');
    expect(compiles.count - before).toBe(2);
    expect(first).toContain('first');
    expect(second).toContain('second');
    expect(second).not.toContain('first');
    // The same site again: the compiled value is reused, and so is its error.
    expect(await at('first')).toBe(first);
    expect(compiles.count - before).toBe(2);
  });

  it('does not share compiled values between equal objects that are not the same object', async () => {
    const before = compiles.count;
    await renderValue({ a: '${{ inputs.n }}' }, context(1), 'outputs');
    await renderValue({ a: '${{ inputs.n }}' }, context(2), 'outputs');
    expect(compiles.count - before).toBe(2);
  });
});
