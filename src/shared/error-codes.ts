/**
 * The catalogue of every error code Talon raises. A code that is not listed here does not compile.
 * Each entry: a title, whether a retry can help by default, and what the user should do.
 * docs/errors.md documents every code; test/unit/error-codes.test.ts keeps the two in step.
 */
export const ERROR_CODES = {
  SOAR_INTERNAL: {
    title: 'Internal error',
    retryable: false,
    hint: 'This is a bug in Talon; report it with the run id.',
  },
  SOAR_CONFIG_INVALID: {
    title: 'Invalid configuration',
    retryable: false,
    hint: 'Fix the named environment variable and start again.',
  },
  SOAR_CONFIG_MISSING: {
    title: 'Missing configuration',
    retryable: false,
    hint: 'Set the named environment variable and start again.',
  },
  SOAR_CLI_USAGE: { title: 'Bad command line', retryable: false, hint: 'Run the command with --help.' },
  SOAR_NOT_AVAILABLE: {
    title: 'Not yet available',
    retryable: false,
    hint: 'This command is planned but not built yet.',
  },
} as const satisfies Record<string, { title: string; retryable: boolean; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is a catalogued error code. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
