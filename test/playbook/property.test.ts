// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompileResult, compilePlaybookSource } from '../../src/playbook/index.ts';
import { isErrorCode } from '../../src/shared/index.ts';

// Random YAML text and random documents go through the whole loader + validator. Properties: it never
// throws, every diagnostic has a catalogued code and a position inside the text, and a playbook is
// produced exactly when there is no error. A hang would fail the test through its timeout.

function checkResult(text: string, result: CompileResult): void {
  const lines = text.split('\n').length;
  for (const d of result.diagnostics) {
    expect(isErrorCode(d.code)).toBe(true);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  expect(result.playbook === null).toBe(errors > 0);
  if (result.playbook) expect(JSON.parse(JSON.stringify(result.playbook))).toEqual(result.playbook);
}

function compiles(text: string): void {
  let result: CompileResult | undefined;
  expect(() => {
    result = compilePlaybookSource(text, 'random.yaml');
  }).not.toThrow();
  checkResult(text, result!);
}

const YAML_TOKENS = [
  'name: x',
  'name:',
  'steps:',
  'triggers:',
  'inputs:',
  'outputs:',
  'env:',
  '- ',
  '  ',
  '    ',
  '\n',
  '\t',
  'id: a',
  'id: b',
  'uses: core.log',
  'uses: alerts.query_alerts_v2',
  'uses: ioc.indicator_create',
  'with:',
  'message: hi',
  'if: ',
  'foreach: ',
  'paginate: all',
  'retry: {attempts: 2}',
  'timeout: 5s',
  '${{',
  '}}',
  '${{ steps.a.resources }}',
  '${{ item }}',
  '$count(',
  ')',
  '&a ',
  '*a',
  '<<: *a',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '"',
  "'",
  '#',
  '---',
  '...',
  '!!str ',
  '!custom ',
  '|',
  '>',
  '?',
  '%YAML 1.2',
  'null',
  '~',
  '0x1F',
  '1e999',
  '-',
  'cron: "* * * * *"',
  'webhook: {path: p}',
  'poll: {uses: q, every: 1s}',
];

const tokenText = fc.array(fc.constantFrom(...YAML_TOKENS), { maxLength: 60 }).map((parts) => parts.join(''));

const stepArb = fc.record(
  {
    id: fc.oneof(fc.constantFrom('a', 'b', 'find', 'Bad Id'), fc.string({ maxLength: 6 })),
    uses: fc.oneof(
      fc.constantFrom('core.log', 'core.set', 'alerts.query_alerts_v2', 'ioc.indicator_create', 'nope.op'),
      fc.string({ maxLength: 12 }),
    ),
    with: fc.dictionary(
      fc.constantFrom('message', 'filter', 'ids', 'composite_ids', 'limit', 'x'),
      fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom('${{ steps.a.x }}', '${{ item }}', '${{ $eval("1") }}', '${{ (', '${{'),
      ),
    ),
    if: fc.oneof(
      fc.constantFrom('${{ true }}', 'steps.a.count > 0', '${{ ) }}'),
      fc.string({ maxLength: 10 }),
    ),
    foreach: fc.oneof(fc.constantFrom('${{ [1,2] }}', ''), fc.jsonValue({ maxDepth: 1 })),
    paginate: fc.oneof(fc.constant('all'), fc.jsonValue({ maxDepth: 1 })),
    retry: fc.jsonValue({ maxDepth: 1 }),
    timeout: fc.oneof(fc.constantFrom('5s', '1h', 'soon'), fc.integer()),
  },
  { requiredKeys: [] },
);

const documentArb = fc.record(
  {
    name: fc.oneof(fc.constantFrom('pb', 'Bad Name'), fc.jsonValue({ maxDepth: 1 })),
    triggers: fc.array(
      fc.oneof(
        fc.record({
          cron: fc.oneof(fc.constantFrom('* * * * *', '61 * * * *', '@daily'), fc.string({ maxLength: 12 })),
        }),
        fc.record({ webhook: fc.record({ path: fc.constantFrom('p', '/P') }) }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      { maxLength: 3 },
    ),
    inputs: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    steps: fc.oneof(fc.array(stepArb, { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
    outputs: fc.jsonValue({ maxDepth: 2 }),
    env: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

describe('loader and validator under random input', () => {
  it('never crashes on random text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), compiles), { numRuns: 300 });
  });

  it('never crashes on random unicode and control characters', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), compiles), { numRuns: 200 });
  });

  it('never crashes on YAML-shaped token soup', () => {
    fc.assert(fc.property(tokenText, compiles), { numRuns: 500 });
  });

  it('never crashes on random JSON documents (JSON is YAML)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => compiles(JSON.stringify(doc, null, 2))),
      {
        numRuns: 300,
      },
    );
  });

  it('never crashes on random near-playbooks', () => {
    fc.assert(
      fc.property(documentArb, (doc) => compiles(JSON.stringify(doc, null, 1))),
      { numRuns: 400 },
    );
  });
});

const validStep = fc.record({
  id: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
  message: fc.string({ maxLength: 40 }).filter((s) => !s.includes('${{')),
});

describe('valid playbooks under random content', () => {
  it('compiles every playbook built from valid parts, whatever the message text', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(validStep, { selector: (s) => s.id, minLength: 1, maxLength: 5 }),
        (steps) => {
          const doc = {
            name: 'pb',
            steps: steps.map((s) => ({ id: s.id, uses: 'core.log', with: { message: s.message } })),
          };
          const text = JSON.stringify(doc);
          const result = compilePlaybookSource(text, 'valid.yaml');
          expect(result.diagnostics).toEqual([]);
          expect(result.playbook?.steps.map((s) => s.id)).toEqual(steps.map((s) => s.id));
        },
      ),
      { numRuns: 200 },
    );
  });
});
