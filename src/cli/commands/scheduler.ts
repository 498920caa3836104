/**
 * `talon scheduler`: fires the cron and poll triggers of the playbooks in a directory until
 * SIGTERM/SIGINT. Run one or several (for availability): each tick's run id is derived from playbook
 * and slot, so the fleet enqueues one run per tick.
 */
import { type AppConfig, loadConfig, readSecretSources } from '../../config/index.ts';
import type { FalconPort } from '../../engine/ports.ts';
import { createFalconClient } from '../../falcon/index.ts';
import type { CompiledPlaybook, CompiledTrigger } from '../../playbook/compiled.ts';
import { type CompileOptions, loadPlaybookDir, type PlaybookDirResult } from '../../playbook/index.ts';
import {
  createRedisRateBudget,
  createTenantClients,
  DEFAULT_PREFIX,
  openTalonQueue,
  type TalonQueue,
} from '../../queue/index.ts';
import { createSecretStore } from '../../secrets/index.ts';
import { formatDiagnostic, type Logger, SoarError, systemClock } from '../../shared/index.ts';
import { DEFAULT_TENANT, loadTenants, tenantNamesToCheck } from '../../tenants/index.ts';
import { type Scheduler, startScheduler } from '../../triggers/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import { refuseUnsafePlaybooks } from './unsafe-playbooks.ts';
import {
  commandLogger,
  PREFIX_OPTION,
  requireFalcon,
  requireRedisUrl,
  requireSigningKey,
  untilSignal,
} from './worker.ts';

/**
 * Loads and compiles a playbook directory, printing diagnostics. Broken playbooks are left out.
 * @throws SoarError SOAR_CLI_USAGE when no playbook compiles at all.
 */
export async function loadPlaybooksForService(
  dir: string,
  io: CliIo,
  options: CompileOptions = {},
): Promise<CompiledPlaybook[]> {
  return (await loadPlaybookDirForService(dir, io, options)).playbooks;
}

/** As loadPlaybooksForService, also returning the diagnostics (the run console shows them). */
export async function loadPlaybookDirForService(
  dir: string,
  io: CliIo,
  options: CompileOptions = {},
): Promise<PlaybookDirResult> {
  const loaded = await loadPlaybookDir(dir, options);
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  const playbooks = refuseUnsafePlaybooks(loaded.playbooks, loaded.diagnostics, io);
  if (playbooks.length === 0) {
    throw new SoarError('SOAR_CLI_USAGE', `no playbook in ${dir} compiled (see the messages above)`);
  }
  return { playbooks, diagnostics: loaded.diagnostics };
}

/** Starts the scheduler for `playbooks` on `talon` (with a Falcon client when a poll trigger needs one). */
export async function startSchedulerService(
  config: AppConfig,
  talon: TalonQueue,
  playbooks: readonly CompiledPlaybook[],
  logger: Logger,
): Promise<Scheduler> {
  // Polls of playbooks (or triggers) that name a tenant use that tenant's client; the others, and the
  // event stream, use the default tenant of FALCON_*.
  const tenantOf = (plan: CompiledPlaybook, trigger: CompiledTrigger): string =>
    ('tenant' in trigger ? trigger.tenant : undefined) ?? plan.tenant ?? DEFAULT_TENANT;
  const needsDefault = playbooks.some((p) =>
    p.triggers.some((t) => t.type === 'stream' || (t.type === 'poll' && tenantOf(p, t) === DEFAULT_TENANT)),
  );
  const needsNamed = playbooks.some((p) =>
    p.triggers.some((t) => t.type === 'poll' && tenantOf(p, t) !== DEFAULT_TENANT),
  );
  let falconFor: ((tenant: string) => FalconPort) | undefined;
  if (needsNamed) {
    const tenants = await loadTenants(config);
    const clients = createTenantClients({
      tenants,
      secrets: createSecretStore(readSecretSources()),
      redis: talon.redis,
      keys: talon.keys,
      logger,
      clock: systemClock,
      onPenalty: (_tenant, _child, ms) => (tenants.several ? undefined : talon.queue.pauseFor(ms)),
    });
    falconFor = (tenant) => clients.port(tenant, null);
  }
  if (!needsDefault) {
    return startScheduler({ playbooks, talon, logger, ...(falconFor ? { falconFor } : {}) });
  }
  const falconConfig = requireFalcon(config, 'scheduler (a playbook has a poll trigger)');
  const falcon = createFalconClient({
    baseUrl: falconConfig.baseUrl,
    clientId: falconConfig.clientId,
    clientSecret: falconConfig.clientSecret,
    memberCid: falconConfig.memberCid,
    proxy: falconConfig.proxy ?? null,
    logger,
    budget: createRedisRateBudget(talon.redis, talon.keys, {
      tenant: falconConfig.memberCid ?? falconConfig.clientId,
      onPenalty: (ms) => talon.queue.pauseFor(ms),
    }),
  });
  return startScheduler({
    playbooks,
    talon,
    logger,
    falcon,
    ...(falconFor ? { falconFor } : {}),
    stream: { tenant: streamTenant(falconConfig) },
  });
}

/** The key of the tenant's stream lease and offsets (the same as the rate budget's). */
export function streamTenant(falcon: { memberCid: string | null; clientId: string }): string {
  return falcon.memberCid ?? falcon.clientId;
}

export const PLAYBOOKS_OPTION = {
  flags: '--playbooks <dir>',
  description: 'directory of playbooks to load',
  default: 'playbooks',
};

/** The `scheduler` command. */
export const schedulerCommand: CliCommand = {
  name: 'scheduler',
  description: 'Start the scheduler that enqueues cron and poll triggers',
  options: [PLAYBOOKS_OPTION, PREFIX_OPTION],
  async run(_args, options, io) {
    const config = loadConfig();
    const redisUrl = requireRedisUrl(config, 'scheduler');
    const signingKey = requireSigningKey(config, 'scheduler');
    const logger = commandLogger(config);
    const tenantNames = await tenantNamesToCheck(config.tenantsFile);
    const playbooks = await loadPlaybooksForService(
      String(options['playbooks']),
      io,
      tenantNames === undefined ? {} : { tenantNames },
    );
    const talon = openTalonQueue({
      redisUrl,
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
      signingKey,
    });
    const scheduler = await startSchedulerService(config, talon, playbooks, logger);
    io.out(
      `talon scheduler: ${playbooks.length} playbook(s), ${scheduler.cron} cron and ${scheduler.poll} poll trigger(s)${scheduler.stream ? ', event stream' : ''}\n`,
    );
    await untilSignal();
    await scheduler.stop();
    await talon.close();
    io.out('talon scheduler: stopped\n');
    return 0;
  },
};
