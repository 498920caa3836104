/**
 * The catalogue of every error code Talon raises, merged from one file per area (so each area owns its
 * list). A code that is not listed does not compile. docs/errors.md is generated from this catalogue
 * (`npm run docs:errors`) and test/unit/error-codes.test.ts fails when it is stale.
 */
import { ACTIONS_ERROR_CODES } from './error-codes/actions.ts';
import { APPROVAL_ERROR_CODES } from './error-codes/approvals.ts';
import { CORE_ERROR_CODES } from './error-codes/core.ts';
import { EMULATOR_ERROR_CODES } from './error-codes/emulator.ts';
import { ENGINE_ERROR_CODES } from './error-codes/engine.ts';
import type { ErrorCodeEntry } from './error-codes/entry.ts';
import { FALCON_ERROR_CODES } from './error-codes/falcon.ts';
import { PLAYBOOK_ERROR_CODES } from './error-codes/playbook.ts';
import { QUEUE_ERROR_CODES } from './error-codes/queue.ts';
import { SERVER_ERROR_CODES } from './error-codes/server.ts';
import { TENANTS_ERROR_CODES } from './error-codes/tenants.ts';
import { TRIGGERS_ERROR_CODES } from './error-codes/triggers.ts';

export const ERROR_CODES = {
  ...CORE_ERROR_CODES,
  ...FALCON_ERROR_CODES,
  ...EMULATOR_ERROR_CODES,
  ...PLAYBOOK_ERROR_CODES,
  ...ENGINE_ERROR_CODES,
  ...QUEUE_ERROR_CODES,
  ...TRIGGERS_ERROR_CODES,
  ...SERVER_ERROR_CODES,
  ...ACTIONS_ERROR_CODES,
  ...APPROVAL_ERROR_CODES,
  ...TENANTS_ERROR_CODES,
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type { ErrorCodeEntry };

/** True when `code` is a catalogued error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
