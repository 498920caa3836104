import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/playbook. Names are SOAR_PLAYBOOK_<DETAIL>. */
export const PLAYBOOK_ERROR_CODES = {} as const satisfies Record<string, ErrorCodeEntry>;
