// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExpressionContext } from '../../src/playbook/compiled.ts';
import { parseJsonata } from '../../src/playbook/expressions/jsonata-engine.ts';
import { nativeEvaluator, UNSURE } from '../../src/playbook/expressions/native-condition.ts';
import { conditionValue, evaluateWithJsonata } from '../../src/playbook/expressions/evaluate.ts';
import {
  compileCondition,
  evaluateCondition,
  evaluateExpression,
  unwrapExpression,
} from '../../src/playbook/index.ts';

// The native evaluator answers plain expressions without jsonata. Property: for random expressions over
// random data, a compiled condition and evaluateCondition give exactly what jsonata alone gives (the same
// boolean, or an error with the same code and message), evaluateExpression gives jsonata's value, and
// the native evaluator answers a good share by itself.

// TALON_SEED reruns the properties with another seed.
const SEED = Number(process.env['TALON_SEED'] ?? 20261201);

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

async function outcome(answer: () => unknown): Promise<unknown> {
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
        // jsonata alone, read by evaluateCondition's rules: the reference.
        const source = unwrapExpression(wrapped);
        const expected = await outcome(async () =>
          conditionValue(await evaluateWithJsonata(source, ctx, 'if'), source, 'if'),
        );
        expect(await outcome(() => compiled.test(ctx))).toEqual(expected);
        expect(await outcome(() => evaluateCondition(wrapped, ctx, 'if'))).toEqual(expected);
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

// Paths through arrays with filters, $count and $distinct (what a select: or a foreach item reads): the
// value, not only its truth, must be jsonata's, including its sequence rules (one value unwrapped, none
// is nothing, a JSON array read alone stays an array, arrays flattened one level).
const FIELDS = ['a', 'b', 'c', 'id', 'type'];
const fieldPath = (depth: number) =>
  fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: depth }).map((names) => names.join('.'));
const predicate = fc.oneof(
  fieldPath(2),
  fc
    .tuple(
      fieldPath(2),
      fc.constantFrom('=', '!=', '>', '<='),
      fc.constantFrom("'x'", "'y'", '1', '2', 'true', 'null'),
    )
    .map(([p, op, lit]) => `${p} ${op} ${lit}`),
  fc.constantFrom('0', '1', '-1', "'x'", 'a.b and c'),
);
const filteredPath = fc
  .array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(predicate, { nil: undefined, freq: 2 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((steps) =>
    steps.map(([name, filter]) => (filter === undefined ? name : `${name}[${filter}]`)).join('.'),
  );
const valueExpression = fc.oneof(
  filteredPath,
  filteredPath.map((p) => `$count(${p})`),
  filteredPath.map((p) => `$distinct(${p})`),
  fc.tuple(filteredPath, fc.constantFrom('=', '>', '+')).map(([p, op]) => `${p} ${op} 1`),
  filteredPath.map((p) => `$count(${p}) > 0`),
);
const { tree } = fc.letrec((tie) => ({
  leaf: fc.constantFrom<unknown>('x', 'y', '', 1, 2, 0, true, false, null),
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('tree'), { maxKeys: 4 }),
    fc.array(tie('tree'), { maxLength: 4 }),
  ),
}));
const pathData = fc.dictionary(fc.constantFrom(...FIELDS), tree, { minKeys: 1, maxKeys: 5 });

describe('native expression values', () => {
  it(`are jsonata's on random paths, filters, $count and $distinct (seed ${SEED})`, async () => {
    let answeredNatively = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(valueExpression, pathData, fc.boolean(), async (text, data, tight) => {
        runs++;
        const ctx = { ...context(data), item: data };
        // A tight sequence bound makes jsonata fail with D2015 on longer sequences: native defers.
        const limits = tight ? { maxSequence: 3 } : {};
        const expected = await outcome(() => evaluateWithJsonata(`item.${text}`, ctx, 'with', limits));
        const got = await outcome(() => evaluateExpression(`item.${text}`, ctx, 'with', limits));
        expect(got).toEqual(expected);
        const parsed = parseJsonata(text);
        const native = parsed.ok ? nativeEvaluator(parsed.ast) : null;
        if (native !== null && native(data) !== UNSURE) answeredNatively++;
      }),
      { seed: SEED, numRuns: 1000 },
    );
    // Without this the property could pass with every expression handed to jsonata.
    expect(answeredNatively).toBeGreaterThan(runs / 5);
  });

  it('answers the headline select natively with jsonata sequence rules', async () => {
    const select = "$distinct(resources.behaviors[ioc_type='hash_sha256'].ioc_value)";
    const parsed = parseJsonata(select);
    if (!parsed.ok) throw new Error('parse failed');
    const native = nativeEvaluator(parsed.ast);
    const behavior = (type: string, value: string) => ({ ioc_type: type, ioc_value: value });
    const resources = [
      { behaviors: [behavior('hash_sha256', 'h1'), behavior('domain', 'd1')] },
      { behaviors: [behavior('hash_sha256', 'h2'), behavior('hash_sha256', 'h1')] },
      { behaviors: [] },
      {},
    ];
    const all = native?.({ resources });
    // A sequence of jsonata's (flagged as such); evaluateExpression hands out a plain copy.
    expect(Array.isArray(all) ? [...all] : all).toEqual(['h1', 'h2']);
    // One hash is that hash (a sequence of one), none is nothing: as jsonata answers.
    expect(native?.({ resources: [resources[0]] })).toBe('h1');
    expect(native?.({ resources: [resources[2]] })).toBeUndefined();
    const ctx = { ...context(null), resources };
    expect(await evaluateExpression(select, ctx, 'select')).toEqual(
      await evaluateWithJsonata(select, ctx, 'select'),
    );
    // An array inside an array is left to jsonata.
    expect(native?.({ resources: [{ behaviors: [[behavior('hash_sha256', 'h3')]] }] })).toBe(UNSURE);
  });
});
