import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/triggers. Names are SOAR_TRIGGERS_<DETAIL>. */
export const TRIGGERS_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
