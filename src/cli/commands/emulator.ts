/**
 * `talon emulator`: the local Falcon API emulator (src/emulator) on a port, until SIGINT/SIGTERM.
 * Prints the URL and the client credentials to use (the secret only when it is the well-known
 * default; a secret given with --client-secret is never echoed).
 */
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  type EmulatorOptions,
  startEmulator,
} from '../../emulator/index.ts';
import { SoarError, createLogger } from '../../shared/index.ts';
import type { CliCommand } from '../command-spec.ts';

function integer(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text))
    throw new SoarError('SOAR_CLI_USAGE', `${flag} must be a non-negative integer (got "${text}")`);
  return Number(text);
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}

const SIZE_FLAGS = ['detections', 'hosts', 'incidents', 'iocs', 'scans', 'cases'] as const;

/** Builds emulator options from parsed command-line options. */
export function emulatorOptionsFromCli(options: Record<string, unknown>): EmulatorOptions {
  const clientId = options['clientId'] === undefined ? undefined : String(options['clientId']);
  const clientSecret = options['clientSecret'] === undefined ? undefined : String(options['clientSecret']);
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    throw new SoarError('SOAR_CLI_USAGE', '--client-id and --client-secret go together');
  }
  const sizes: Record<string, number> = {};
  for (const flag of SIZE_FLAGS) {
    const value = integer(options[flag], `--${flag}`);
    if (value !== undefined) sizes[flag] = value;
  }
  const resolved: EmulatorOptions = {
    port: integer(options['port'], '--port') ?? 8081,
    host: String(options['host'] ?? '127.0.0.1'),
    seed: integer(options['seed'], '--seed') ?? 42,
    sizes,
    cloudToday: options['cloudToday'] === true,
  };
  const rate = integer(options['rateLimit'], '--rate-limit');
  if (rate !== undefined) resolved.rateLimitPerMinute = rate;
  const eventRate = integer(options['eventRate'], '--event-rate');
  if (eventRate !== undefined) resolved.eventRate = eventRate;
  const containmentDelay = integer(options['containmentDelay'], '--containment-delay');
  if (containmentDelay !== undefined) resolved.containmentDelayMs = containmentDelay;
  const ttl = integer(options['tokenTtl'], '--token-ttl');
  if (ttl !== undefined) resolved.tokenTtlSeconds = ttl;
  if (clientId !== undefined && clientSecret !== undefined)
    resolved.clients = [{ clientId, clientSecret, scopes: '*' }];
  return resolved;
}

/** The `emulator` command. */
export const emulatorCommand: CliCommand = {
  name: 'emulator',
  description: 'Start the local Falcon API emulator',
  options: [
    { flags: '-p, --port <n>', description: 'TCP port (0 picks a free one)', default: '8081' },
    { flags: '--host <host>', description: 'interface to listen on', default: '127.0.0.1' },
    { flags: '--seed <n>', description: 'seed of the generated data', default: '42' },
    { flags: '--detections <n>', description: 'detections to generate (default 500)' },
    { flags: '--hosts <n>', description: 'hosts to generate (default detections/10)' },
    { flags: '--incidents <n>', description: 'incidents to generate (default 40)' },
    { flags: '--iocs <n>', description: 'custom IOCs to generate (default 100)' },
    { flags: '--scans <n>', description: 'ODS scans to generate (default 20)' },
    { flags: '--cases <n>', description: 'cases to generate (default 10)' },
    { flags: '--client-id <id>', description: 'API client id to accept (all scopes)' },
    { flags: '--client-secret <secret>', description: 'API client secret to accept' },
    {
      flags: '--cloud-today',
      description: 'answer decommissioned operations (Detects, Incidents) as the real cloud does now',
    },
    { flags: '--rate-limit <n>', description: 'requests per minute per customer (default 6000)' },
    { flags: '--token-ttl <s>', description: 'token lifetime in seconds (default 1799)' },
    {
      flags: '--containment-delay <ms>',
      description: 'how long a host stays containment_pending before contained (default 2000)',
    },
    {
      flags: '--event-rate <n>',
      description: 'new detections per second, each streamed on Event Streams (default 0)',
    },
  ],
  async run(_args, options, io) {
    const emulatorOptions = emulatorOptionsFromCli(options);
    const emulator = await startEmulator({ ...emulatorOptions, logger: createLogger({ level: 'warn' }) });
    const info = emulator.admin.info();
    const secret =
      emulator.credentials.clientSecret === DEFAULT_CLIENT_SECRET &&
      emulator.credentials.clientId === DEFAULT_CLIENT_ID
        ? emulator.credentials.clientSecret
        : '(the --client-secret you passed)';
    io.out(
      [
        `talon emulator: ${emulator.url}`,
        `  client id:     ${emulator.credentials.clientId}`,
        `  client secret: ${secret}`,
        `  cid:           ${info.cid}`,
        `  seed ${info.seed}: ${info.counts['detections']} detections, ${info.counts['incidents']} incidents, ${info.counts['iocs']} IOCs, ${info.counts['scans']} scans`,
        `  cloud today:   ${info.cloudToday ? 'yes (Detects/Incidents answer 410)' : 'no (every collection served)'}`,
        `  event streams: ${emulatorOptions.eventRate ?? 0} new detection(s)/s (GET /sensors/entities/datafeed/v2)`,
        `  admin:         ${emulator.url}/_admin/info (see docs/emulator.md)`,
        '',
      ].join('\n'),
    );
    const signal = await untilStopped();
    await emulator.close();
    io.out(`talon emulator: stopped (${signal})\n`);
    return 0;
  },
};
