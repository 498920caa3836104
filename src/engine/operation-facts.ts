import { findOperation, type OperationSpec } from '../falcon/operations/index.ts';
import type { CompiledStep } from '../playbook/compiled.ts';
import { engineError } from './run-errors.ts';
import type { WriteTarget } from './write-plan.ts';

/** Read-back batch size when the read-back operation states no id limit (PSFalcon's default). */
const DEFAULT_READ_BATCH = 500;

/**
 * The operation a Falcon step calls, from the shared operations table.
 * @throws SoarError SOAR_ENGINE_UNKNOWN_OPERATION when the table no longer knows it.
 */
export function operationOf(step: CompiledStep, operationId: string): OperationSpec {
  const spec = findOperation(operationId);
  if (!spec) {
    throw engineError(
      'SOAR_ENGINE_UNKNOWN_OPERATION',
      `step "${step.id}" uses ${step.uses} (operation ${operationId}), which this version of Talon does not know`,
      { step: step.id, operation: operationId },
    );
  }
  return spec;
}

/** The array parameter a write's targets travel in, and how many one request may carry. */
export function writeTargetOf(spec: OperationSpec): WriteTarget | null {
  return spec.ids ? { param: spec.ids.param, max: spec.ids.max } : null;
}

/** How many ids one read-back request may carry for a write operation. */
export function readBatchOf(spec: OperationSpec): number {
  const readBack = spec.readBack ? findOperation(spec.readBack) : undefined;
  return readBack?.ids?.max ?? DEFAULT_READ_BATCH;
}

/**
 * For a write without an id parameter, the list parameter that names what it acts on (an on-demand
 * scan's `hosts`), so limits.max_targets counts hosts rather than requests.
 */
export function countParamOf(spec: OperationSpec): string | undefined {
  if (spec.ids) return undefined;
  return spec.params.find((p) => p.name === 'hosts' && p.type === 'string[]')?.name;
}
