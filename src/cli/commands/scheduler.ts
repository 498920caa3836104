/**
 * `talon scheduler`: fires the cron and poll triggers of the playbooks in a directory until
 * SIGTERM/SIGINT. Run one or several (for availability): each tick's run id is derived from playbook
 * and slot, so the fleet enqueues one run per tick.
 */
import { type AppConfig, loadConfig } from '../../config/index.ts';
import { createFalconClient } from '../../falcon/index.ts';
import type { CompiledPlaybook } from '../../playbook/compiled.ts';
import { loadPlaybookDir, type PlaybookDirResult } from '../../playbook/index.ts';
import { createRedisRateBudget, DEFAULT_PREFIX, openTalonQueue, type TalonQueue } from '../../queue/index.ts';
import { formatDiagnostic, type Logger, SoarError } from '../../shared/index.ts';
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
export async function loadPlaybooksForService(dir: string, io: CliIo): Promise<CompiledPlaybook[]> {
  return (await loadPlaybookDirForService(dir, io)).playbooks;
}

/** As loadPlaybooksForService, also returning the diagnostics (the run console shows them). */
export async function loadPlaybookDirForService(dir: string, io: CliIo): Promise<PlaybookDirResult> {
  const loaded = await loadPlaybookDir(dir);
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
  const needsFalcon = playbooks.some((p) => p.triggers.some((t) => t.type === 'poll' || t.type === 'stream'));
  if (!needsFalcon) return startScheduler({ playbooks, talon, logger });
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
    const playbooks = await loadPlaybooksForService(String(options['playbooks']), io);
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
