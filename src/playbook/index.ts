/**
 * The playbook module: load, validate and compile YAML playbooks into CompiledPlaybook plans, and
 * evaluate their `${{ }}` expressions at run time.
 */
export { compilePlaybook, compilePlaybookSource, MAX_PLAYBOOK_BYTES } from './compile.ts';
export type { CompileOptions, CompileResult } from './compile.ts';
export { isPlaybookFileName, loadPlaybookDir, loadPlaybookFile, loadPlaybookFileWithText } from './load.ts';
export { checkAcrossFiles } from './cross-file.ts';
export type { LoadedPlaybook } from './cross-file.ts';
export type { PlaybookDirResult } from './load.ts';
export {
  compileCondition,
  compileTemplate,
  evaluateCondition,
  evaluateExpression,
  renderTemplate,
  unwrapExpression,
} from './expressions/evaluate.ts';
export type {
  CompiledCondition,
  CompiledTemplate,
  ExpressionLimits,
  ExpressionWhere,
} from './expressions/evaluate.ts';
export { PlaybookError, ExpressionError } from './errors.ts';
export { CORE_ACTIONS, findCoreAction } from './core-actions.ts';
export type { CoreAction, CoreParam } from './core-actions.ts';
export { PLAYBOOK_SCHEMA } from './schema.ts';
export { renderPlaybookSchemaJson } from './schema-json.ts';
export { pickAllowedEnv } from './env.ts';
export { cronProblem } from './cron.ts';
export type {
  FromSchema,
  InputDocument,
  PlaybookDocument,
  StepDocument,
  TriggerDocument,
} from './schema-types.ts';
export type {
  CompiledAction,
  CompiledInput,
  CompiledPlaybook,
  CompiledRetry,
  CompiledStep,
  CompiledTrigger,
  ExpressionContext,
  InputType,
  OverlapPolicy,
} from './compiled.ts';
export { parseYaml, toYamlText } from './parse-yaml.ts';
export { finding, toDiagnostics } from './findings.ts';
export type { Finding } from './findings.ts';
