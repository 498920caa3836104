import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/emulator. Names are SOAR_EMULATOR_<DETAIL>. */
export const EMULATOR_ERROR_CODES = {
  SOAR_EMULATOR_OPTIONS_INVALID: {
    title: 'Invalid emulator options',
    retryable: false,
    hint: 'Fix the named emulator option (or command-line flag) and start the emulator again.',
  },
  SOAR_EMULATOR_START_FAILED: {
    title: 'Emulator could not start',
    retryable: false,
    hint: 'Pick another port (or 0 for a free one) and check that the host address exists on this machine.',
  },
  SOAR_EMULATOR_FQL_SYNTAX: {
    title: 'Malformed FQL filter',
    retryable: false,
    hint: "Fix the filter at the named position; quote string values ('x') and encode '+' as %2B in URLs.",
  },
  SOAR_EMULATOR_REQUEST_REJECTED: {
    title: 'Emulator rejected a request',
    retryable: false,
    hint: 'The emulator answered a 4xx in the Falcon envelope; read errors[0].message for what to fix.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
