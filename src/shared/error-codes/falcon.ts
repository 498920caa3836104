import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/falcon. Names are SOAR_FALCON_<DETAIL>. */
export const FALCON_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
