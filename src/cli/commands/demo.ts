/**
 * `talon demo` (`npm run demo`): the whole system on one machine with nothing configured.
 * Starts redis-server on a free port (unless REDIS_URL is set), the Falcon emulator with seeded data
 * (unless FALCON_* is set), a worker and the scheduler in this process; enqueues the headline playbook,
 * follows it, prints a summary read back from the emulator's audit log, and shuts everything down.
 * Against a real tenant (FALCON_* set) the demo is a dry run unless --write is given: it never writes
 * to a real Falcon by surprise.
 */
import { resolve } from 'node:path';
import { type FalconConfig, loadConfig, readExpressionEnv } from '../../config/index.ts';
import { type AuditEntry, type RunningEmulator, startEmulator } from '../../emulator/index.ts';
import { startLocalRedis } from '../../local/index.ts';
import { DEFAULT_PREFIX, formatDuration, openTalonQueue, startTalonWorker } from '../../queue/index.ts';
import { newUuid, randomHex, Secret, silentLogger, systemClock } from '../../shared/index.ts';
import { startScheduler } from '../../triggers/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import { followRun, loadOnePlaybook, runCommand } from './run.ts';
import { loadPlaybooksForService, PLAYBOOKS_OPTION } from './scheduler.ts';

export const HEADLINE_PLAYBOOK = 'triage-critical-detections.yaml';

/** What the demo reports, counted from the emulator's audit log (the writes Falcon actually saw). */
export interface DemoSummary {
  detectionsTriaged: number;
  incidentsTagged: number;
  iocsCreated: number;
  writes: number;
}

/** Counts the ids written per kind of write. Pure. */
export function summarizeAudit(audit: readonly AuditEntry[]): DemoSummary {
  const idsOf = (op: RegExp) =>
    new Set(audit.filter((e) => op.test(e.operationId)).flatMap((e) => [...e.ids])).size;
  return {
    detectionsTriaged: idsOf(/^UpdateDetectsByIds/),
    incidentsTagged: idsOf(/^PerformIncidentAction$/),
    iocsCreated: idsOf(/^indicator_create/),
    writes: audit.length,
  };
}

async function startFalcon(
  configured: FalconConfig | null,
  seed: number,
): Promise<{ falcon: FalconConfig; emulator: RunningEmulator | null }> {
  if (configured) return { falcon: configured, emulator: null };
  const emulator = await startEmulator({ port: 0, seed });
  return {
    emulator,
    falcon: {
      clientId: emulator.credentials.clientId,
      clientSecret: new Secret(emulator.credentials.clientSecret),
      baseUrl: emulator.url,
      memberCid: null,
    },
  };
}

/** The `demo` command. */
export const demoCommand: CliCommand = {
  name: 'demo',
  description: 'Run the headline playbook against the embedded emulator and a local Redis',
  options: [
    PLAYBOOKS_OPTION,
    { flags: '--seed <n>', description: 'seed of the emulator world', default: '1' },
    { flags: '--write', description: 'with FALCON_* set: really write to that tenant (default: dry run)' },
  ],
  async run(_args, options, io: CliIo) {
    const started = systemClock.now();
    const config = loadConfig();
    const dir = String(options['playbooks']);
    const plan = await loadOnePlaybook(resolve(dir, HEADLINE_PLAYBOOK), io);
    const dryRun = config.falcon !== null && options['write'] !== true;
    if (dryRun) {
      io.out(
        'FALCON_* is set: running the headline playbook as a dry run against your tenant (--write to write)\n',
      );
      return runCommand.run?.([resolve(dir, HEADLINE_PLAYBOOK)], { dryRun: true, input: [] }, io) ?? 1;
    }
    const redis = config.redisUrl === null ? await startLocalRedis() : null;
    const redisUrl = config.redisUrl ?? redis?.url ?? '';
    const { falcon, emulator } = await startFalcon(config.falcon, Number(options['seed'] ?? 1));
    io.out(
      `redis     ${redis ? `redis-server on port ${redis.port} (started for the demo)` : 'REDIS_URL'}\n`,
    );
    io.out(`falcon    ${emulator ? `emulator at ${emulator.url} (seeded world)` : falcon.baseUrl}\n`);
    const prefix = `${DEFAULT_PREFIX}-demo-${newUuid().slice(0, 8)}`;
    // The demo's processes share a key made for this run (production sets TALON_JOB_SIGNING_KEY).
    const signingKey = config.jobSigningKey ?? new Secret(randomHex(32));
    const talon = openTalonQueue({ redisUrl, prefix, signingKey });
    const worker = startTalonWorker({
      redisUrl,
      prefix,
      falcon,
      signingKey,
      logger: silentLogger,
      concurrency: 2,
      env: readExpressionEnv(),
    });
    const playbooks = await loadPlaybooksForService(dir, { out: () => {}, err: () => {} });
    const scheduler = await startScheduler({
      playbooks: playbooks.filter((p) => !p.triggers.some((t) => t.type === 'poll')),
      talon,
    });
    io.out(`workers   1 worker, scheduler with ${scheduler.cron} cron trigger(s)\n\n`);
    let exitCode = 1;
    try {
      const { runId } = await talon.enqueue({
        plan,
        inputs: {},
        trigger: { type: 'manual', at: systemClock.now(), source: 'demo', data: null },
        overlap: 'skip',
      });
      io.out(`running ${plan.name} as ${runId}\n`);
      const record = await followRun(talon.records, runId, io, { timeoutMs: 120_000 });
      exitCode = record.status === 'succeeded' ? 0 : 1;
      io.out(`\nsummary (${record.status})\n`);
      if (emulator) {
        const summary = summarizeAudit(emulator.admin.audit());
        io.out(`  detections triaged   ${summary.detectionsTriaged}\n`);
        io.out(`  incidents tagged     ${summary.incidentsTagged}\n`);
        io.out(`  IOCs created         ${summary.iocsCreated}\n`);
        io.out(
          `  API calls            ${emulator.admin.stats().requests} (emulator) / ${record.apiCalls} (run record)\n`,
        );
      } else {
        io.out(`  API calls            ${record.apiCalls}\n`);
      }
      io.out(`  run duration         ${formatDuration(record.durationMs)}\n`);
      io.out(`  demo duration        ${formatDuration(systemClock.now() - started)}\n`);
      if (record.error) io.out(`  error                ${record.error.code}: ${record.error.message}\n`);
      io.out(
        '\nnext: `talon serve` answers only API tokens; make one with\n' +
          '  TALON_TOKENS_FILE=./talon-tokens.json talon tokens create <your-name> --role operator\n',
      );
    } finally {
      await scheduler.stop();
      await worker.close(5000);
      await talon.close();
      await emulator?.close();
      await redis?.stop();
    }
    return exitCode;
  },
};
