import { ERROR_CODES, type ErrorCode, isErrorCode } from './error-codes.ts';

/** Facts about a failure that are safe to log and store: no secrets, no tokens, no raw HTTP options. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface SoarErrorOptions {
  details?: ErrorDetails;
  cause?: unknown;
  /** Overrides the catalogue's default. */
  retryable?: boolean;
}

/**
 * The one base error of Talon. Every failure that reaches a user, a log or a run record is a SoarError
 * with a catalogued code, a message a person can act on, safe details and an optional cause.
 */
export class SoarError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: SoarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SoarError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    this.details = options.details ?? {};
  }

  /** The catalogue's advice for this code. */
  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** Configuration from the environment or options is missing or malformed. */
export class ConfigError extends SoarError {
  constructor(
    code: 'SOAR_CONFIG_INVALID' | 'SOAR_CONFIG_MISSING',
    message: string,
    options: SoarErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'ConfigError';
  }
}

/** The JSON-safe form of an error, built from a whitelist of fields so nothing unexpected leaks. */
export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details: ErrorDetails;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 5;

/** Serializes any thrown value through the whitelist; unknown errors become SOAR_INTERNAL. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  const soar = toSoarError(error);
  const out: SerializedError = {
    name: soar.name,
    code: soar.code,
    message: soar.message,
    retryable: soar.retryable,
    details: soar.details,
  };
  if (soar.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(soar.cause, depth + 1);
  return out;
}

/**
 * Turns anything thrown into a SoarError. A foreign error keeps only its name and message: its other
 * fields (got's request options, for one) can carry secrets, so it is never kept as a cause.
 */
export function toSoarError(error: unknown): SoarError {
  if (error instanceof SoarError) return error;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return new SoarError(isErrorCode(code) ? code : 'SOAR_INTERNAL', `${error.name}: ${error.message}`);
  }
  return new SoarError('SOAR_INTERNAL', `non-error thrown: ${String(error)}`);
}
