import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/queue. Names are SOAR_QUEUE_<DETAIL>. */
export const QUEUE_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
