import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/engine. Names are SOAR_ENGINE_<DETAIL>. */
export const ENGINE_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
