// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { describe, expect, it } from 'vitest';
import { evaluateWithJsonata } from '../../src/playbook/expressions/evaluate.ts';
import { scanTemplate, soleExpression } from '../../src/playbook/expressions/template.ts';
import {
  compileTemplate,
  type ExpressionContext,
  ExpressionError,
  renderTemplate,
} from '../../src/playbook/index.ts';

// A foreach step compiles its `with:` once and renders it per item, answering plain expressions
// natively. Property: for every value and context below, the compiled template renders exactly what the
// member-by-member jsonata renderer (the algorithm renderTemplate had before, written out here as the
// reference) renders: the same value, or an error with the same code and message.

function context(item: unknown, index = 0): ExpressionContext {
  return {
    inputs: { min_severity: 70 },
    steps: { details: { resources: ['h1', 'h2', 'h1'] } },
    run: { id: 'run-7', playbook: 'pb', trigger: 'manual', started_at: '2026-12-01T00:00:00Z' },
    trigger: {},
    env: {},
    item,
    index,
  };
}

type Where = { step?: string; field: string };

async function referenceRender(value: unknown, ctx: ExpressionContext, where: Where): Promise<unknown> {
  if (typeof value === 'string') {
    const scan = scanTemplate(value);
    if (!scan.ok) {
      const label = where.step === undefined ? where.field : `step "${where.step}" field ${where.field}`;
      throw new ExpressionError('SOAR_EXPR_SYNTAX', `${label}: ${scan.message}`);
    }
    const sole = soleExpression(scan.parts);
    if (sole !== undefined) return evaluateWithJsonata(sole, ctx, where);
    let out = '';
    for (const part of scan.parts) {
      if (part.kind === 'text') out += part.text;
      else {
        const v = await evaluateWithJsonata(part.source, ctx, where);
        out +=
          v === undefined || v === null
            ? ''
            : typeof v === 'string'
              ? v
              : typeof v === 'number' || typeof v === 'boolean'
                ? String(v)
                : JSON.stringify(v);
      }
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries())
      out.push(await referenceRender(item, ctx, { ...where, field: `${where.field}[${i}]` }));
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = await referenceRender(item, ctx, { ...where, field: `${where.field}.${key}` });
    return out;
  }
  return value;
}

async function outcome(render: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: await render() };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { code: e.code, message: e.message };
  }
}

// The headline block step's `with:`, and values that mix native answers, jsonata answers (a function
// the native evaluator does not know, so rendering turns asynchronous mid-list) and failures.
const BLOCK_WITH = {
  comment: 'blocked by talon run ${{ run.id }}',
  indicators: [
    {
      type: 'sha256',
      value: '${{ item }}',
      action: 'prevent',
      platforms: ['windows', 'mac', 'linux'],
      applied_globally: true,
      severity: 3,
    },
  ],
};
const VALUES: unknown[] = [
  BLOCK_WITH,
  { a: '${{ $uppercase(item) }}', b: '${{ item }}', c: ['x ${{ index }} ${{ $string(index + 1) }} y'] },
  { first: '${{ item.missing }}', second: 'n=${{ $count(steps.details.resources) }}', third: null },
  ['${{ steps.details.resources }}', '${{ $distinct(steps.details.resources) }}', '${{ inputs }}'],
  // Errors: the first failing member in order is the one reported, whichever kind it is.
  { ok: '${{ item }}', bad: '${{ $number("x") }}', worse: '${{ unterminated' },
  { ok: '${{ $uppercase(item) }}', bad: '${{ unterminated', worse: '${{ $number("x") }}' },
  { bad: 'text ${{ 1 + "a" }} more' },
  '${{ item = "h1" ? "known" : "new" }}',
  7,
  null,
];
const ITEMS: unknown[] = ['h1', 'H2', { id: 'x' }, [1, 2], null, 42];

describe('compiled templates', () => {
  it('render what the member-by-member jsonata renderer renders, values and errors', async () => {
    let compared = 0;
    for (const value of VALUES) {
      const where = { step: 'block', field: 'with' };
      const compiled = compileTemplate(value, where);
      for (const [index, item] of ITEMS.entries()) {
        const ctx = context(item, index);
        const expected = await outcome(() => referenceRender(value, ctx, where));
        expect(await outcome(() => compiled.render(ctx))).toEqual(expected);
        expect(await outcome(() => renderTemplate(value, ctx, where))).toEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe(VALUES.length * ITEMS.length);
  });

  it('renders the headline block body per item with fresh containers', async () => {
    const compiled = compileTemplate(BLOCK_WITH, 'with');
    const first = (await compiled.render(context('h1'))) as typeof BLOCK_WITH;
    const second = (await compiled.render(context('h2'))) as typeof BLOCK_WITH;
    expect(first.comment).toBe('blocked by talon run run-7');
    expect(first.indicators[0]?.value).toBe('h1');
    expect(second.indicators[0]?.value).toBe('h2');
    // No item shares an array or object with another: later code may change one item's params.
    expect(second.indicators).not.toBe(first.indicators);
    expect(second.indicators[0]?.platforms).not.toBe(first.indicators[0]?.platforms);
    expect(first.indicators[0]?.platforms).not.toBe(BLOCK_WITH.indicators[0]?.platforms);
  });
});
