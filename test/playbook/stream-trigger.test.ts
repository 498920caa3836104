// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/** The `stream:` trigger and the bounds of poll `every`, as the compiler and checker see them. */
import { describe, expect, it } from 'vitest';
import { compilePlaybookSource } from '../../src/playbook/index.ts';

const STEPS = 'steps:\n  - id: say\n    uses: core.log\n    with: { message: hi }\n';

function compile(triggers: string) {
  return compilePlaybookSource(`name: streamed\ntriggers:\n${triggers}\n${STEPS}`, 'streamed.yaml');
}

describe('stream trigger', () => {
  it('compiles event types, if:, batch settings, and adds the streaming:read scope', () => {
    const result = compile(
      [
        '  - stream:',
        '      events: [EppDetectionSummaryEvent, UserActivityAuditEvent]',
        '      if: ${{ trigger.event.Severity >= 70 }}',
        '  - stream: { events: [EppDetectionSummaryEvent], mode: batch, batch_size: 50, batch_window: 2s }',
      ].join('\n'),
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.playbook?.triggers).toEqual([
      {
        type: 'stream',
        events: ['EppDetectionSummaryEvent', 'UserActivityAuditEvent'],
        if: 'trigger.event.Severity >= 70',
        mode: 'event',
        batchSize: 100,
        batchWindowMs: 5000,
      },
      {
        type: 'stream',
        events: ['EppDetectionSummaryEvent'],
        if: null,
        mode: 'batch',
        batchSize: 50,
        batchWindowMs: 2000,
      },
    ]);
    expect(result.playbook?.scopes).toEqual(['streaming:read']);
  });

  it('reports problems at file:line:column: bad if:, batch settings without batch mode, unknown types', () => {
    const result = compile(
      [
        '  - stream:',
        '      events: [EppDetectionSumaryEvent]',
        '      if: ${{ trigger.event.Severity >= }}',
        '      batch_size: 5',
      ].join('\n'),
    );
    const found = result.diagnostics.map((d) => [d.code, d.severity, d.line, d.column]);
    expect(found).toEqual([
      ['SOAR_PLAYBOOK_STREAM_TRIGGER', 'warning', 4, 16],
      ['SOAR_EXPR_SYNTAX', 'error', 5, expect.any(Number)],
      ['SOAR_PLAYBOOK_STREAM_TRIGGER', 'error', 6, 7],
    ]);
    expect(result.diagnostics[0]?.message).toContain('did you mean "EppDetectionSummaryEvent"');
    expect(result.playbook).toBeNull();
  });

  it('refuses a stream trigger without events, and unknown keys', () => {
    const result = compile('  - stream: { events: [], mode: every }');
    expect(result.playbook).toBeNull();
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.line === 3)).toBe(true);
  });
});

describe('poll every', () => {
  it.each([
    ['500ms', 'shorter than 1s'],
    ['25d', 'longer than 24d'],
  ])('refuses every: %s', (every, why) => {
    const result = compile(`  - poll: { uses: alerts.query_alerts_v2, every: ${every} }`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['SOAR_PLAYBOOK_POLL_INTERVAL']);
    expect(result.diagnostics[0]?.message).toContain(why);
    expect(result.diagnostics[0]?.line).toBe(3);
  });

  it('accepts 1s and 24d', () => {
    for (const every of ['1s', '24d'])
      expect(compile(`  - poll: { uses: alerts.query_alerts_v2, every: ${every} }`).diagnostics).toEqual([]);
  });
});
