// A playbook with one trigger and one cheap core step, for the trigger benchmarks.
import type { CompiledPlaybook } from '../../src/playbook/compiled.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';

/** Compiles `name` with `trigger` (a YAML flow mapping, e.g. `{ cron: "* * * * * *" }`) and one core.set step. */
export function oneStepPlaybook(trigger: string, name: string): CompiledPlaybook {
  const source = [
    `name: ${name}`,
    'description: one core step',
    `triggers: [${trigger}]`,
    'steps:',
    '  - id: first',
    '    uses: core.set',
    '    with: { ok: true }',
  ].join('\n');
  const { playbook, diagnostics } = compilePlaybookSource(source, `${name}.yaml`);
  if (!playbook) throw new Error(`${name} does not compile: ${JSON.stringify(diagnostics)}`);
  return playbook;
}
