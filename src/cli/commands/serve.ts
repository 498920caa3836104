/**
 * `talon serve`: the HTTP server (webhooks, health, Prometheus metrics, Bull Board), optionally with
 * the scheduler in the same process (`--scheduler`), until SIGTERM/SIGINT.
 */
import { type AppConfig, loadConfig, readSecretVariable } from '../../config/index.ts';
import { resolveInputs } from '../../engine/index.ts';
import { DEFAULT_PREFIX, openTalonQueue, type TalonQueue } from '../../queue/index.ts';
import { readTokens, startTalonServer, tokenSource } from '../../server/index.ts';
import { tenantNamesToCheck } from '../../tenants/index.ts';
import { webhookRoutes } from '../../triggers/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import {
  loadPlaybookDirForService,
  PLAYBOOKS_OPTION,
  startSchedulerService,
  streamTenant,
} from './scheduler.ts';
import { ConfigError, type Logger, type Secret, SoarError } from '../../shared/index.ts';
import { commandLogger, PREFIX_OPTION, requireRedisUrl, requireSigningKey, untilSignal } from './worker.ts';

/** A TCP port; 0 asks for a free one. */
function portOption(value: unknown): number {
  const port = Number(value ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SoarError('SOAR_CLI_USAGE', `--port must be 0..65535 (got ${String(value)})`);
  }
  return port;
}

/** The `serve` command. */
export const serveCommand: CliCommand = {
  name: 'serve',
  description: 'Serve webhooks, the queue dashboard, health and metrics',
  options: [
    { flags: '-p, --port <n>', description: 'TCP port', default: '8080' },
    { flags: '--host <host>', description: 'interface to listen on', default: '127.0.0.1' },
    PLAYBOOKS_OPTION,
    PREFIX_OPTION,
    { flags: '--scheduler', description: 'also run the scheduler (cron and poll triggers) in this process' },
    { flags: '--dashboard-writable', description: 'allow retrying and removing jobs from the dashboard' },
  ],
  async run(_args, options, io) {
    // Check options before anything opens a connection: an open Redis connection keeps the process alive.
    const port = portOption(options['port']);
    const config = loadConfig();
    const redisUrl = requireRedisUrl(config, 'serve');
    const signingKey = requireSigningKey(config, 'serve');
    const logger = commandLogger(config);
    const tenantNames = await tenantNamesToCheck(config.tenantsFile);
    const loaded = await loadPlaybookDirForService(
      String(options['playbooks']),
      io,
      tenantNames === undefined ? {} : { tenantNames },
    );
    const talon = openTalonQueue({
      redisUrl,
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
      signingKey,
    });
    try {
      return await serveUntilSignal(talon, loaded, config, logger, options, port, io);
    } catch (error) {
      await talon.close();
      throw error;
    }
  },
};

async function serveUntilSignal(
  talon: TalonQueue,
  loaded: Awaited<ReturnType<typeof loadPlaybookDirForService>>,
  config: AppConfig,
  logger: Logger,
  options: Record<string, unknown>,
  port: number,
  io: CliIo,
): Promise<number> {
  const { playbooks } = loaded;
  const routes = webhookRoutes(playbooks);
  // Fail now on a broken tokens file rather than answering 500 to every request later.
  const tokenCount = config.tokensFile === null ? 0 : (await readTokens(config.tokensFile)).length;
  refuseSharedWebhookSecrets(routes);
  // Each route reads its own secret (the trigger's secret_env) through src/config; there is no
  // server-wide default. Unset or short answers 503 SOAR_TRIGGERS_WEBHOOK_NO_SECRET.
  const secretFor = (name: string): Secret | null => readSecretVariable(name);
  const server = await startTalonServer({
    talon,
    tokens: tokenSource(config.tokensFile),
    webhooks: { routes, secretFor, resolveInputs: (plan, given) => resolveInputs(plan, given) },
    manualRuns: { playbooks, resolveInputs: (plan, given) => resolveInputs(plan, given) },
    host: String(options['host']),
    port,
    dashboardWritable: options['dashboardWritable'] === true,
    streamTenant:
      config.falcon && playbooks.some((p) => p.triggers.some((t) => t.type === 'stream'))
        ? streamTenant(config.falcon)
        : null,
    approvalLinkKey: config.approvals.linkKey,
    loaded,
    logger,
  });
  const scheduler =
    options['scheduler'] === true ? await startSchedulerService(config, talon, playbooks, logger) : null;
  io.out(
    `talon serve: ${server.url}  (webhooks: ${[...routes.keys()].map((p) => `/hooks/${p}`).join(', ') || 'none'}; /healthz /metrics /runs /approvals /admin/queues; console: /)\n`,
  );
  if (tokenCount === 0) {
    io.err(
      `talon serve: no API tokens${config.tokensFile === null ? ' (TALON_TOKENS_FILE is not set)' : ` in ${config.tokensFile}`}: every route except /healthz and webhooks answers 401; create one with \`talon tokens create <name> --role viewer\`\n`,
    );
  }
  const unset = [...routes].filter(([, r]) => readSecretVariable(r.trigger.secretEnv) === null);
  for (const [path, r] of unset) {
    io.err(`talon serve: ${r.trigger.secretEnv} is not set; /hooks/${path} answers 503 until it is\n`);
  }
  await untilSignal();
  await scheduler?.stop();
  await server.close();
  await talon.close();
  io.out('talon serve: stopped\n');
  return 0;
}

/** One secret per route: a key that opens two routes would let a sender of one trigger the other. */
function refuseSharedWebhookSecrets(routes: ReturnType<typeof webhookRoutes>): void {
  const pathsBySecret = new Map<string, string[]>();
  for (const [path, route] of routes) {
    pathsBySecret.set(route.trigger.secretEnv, [...(pathsBySecret.get(route.trigger.secretEnv) ?? []), path]);
  }
  const shared = [...pathsBySecret].filter(([, paths]) => paths.length > 1);
  if (shared.length > 0) {
    throw new ConfigError(
      'SOAR_CONFIG_INVALID',
      `webhook routes share a secret: ${shared.map(([name, paths]) => `${name} opens /hooks/${paths.join(' and /hooks/')}`).join('; ')}; give each route its own secret_env`,
    );
  }
}
