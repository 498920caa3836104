/**
 * Built-in actions (`uses: core.<name>`). Each takes the step's rendered `with` and returns the step
 * output. They touch nothing outside the run, so they are safe to repeat and need no intents.
 *
 * - core.log    {message, level?: debug|info|warn|error}  -> {message}
 * - core.set    {...any}                                  -> the rendered `with` itself
 * - core.fail   {message}                                 fails the step (SOAR_ENGINE_STEP_FAILED)
 * - core.assert {that, message?}                          fails unless `that` is truthy
 *   (SOAR_ENGINE_ASSERTION_FAILED); output {ok: true}
 */
import type { Logger } from '../shared/index.ts';
import { engineError } from './run-errors.ts';

/** Names of the core actions the engine runs. */
export const CORE_ACTIONS = ['log', 'set', 'fail', 'assert'] as const;

/** What a core action may use: the run's logger and where it runs. */
export interface CoreActionContext {
  logger: Logger;
  runId: string;
  stepId: string;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type LogLevelName = (typeof LOG_LEVELS)[number];

/**
 * Runs core action `name` ("log", or "core.log") with rendered params.
 * @throws SoarError SOAR_ENGINE_STEP_FAILED, SOAR_ENGINE_ASSERTION_FAILED, SOAR_ENGINE_UNKNOWN_ACTION
 */
export function runCoreAction(
  name: string,
  params: Readonly<Record<string, unknown>>,
  context: CoreActionContext,
): unknown {
  const short = name.startsWith('core.') ? name.slice('core.'.length) : name;
  const where = { runId: context.runId, step: context.stepId };
  switch (short) {
    case 'log': {
      const message = asText(params['message']);
      const level = LOG_LEVELS.find((l) => l === params['level']) ?? 'info';
      log(context.logger, level, where, message);
      return { message };
    }
    case 'set':
      return { ...params };
    case 'fail':
      throw engineError(
        'SOAR_ENGINE_STEP_FAILED',
        `step "${context.stepId}" failed: ${asText(params['message'] ?? 'core.fail')}`,
        { step: context.stepId },
      );
    case 'assert':
      if (!truthy(params['that'])) {
        const message =
          params['message'] === undefined ? 'assertion did not hold' : asText(params['message']);
        throw engineError('SOAR_ENGINE_ASSERTION_FAILED', `step "${context.stepId}": ${message}`, {
          step: context.stepId,
        });
      }
      return { ok: true };
    default:
      throw engineError(
        'SOAR_ENGINE_UNKNOWN_ACTION',
        `step "${context.stepId}" uses unknown core action "core.${short}" (known: ${CORE_ACTIONS.map((a) => `core.${a}`).join(', ')})`,
        { step: context.stepId },
      );
  }
}

function log(logger: Logger, level: LogLevelName, fields: Record<string, unknown>, message: string): void {
  logger[level](fields, message);
}

/** Truthiness as a playbook author expects it: empty arrays and objects are false, like JSONata. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}
