/**
 * `talon call <operation> --param k=v ...`: calls one Falcon operation and prints the JSON answer.
 * Credentials come from the environment (loadConfig); `--emulator` starts an in-process emulator and
 * uses its well-known client instead.
 */
import { loadConfig } from '../../config/index.ts';
import { startEmbeddedFalcon } from '../../local/index.ts';
import { createFalconClient, type FalconClient } from '../../falcon/index.ts';
import { ConfigError, createLogger, SoarError } from '../../shared/index.ts';
import type { CliCommand } from '../command-spec.ts';

/**
 * Parses repeated `key=value` pairs. A value that parses as JSON is used as JSON (numbers, booleans,
 * lists, objects); anything else is a string. A repeated key collects its values into a list.
 */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SoarError('SOAR_CLI_USAGE', `--param '${pair}' is not key=value`);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: keep the string as typed (FQL filters, ids).
    }
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

async function openClient(
  useEmulator: boolean,
  timeoutMs: number,
): Promise<{ client: FalconClient; close: () => Promise<void> }> {
  if (useEmulator) {
    const embedded = await startEmbeddedFalcon(1, { timeoutMs });
    return { client: embedded.falcon, close: embedded.close };
  }
  const config = loadConfig();
  if (config.falcon === null) {
    throw new ConfigError(
      'SOAR_CONFIG_MISSING',
      'FALCON_CLIENT_ID and FALCON_CLIENT_SECRET are not set (or pass --emulator to call the local emulator)',
    );
  }
  const logger = createLogger({ level: config.logLevel, secrets: [config.falcon.clientSecret] });
  const client = createFalconClient({
    baseUrl: config.falcon.baseUrl,
    clientId: config.falcon.clientId,
    clientSecret: config.falcon.clientSecret,
    memberCid: config.falcon.memberCid,
    proxy: config.falcon.proxy ?? null,
    logger,
    timeoutMs,
  });
  return { client, close: async () => {} };
}

/** The `call` command. */
export const callCommand: CliCommand = {
  name: 'call',
  description: 'Call one Falcon API operation and print the JSON answer',
  arguments: [
    {
      name: 'operation',
      description: 'operationId, PEP 8 name or collection.name (e.g. detects.query_detects)',
      required: true,
    },
  ],
  options: [
    { flags: '-p, --param <key=value...>', description: 'a parameter; JSON values are parsed (repeatable)' },
    { flags: '--all-pages', description: 'follow pagination and print every page as a JSON line' },
    { flags: '--emulator', description: 'start an in-process Falcon emulator and call it' },
    { flags: '--timeout <ms>', description: 'per-request timeout in milliseconds', default: '30000' },
  ],
  async run(args, options, io) {
    const operation = String(args[0] ?? '');
    const params = parseParams((options.param as string[] | undefined) ?? []);
    const timeoutMs = Number(options.timeout ?? 30000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new SoarError(
        'SOAR_CLI_USAGE',
        `--timeout must be a positive integer of milliseconds (got '${String(options.timeout)}')`,
      );
    }
    const { client, close } = await openClient(options.emulator === true, timeoutMs);
    try {
      client.operation(operation);
      if (options.allPages === true) {
        for await (const page of client.pages(operation, params)) io.out(`${JSON.stringify(page)}\n`);
      } else {
        io.out(`${JSON.stringify(await client.call(operation, params), null, 2)}\n`);
      }
      return 0;
    } finally {
      await close();
    }
  },
};
