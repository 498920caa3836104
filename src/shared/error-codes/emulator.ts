import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/emulator. Names are SOAR_EMULATOR_<DETAIL>. */
export const EMULATOR_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
