import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';

/** A playbook of one core.set step: a run with the engine, records and checkpoints, and no Falcon call. */
export function compileNoop(): CompiledPlaybook {
  const result = compilePlaybookSource(
    [
      'name: noop',
      'description: one no-op step',
      'triggers: [{ manual: true }]',
      'steps:',
      '  - id: noop',
      '    uses: core.set',
      '    with: { ok: true }',
    ].join('\n'),
    'noop.yaml',
  );
  if (!result.playbook)
    throw new Error(`noop playbook does not compile: ${JSON.stringify(result.diagnostics)}`);
  return result.playbook;
}
