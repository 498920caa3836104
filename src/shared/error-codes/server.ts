import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by the HTTP server (`talon serve`): API tokens, roles, limits. Names are SOAR_SERVER_<DETAIL>. */
export const SERVER_ERROR_CODES = {
  SOAR_SERVER_UNAUTHENTICATED: {
    title: 'API token missing or not valid',
    retryable: false,
    hint: 'Send Authorization: Bearer <token> with a token made by `talon tokens create` (the server reads TALON_TOKENS_FILE).',
  },
  SOAR_SERVER_FORBIDDEN: {
    title: 'API token lacks the role this route needs',
    retryable: false,
    hint: 'Use a token with a higher role (scrape < viewer < operator < admin); the message names the role needed.',
  },
  SOAR_SERVER_RATE_LIMITED: {
    title: 'Too many requests',
    retryable: true,
    hint: 'Slow down: wait for the number of seconds in the Retry-After header.',
  },
  SOAR_SERVER_NOT_FOUND: {
    title: 'No such route or resource',
    retryable: false,
    hint: 'Check the path; `talon serve` prints the routes it serves.',
  },
  SOAR_SERVER_BAD_REQUEST: {
    title: 'Bad request',
    retryable: false,
    hint: 'Fix the request as the message says and send it again.',
  },
  SOAR_SERVER_INTERNAL: {
    title: 'The server failed',
    retryable: true,
    hint: 'Details are in the server log under the request id in the message; the answer never carries them.',
  },
  SOAR_SERVER_TOKENS_FILE: {
    title: 'API tokens file is not readable or not valid',
    retryable: false,
    hint: 'Create tokens with `talon tokens create`; the file named by TALON_TOKENS_FILE must be the JSON it writes.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
