import { createRequire } from 'node:module';
import type { pino as Pino } from 'pino';
import type { Secret } from './secret.ts';

/** The logging surface every module uses; pino stays behind it. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /** Where lines go. @default process.stderr */
  destination?: NodeJS.WritableStream;
  /** Values to scrub from every line, whatever field they end up in. */
  secrets?: readonly Secret[];
}

// Keys whose values are never logged, wherever they appear (pino's redact paths are exact, so list the
// shapes we know: top-level and one level down).
const REDACT_KEYS = [
  'authorization',
  'client_secret',
  'clientSecret',
  'access_token',
  'token',
  'secret',
  'password',
];
const REDACT_PATHS = [
  ...REDACT_KEYS,
  ...REDACT_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
];

/** Creates a JSON-lines logger with secrets redacted by key and by value. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).map((s) => s.reveal()).filter((s) => s.length >= 4);
  const destination = options.destination ?? process.stderr;
  const stream =
    secrets.length === 0
      ? destination
      : {
          write(line: string): void {
            let clean = line;
            for (const value of secrets) clean = clean.split(value).join('[redacted]');
            destination.write(clean);
          },
        };
  const pino = loadPino();
  const base = pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return wrap(base);
}

/**
 * pino, loaded on the first logger: loading it costs about 30 ms, which commands that never log
 * (`talon validate`, `talon --help`) should not pay.
 */
function loadPino(): typeof Pino {
  return (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;
}

function wrap(log: Pino.Logger): Logger {
  return {
    debug: (fields, message) => log.debug(fields, message),
    info: (fields, message) => log.info(fields, message),
    warn: (fields, message) => log.warn(fields, message),
    error: (fields, message) => log.error(fields, message),
    child: (bindings) => wrap(log.child(bindings)),
  };
}

/** A logger that drops everything; for tests and library callers that want silence. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
