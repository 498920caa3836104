// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import { describe, expect, it } from 'vitest';
import { compilePlaybookSource, evaluateExpression } from '../../src/playbook/index.ts';
import {
  hasNestedRepetition,
  hasOverlappingAlternation,
  regexRisk,
} from '../../src/playbook/expressions/regex-safety.ts';
import type { ExpressionError } from '../../src/playbook/errors.ts';

describe('hasNestedRepetition', () => {
  it.each([
    ['(a+)+$', true],
    ['(\\w*)*', true],
    ['(?:x+y)*', true],
    ['(a{2,})+', true],
    ['((ab)*c)+', true],
    ['^[a-fA-F0-9]{64}$', false],
    ['(a|b)*', false],
    ['(a{2})+', false],
    ['\\d+(\\.\\d+)?', false],
    ['[(]+', false],
    ['\\(a+\\)+', false],
  ])('judges /%s/ as %s', (source, nested) => {
    expect(hasNestedRepetition(source)).toBe(nested);
  });
});

describe('hasOverlappingAlternation', () => {
  it.each([
    ['(\\w|\\d)+$', true],
    ['(a|ab)*', true],
    ['(a|)+', true],
    ['(?:[a-z]|x)+', true],
    ['(\\s|\\S)*$', true],
    ['(.|\\n)*', true],
    ['(?<word>\\w|_)+', true],
    ['(A|a)+', true],
    ['(a|b)*', false],
    ['(ab|cd)+', false],
    ['(\\d|[a-f])+', false],
    ['(\\w|\\s)+', false],
    ['(a|b){2}', false],
    ['(\\w|\\d)?', false],
    ['[(\\w|\\d)]+', false],
  ])('judges /%s/ as %s', (source, risky) => {
    expect(hasOverlappingAlternation(source)).toBe(risky);
  });
});

/** Text that makes a backtracking engine try every split: many matching characters, then a mismatch. */
const EVIL = `${'1'.repeat(40)}!`;

describe('unsafe regexes never run', () => {
  it('the checker names both shapes', () => {
    expect(regexRisk('(a+)+$')).toMatch(/repeats a group/);
    expect(regexRisk('(\\w|\\d)+$')).toMatch(/alternation/);
    expect(regexRisk('^[0-9a-f]{64}$')).toBeNull();
  });

  it('validation flags /(\\w|\\d)+$/ (a warning; an error with strict)', () => {
    const source = [
      'name: redos',
      'triggers: [{ manual: true }]',
      'steps:',
      '  - id: check',
      '    uses: core.assert',
      '    with: { that: "${{ $contains($string(trigger.text), /(\\\\w|\\\\d)+$/) }}" }',
    ].join('\n');
    const loose = compilePlaybookSource(source, 'redos.yaml');
    const warning = loose.diagnostics.find((d) => d.code === 'SOAR_EXPR_SLOW_REGEX');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(/alternation whose branches can match the same text/);
    const strict = compilePlaybookSource(source, 'redos.yaml', { strict: true });
    expect(strict.playbook).toBeNull();
  });

  it.each([
    '$contains(trigger.text, /(\\w|\\d)+$/)',
    '$match(trigger.text, /(a+)+$/)',
    '$replace(trigger.text, /(\\d|1)*x/, "")',
  ])('the engine refuses ${{ %s }} before running it, whatever the input', async (expression) => {
    const started = performance.now();
    const error = (await evaluateExpression(
      expression,
      {
        inputs: {},
        steps: {},
        run: { id: 'run-1', playbook: 'pb', trigger: 'webhook', started_at: '2026-12-01T00:00:00Z' },
        trigger: { text: EVIL },
        env: {},
      },
      { step: 'check', field: 'with.that' },
    ).catch((e: unknown) => e)) as ExpressionError;
    expect(error.code).toBe('SOAR_EXPR_SLOW_REGEX');
    expect(error.message).toMatch(/refused/);
    // Bounded: refused at compile time, not after backtracking (2^40 steps would take hours).
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
