import type { ErrorCodeEntry } from './entry.ts';

/** Codes of the shared layer, configuration and CLI. */
export const CORE_ERROR_CODES = {
  SOAR_INTERNAL: {
    title: 'Internal error',
    retryable: false,
    hint: 'This is a bug in Talon; report it with the run id.',
  },
  SOAR_CONFIG_INVALID: {
    title: 'Invalid configuration',
    retryable: false,
    hint: 'Fix the named environment variable or option and start again.',
  },
  SOAR_CONFIG_MISSING: {
    title: 'Missing configuration',
    retryable: false,
    hint: 'Set the named environment variable or install the named program, then start again.',
  },
  SOAR_CLI_USAGE: { title: 'Bad command line', retryable: false, hint: 'Run the command with --help.' },
  SOAR_NOT_AVAILABLE: {
    title: 'Not yet available',
    retryable: false,
    hint: 'This command is planned but not built yet.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
