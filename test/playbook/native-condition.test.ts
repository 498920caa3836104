// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExpressionContext } from '../../src/playbook/compiled.ts';
import { parseJsonata } from '../../src/playbook/expressions/jsonata-engine.ts';
import { nativeEvaluator, UNSURE } from '../../src/playbook/expressions/native-condition.ts';
import { compileCondition, evaluateCondition } from '../../src/playbook/index.ts';

// The native evaluator answers plain conditions without jsonata. Property: for random expressions over
// random data, a compiled condition gives exactly what evaluateCondition gives (the same boolean, or an
// error with the same code and message), and the native evaluator answers a good share by itself.

const SEED = 20261201;

const NAMES = ['trigger', 'offset', 'event', 'sev', 'name', 'list', 'nil', 'constructor', 'missing', 's'];
const path = fc
  .array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 })
  .map((names) => names.join('.'));
const literal = fc.oneof(
  fc.constantFrom('0', '1', '4', '100', '2.5', '-3', "'X'", "''", "'10'", 'true', 'false', 'null'),
  fc.integer({ min: 0, max: 200 }).map(String),
);
const OPS = ['=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'and', 'or', '&', 'in'];
const { expression } = fc.letrec((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    path,
    literal,
    fc
      .tuple(tie('expression'), fc.constantFrom(...OPS), tie('expression'), fc.boolean())
      .map(([a, op, b, paren]) => (paren ? `(${a} ${op} ${b})` : `${a} ${op} ${b}`)),
  ),
}));

const value = fc.oneof(
  fc.integer({ min: -5, max: 200 }),
  fc.constantFrom(0, 4, 100, 2.5, 'X', '', '10', true, false, null),
  fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  fc.record({ sev: fc.integer({ min: 0, max: 5 }), name: fc.constantFrom('X', 'Y') }),
);
const trigger = fc.record(
  {
    offset: value,
    event: fc.oneof(value, fc.record({ sev: value, name: value, list: value }, { requiredKeys: [] })),
    nil: fc.constant(null),
    s: value,
    list: fc.array(fc.record({ sev: value }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

function context(data: unknown): ExpressionContext {
  return {
    inputs: {},
    steps: {},
    run: { id: '', playbook: 'p', trigger: 'stream', started_at: '' },
    trigger: data,
    env: {},
  };
}

async function outcome(answer: () => boolean | Promise<boolean>): Promise<unknown> {
  try {
    return { value: await answer() };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { code: e.code, message: e.message };
  }
}

describe('compiled conditions', () => {
  it(`give what evaluateCondition gives on random expressions and data (seed ${SEED})`, async () => {
    let answeredNatively = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(expression, trigger, async (text, data) => {
        runs++;
        const ctx = context(data);
        const wrapped = `\${{ ${text} }}`;
        const compiled = compileCondition(wrapped, 'if');
        const expected = await outcome(() => evaluateCondition(wrapped, ctx, 'if'));
        expect(await outcome(() => compiled.test(ctx))).toEqual(expected);
        const parsed = parseJsonata(text);
        const native = parsed.ok ? nativeEvaluator(parsed.ast) : null;
        if (native !== null && native({ ...ctx }) !== UNSURE) answeredNatively++;
      }),
      { seed: SEED, numRuns: 1000 },
    );
    // Without this the property could pass with every expression handed to jsonata.
    expect(answeredNatively).toBeGreaterThan(runs / 5);
  });

  it('answers the stream intake condition natively, and still reports a string result as an error', async () => {
    const parsed = parseJsonata('trigger.offset % 100 = 0');
    if (!parsed.ok) throw new Error('parse failed');
    const native = nativeEvaluator(parsed.ast);
    expect(native?.({ trigger: { offset: 300 } })).toBe(true);
    expect(native?.({ trigger: { offset: 301 } })).toBe(false);
    expect(native?.({ trigger: { offset: [1] } })).toBe(UNSURE);
    expect(compileCondition('${{ trigger.offset % 100 = 0 }}', 'if').test(context({ offset: 200 }))).toBe(
      true,
    );
    await expect(
      Promise.resolve(compileCondition('${{ trigger.name }}', 'if').test(context({ name: 'false' }))),
    ).rejects.toMatchObject({ code: 'SOAR_EXPR_EVAL' });
  });
});
