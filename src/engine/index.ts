export { runPlaybook } from './run-playbook.ts';
export type { RunOptions, RunRequest, RunResult } from './run-playbook.ts';
export type { DryRunChange } from './run-state.ts';
export { isRetryableRunError, toRunErrorInfo } from './run-errors.ts';
export type { RunErrorInfo } from './run-errors.ts';
export { resolveInputs } from './resolve-inputs.ts';
export { CORE_ACTIONS } from './core-actions.ts';
export { planWrites, unitKey } from './write-plan.ts';
export type { WriteLayout, WritePlan, WriteTarget, WriteUnit } from './write-plan.ts';
export { retryDelayMs } from './step-retry.ts';
export type {
  ActionCall,
  ActionPort,
  Checkpoint,
  CheckpointStore,
  EnginePorts,
  FalconCallOptions,
  FalconPort,
  FalconResult,
  RunEvents,
  RunStatus,
  StepRecord,
  StepStatus,
} from './ports.ts';
export { jsonSizeUpTo } from './output-size.ts';
