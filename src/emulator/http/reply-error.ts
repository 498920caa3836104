import { SoarError } from '../../shared/index.ts';

/** One item of the envelope's `errors` array (falcon-api.md §2.3). */
export interface FalconErrorItem {
  code: number;
  message: string;
  id?: string;
}

/**
 * Thrown anywhere while handling a request to answer with a 4xx/5xx in the Falcon envelope. It never
 * leaves the emulator: the server turns it into `{meta, resources: [], errors: [{code, message}]}`.
 */
export class FalconReplyError extends SoarError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super('SOAR_EMULATOR_REQUEST_REJECTED', message, { details: { status } });
    this.name = 'FalconReplyError';
    this.status = status;
    this.headers = headers;
  }
}

/** Shorthand for a 400 with a message naming what is wrong. */
export function badRequest(message: string): FalconReplyError {
  return new FalconReplyError(400, message);
}
