// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { describe, expect, it } from 'vitest';
import {
  type ExpressionContext,
  ExpressionError,
  evaluateCondition,
  evaluateExpression,
  renderTemplate,
} from '../../src/playbook/index.ts';

function context(overrides: Partial<ExpressionContext> = {}): ExpressionContext {
  return {
    inputs: { min_severity: 70, note: 'plain' },
    steps: { find: { resources: ['a', 'b', 'a'], meta: {}, count: 3 } },
    run: { id: 'run-1', playbook: 'pb', trigger: 'manual', started_at: '2026-11-24T00:00:00Z' },
    trigger: {},
    env: { TALON_OWNER: 'soc' },
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ExpressionError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

describe('renderTemplate', () => {
  it('returns the raw value when the string is exactly one expression', async () => {
    expect(await renderTemplate('${{ steps.find.resources }}', context(), { field: 'with.ids' })).toEqual([
      'a',
      'b',
      'a',
    ]);
    expect(await renderTemplate('  ${{ inputs.min_severity }} ', context(), 'x')).toBe(70);
  });

  it('interpolates mixed strings and renders nested lists and mappings', async () => {
    const value = {
      filter: "severity:>=${{ inputs.min_severity }}+status:'new'",
      params: [{ name: 'add_tag', value: 'run ${{ run.id }} of ${{ $count(steps.find.resources) }}' }],
      keep: 5,
    };
    expect(await renderTemplate(value, context(), { step: 's', field: 'with' })).toEqual({
      filter: "severity:>=70+status:'new'",
      params: [{ name: 'add_tag', value: 'run run-1 of 3' }],
      keep: 5,
    });
  });

  it('never evaluates ${{ }} text that arrives as data from a webhook, Falcon or an input', async () => {
    const ctx = context({
      trigger: { sha256: '${{ env.TALON_OWNER }}' },
      inputs: { note: '${{ $eval("1+1") }}' },
      steps: { find: { resources: [{ name: '${{ run.id }}' }] } },
    });
    expect(await renderTemplate('${{ trigger.sha256 }}', ctx, 'x')).toBe('${{ env.TALON_OWNER }}');
    expect(await renderTemplate('note: ${{ inputs.note }}', ctx, 'x')).toBe('note: ${{ $eval("1+1") }}');
    expect(await renderTemplate('${{ steps.find.resources[0].name }}', ctx, 'x')).toBe('${{ run.id }}');
    expect(await renderTemplate({ v: '${{ trigger }}' }, ctx, 'x')).toEqual({
      v: { sha256: '${{ env.TALON_OWNER }}' },
    });
  });

  it('leaves strings without ${{ alone and gives undefined values as empty text when interpolated', async () => {
    expect(await renderTemplate('no template here', context(), 'x')).toBe('no template here');
    expect(await renderTemplate('[${{ inputs.missing }}]', context(), 'x')).toBe('[]');
  });

  it('reads item and index in a foreach context', async () => {
    const ctx = context({ item: 'abc', index: 2 });
    expect(await renderTemplate('${{ item }}#${{ index }}', ctx, 'x')).toBe('abc#2');
  });
});

describe('evaluateExpression', () => {
  it('refuses $eval even when the text to evaluate comes from data', async () => {
    const error = await failure(
      evaluateExpression('$eval(trigger.code)', context({ trigger: { code: '1+1' } }), {
        step: 'x',
        field: 'with.v',
      }),
    );
    expect(error.code).toBe('SOAR_EXPR_EVAL');
    expect(error.message).toContain('$eval is not available');
  });

  it('names the step and field when an expression fails', async () => {
    const error = await failure(
      evaluateExpression('inputs.note + 1', context(), { step: 'triage', field: 'with.ids' }),
    );
    expect(error.code).toBe('SOAR_EXPR_EVAL');
    expect(error.message).toMatch(/^step "triage" field with\.ids: /);
    expect(error.details).toMatchObject({ step: 'triage', field: 'with.ids' });
  });

  it('stops an expression that runs past its time bound', async () => {
    const loop = '($f := function($n){ $n > 0 ? $f($n - 1) + $f($n - 1) : 1 }; $f(40))';
    const error = await failure(
      evaluateExpression(loop, context(), { step: 'slow', field: 'if' }, { timeoutMs: 50, maxDepth: 10_000 }),
    );
    expect(error.code).toBe('SOAR_EXPR_TIMEOUT');
    expect(error.message).toContain('step "slow" field if');
  });

  it('stops recursion past the depth bound', async () => {
    const deep = '($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))';
    const error = await failure(
      evaluateExpression(deep, context(), { field: 'outputs.x' }, { maxDepth: 200, timeoutMs: 60_000 }),
    );
    expect(error.code).toBe('SOAR_EXPR_EVAL');
    expect(error.message).toContain('outputs.x');
  });

  it('rejects a result larger than the size bound', async () => {
    const error = await failure(
      evaluateExpression(
        '[1..5000].("xxxxxxxxxx")',
        context(),
        { step: 'big', field: 'with.v' },
        { maxResultBytes: 10_000, timeoutMs: 60_000 },
      ),
    );
    expect(error.code).toBe('SOAR_EXPR_RESULT_TOO_LARGE');
    expect(error.message).toContain('step "big"');
  });

  it('returns plain arrays, not JSONata sequences', async () => {
    const value = await evaluateExpression('steps.find.resources[$ = "a"]', context(), 'x');
    expect(value).toEqual(['a', 'a']);
    expect(Object.keys(value as object)).toEqual(['0', '1']);
  });
});

describe('evaluateCondition', () => {
  it('accepts the expression with or without the ${{ }} wrapper', async () => {
    expect(await evaluateCondition('${{ $count(steps.find.resources) > 0 }}', context(), 'if')).toBe(true);
    expect(await evaluateCondition('inputs.min_severity < 10', context(), 'if')).toBe(false);
  });

  it('treats nothing, zero and empty lists as false and non-empty lists as true', async () => {
    expect(await evaluateCondition('inputs.missing', context(), 'if')).toBe(false);
    expect(await evaluateCondition('0', context(), 'if')).toBe(false);
    expect(await evaluateCondition('[]', context(), 'if')).toBe(false);
    expect(await evaluateCondition('steps.find.resources', context(), 'if')).toBe(true);
  });

  it('refuses a string result instead of treating "false" as true', async () => {
    const error = await failure(evaluateCondition('"false"', context(), { step: 'tag', field: 'if' }));
    expect(error.code).toBe('SOAR_EXPR_EVAL');
    expect(error.message).toContain('step "tag" field if');
  });
});

describe('$distinct', () => {
  // Reference: keep the first of values that are deep-equal (objects whatever their key order).
  function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  function reference(values: unknown[]): unknown[] {
    const kept: unknown[] = [];
    for (const v of values) if (!kept.some((k) => deepEqual(k, v))) kept.push(v);
    return kept;
  }

  it('keeps the first of deep-equal values, in order, for strings, numbers, objects and arrays', async () => {
    const values = [
      'b',
      'a',
      'b',
      1,
      '1',
      1,
      true,
      null,
      null,
      { x: 1, y: [1, 2] },
      { y: [1, 2], x: 1 },
      { x: 1, y: [2, 1] },
      [1, 'a'],
      [1, 'a'],
      false,
    ];
    const got = await evaluateExpression('$distinct(inputs.values)', context({ inputs: { values } }), 'test');
    expect(got).toEqual(reference(values));
    expect(got).toEqual([
      'b',
      'a',
      1,
      '1',
      true,
      null,
      { x: 1, y: [1, 2] },
      { x: 1, y: [2, 1] },
      [1, 'a'],
      false,
    ]);
  });

  it('matches the reference on a seeded random list (seed printed)', async () => {
    const seed = 1901;
    console.log(`$distinct random list seed ${seed}`);
    let state = seed;
    const next = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const values = Array.from({ length: 3000 }, () => {
      const k = next(4);
      if (k === 0) return `h${next(300)}`;
      if (k === 1) return next(50);
      if (k === 2) return { type: `t${next(3)}`, value: `v${next(20)}` };
      return [next(3), `x${next(3)}`];
    });
    const got = await evaluateExpression('$distinct(inputs.values)', context({ inputs: { values } }), 'test');
    expect(got).toEqual(reference(values));
  });

  it('unwraps a one-value sequence and keeps sequences flattening as jsonata does', async () => {
    const steps = { find: { resources: [{ h: 'a' }, { h: 'a' }, { h: 'b' }], meta: {}, count: 3 } };
    expect(await evaluateExpression('$distinct(steps.find.resources.h)', context({ steps }), 'test')).toEqual(
      ['a', 'b'],
    );
    const one = { find: { resources: [{ h: 'a' }, { h: 'a' }], meta: {}, count: 2 } };
    expect(
      await evaluateExpression('$distinct(steps.find.resources.h)', context({ steps: one }), 'test'),
    ).toBe('a');
    expect(
      await evaluateExpression('$count($distinct(steps.find.resources.h))', context({ steps: one }), 'test'),
    ).toBe(1);
  });
});
