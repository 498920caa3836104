/** The playbooks a service refuses to load although they compile (see refuseUnsafePlaybooks). */
import type { CompiledPlaybook } from '../../playbook/compiled.ts';
import type { Diagnostic } from '../../shared/index.ts';
import type { CliIo } from '../command-spec.ts';

/**
 * Services do not load a playbook whose regex may backtrack catastrophically (a warning for
 * `talon validate`): one webhook body could freeze a worker. The rest of the directory still loads.
 */
export function refuseUnsafePlaybooks(
  playbooks: readonly CompiledPlaybook[],
  diagnostics: readonly Diagnostic[],
  io: CliIo,
): CompiledPlaybook[] {
  const unsafe = new Set(diagnostics.filter((d) => d.code === 'SOAR_EXPR_SLOW_REGEX').map((d) => d.file));
  for (const file of unsafe) {
    io.err(`${file}: refused: a regular expression may take exponential time (SOAR_EXPR_SLOW_REGEX above)\n`);
  }
  return playbooks.filter((p) => !unsafe.has(p.file));
}
