/**
 * `talon worker`: runs queued playbook runs until SIGTERM/SIGINT. On a signal it stops taking runs,
 * lets running ones finish for up to --grace, then stops the rest between two requests and hands them
 * back to the queue (another worker resumes them from their checkpoints; no stall is counted).
 */
import {
  type AppConfig,
  type FalconConfig,
  loadConfig,
  readExpressionEnv,
  redactRedisUrl,
} from '../../config/index.ts';
import { DEFAULT_PREFIX, startTalonWorker, WORKER_DEFAULTS } from '../../queue/index.ts';
import { loadTenants } from '../../tenants/index.ts';
import {
  ConfigError,
  createLogger,
  type Logger,
  parseDurationMs,
  type Secret,
  SoarError,
} from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';

/** REDIS_URL, or a clear error. */
export function requireRedisUrl(config: AppConfig, command: string): string {
  if (config.redisUrl === null) {
    throw new ConfigError(
      'SOAR_CONFIG_MISSING',
      `talon ${command} needs REDIS_URL (for example redis://127.0.0.1:6379); \`npm run demo\` runs everything without it`,
    );
  }
  return config.redisUrl;
}

/**
 * TALON_JOB_SIGNING_KEY, or a clear error: every process that enqueues runs signs them with it and
 * every worker runs only jobs that verify, so a Redis writer cannot make a worker act.
 */
export function requireSigningKey(config: AppConfig, command: string): Secret {
  if (config.jobSigningKey === null) {
    throw new ConfigError(
      'SOAR_CONFIG_MISSING',
      `talon ${command} needs TALON_JOB_SIGNING_KEY (32+ characters, the same in every Talon process; for example \`openssl rand -hex 32\`)`,
    );
  }
  return config.jobSigningKey;
}

/** Falcon credentials, or a clear error. */
export function requireFalcon(config: AppConfig, command: string): FalconConfig {
  if (config.falcon === null) {
    throw new ConfigError(
      'SOAR_CONFIG_MISSING',
      `talon ${command} needs FALCON_CLIENT_ID and FALCON_CLIENT_SECRET (and FALCON_CLOUD, a cloud name or the emulator URL)`,
    );
  }
  return config.falcon;
}

/** The logger of a long-running command: JSON lines on stderr with the Falcon secret scrubbed. */
export function commandLogger(config: AppConfig): Logger {
  const secrets = [
    config.falcon?.clientSecret,
    config.webhookSecret,
    config.approvals.linkKey,
    config.jobSigningKey,
  ].filter((s) => s !== undefined && s !== null);
  return createLogger({ level: config.logLevel, secrets });
}

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** Parses a positive integer option. */
export function intOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new SoarError('SOAR_CLI_USAGE', `${name} must be an integer ≥ 1 (got ${String(value)})`);
  return n;
}

/** Parses a count option that may be 0. */
export function countOption(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new SoarError('SOAR_CLI_USAGE', `${name} must be an integer ≥ 0 (got ${String(value)})`);
  return n;
}

/** Parses a duration option ("30s", "500ms"). */
export function durationOption(value: unknown, name: string): number | undefined {
  return value === undefined ? undefined : parseDurationMs(String(value), name);
}

export const PREFIX_OPTION = {
  flags: '--prefix <prefix>',
  description: 'Redis key prefix of this Talon deployment',
  default: DEFAULT_PREFIX,
};

/** The `worker` command. */
export const workerCommand: CliCommand = {
  name: 'worker',
  description: 'Start a worker that executes queued playbook runs',
  options: [
    {
      flags: '-c, --concurrency <n>',
      description: 'runs at once in this process',
      default: String(WORKER_DEFAULTS.concurrency),
    },
    PREFIX_OPTION,
    {
      flags: '--grace <duration>',
      description: 'on SIGTERM, wait this long for running runs',
      default: seconds(WORKER_DEFAULTS.graceMs),
    },
    {
      flags: '--lock-duration <duration>',
      description: 'job lock lifetime (stall detection)',
      default: seconds(WORKER_DEFAULTS.lockDurationMs),
    },
    {
      flags: '--stalled-interval <duration>',
      description: 'how often stalled runs are looked for',
      default: seconds(WORKER_DEFAULTS.stalledIntervalMs),
    },
    {
      flags: '--max-stalled <n>',
      description:
        'stall budget: times a run whose worker died is resumed from its checkpoints before it fails (then `talon runs resume`)',
      default: String(WORKER_DEFAULTS.maxStalledCount),
    },
  ],
  async run(_args, options, io: CliIo) {
    const config = loadConfig();
    const redisUrl = requireRedisUrl(config, 'worker');
    // The tenants of TALON_TENANTS_FILE and `default` (FALCON_*); without a file, FALCON_* is required.
    const tenants = await loadTenants(config);
    if (config.tenantsFile === null) requireFalcon(config, 'worker');
    const signingKey = requireSigningKey(config, 'worker');
    const logger = commandLogger(config);
    const lockDurationMs = durationOption(options['lockDuration'], '--lock-duration');
    const stalledIntervalMs = durationOption(options['stalledInterval'], '--stalled-interval');
    const worker = startTalonWorker({
      redisUrl,
      tenants,
      signingKey,
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
      concurrency: intOption(options['concurrency'], '--concurrency', WORKER_DEFAULTS.concurrency),
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
      ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
      maxStalledCount: countOption(options['maxStalled'], '--max-stalled', WORKER_DEFAULTS.maxStalledCount),
      keepFinishedRuns: config.runRetentionCount ?? WORKER_DEFAULTS.keepFinishedRuns,
      logger,
      env: readExpressionEnv(),
      protectedHostsFilter: config.protectedHostsFilter,
      approverGroups: config.approvals.groups,
      approvalLinks: config.approvals,
    });
    const where = tenants.names().map((name) => `${name} (${tenants.get(name).baseUrl})`);
    io.out(`talon worker: running playbook runs from ${redactRedisUrl(redisUrl)} for ${where.join(', ')}\n`);
    const signal = await untilSignal();
    io.out(`talon worker: ${signal}, finishing running runs\n`);
    await worker.close(durationOption(options['grace'], '--grace') ?? WORKER_DEFAULTS.graceMs);
    io.out('talon worker: stopped\n');
    return 0;
  },
};

/** A whole number of milliseconds as CLI duration text ("10s"). */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
