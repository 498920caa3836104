/**
 * `talon runs list [--status s]`, `talon runs show <id>`, `talon runs resume <id>` and `talon runs
 * prune`: run records from Redis, putting a failed run back in the queue to continue from its
 * checkpoints, and deleting finished runs.
 */
import { loadConfig } from '../../config/index.ts';
import {
  createApprovalStore,
  DEFAULT_PREFIX,
  formatApproval,
  formatRunDetail,
  formatRunList,
  openTalonQueue,
  type RunRecord,
  type RunRecordStatus,
  type TalonQueue,
} from '../../queue/index.ts';
import { SoarError } from '../../shared/index.ts';
import { readSchedulerEvents } from '../../triggers/index.ts';
import type { CliCommand } from '../command-spec.ts';
import { countOption, durationOption, intOption, PREFIX_OPTION, requireRedisUrl } from './worker.ts';

/** Opens the deployment's queue for `talon runs <command>`, runs `use`, and closes it. */
async function withQueue<T>(
  options: Record<string, unknown>,
  command: string,
  use: (talon: TalonQueue) => Promise<T>,
): Promise<T> {
  const talon = openTalonQueue({
    redisUrl: requireRedisUrl(loadConfig(), `runs ${command}`),
    prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
  });
  try {
    return await use(talon);
  } finally {
    await talon.close();
  }
}

/** The record of `runId`, or SOAR_QUEUE_RUN_NOT_FOUND. */
async function requireRecord(talon: TalonQueue, runId: string): Promise<RunRecord> {
  const record = await talon.records.get(runId);
  if (!record) {
    throw new SoarError('SOAR_QUEUE_RUN_NOT_FOUND', `no run "${runId}" in this deployment`, {
      details: { runId },
    });
  }
  return record;
}

const RUN_STATUSES: readonly RunRecordStatus[] = [
  'queued',
  'running',
  'waiting',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
];

function statusOption(value: unknown): RunRecordStatus | undefined {
  if (value === undefined) return undefined;
  const status = RUN_STATUSES.find((s) => s === value);
  if (status === undefined) {
    throw new SoarError(
      'SOAR_CLI_USAGE',
      `--status must be one of ${RUN_STATUSES.join(', ')} (got ${String(value)})`,
    );
  }
  return status;
}

const listCommand: CliCommand = {
  name: 'list',
  description: 'List recent runs, newest first',
  options: [
    { flags: '-n, --limit <n>', description: 'how many runs', default: '20' },
    {
      flags: '--status <status>',
      description: `only runs in this status (${RUN_STATUSES.join(', ')}); failed ones need attention`,
    },
    { flags: '--events', description: 'also list recent scheduler events (skipped and missed ticks)' },
    { flags: '--json', description: 'print JSON' },
    PREFIX_OPTION,
  ],
  async run(_args, options, io) {
    return withQueue(options, 'list', async (talon) => {
      const status = statusOption(options['status']);
      const records = await talon.records.list({
        limit: intOption(options['limit'], '--limit', 20),
        ...(status === undefined ? {} : { status }),
      });
      const events = options['events'] === true ? await readSchedulerEvents(talon, 20) : [];
      if (options['json'] === true) {
        io.out(
          `${JSON.stringify({ runs: records, ...(options['events'] === true ? { events } : {}) }, null, 2)}\n`,
        );
        return 0;
      }
      io.out(formatRunList(records));
      if (options['events'] === true) {
        io.out(events.length === 0 ? '\nno scheduler events\n' : '\nscheduler events (newest first)\n');
        for (const e of events)
          io.out(`  ${new Date(e.slot).toISOString()}  ${e.type.padEnd(18)} ${e.playbook}: ${e.detail}\n`);
      }
      return 0;
    });
  },
};

const showCommand: CliCommand = {
  name: 'show',
  description: 'Show one run: status, steps, durations, API calls, errors',
  arguments: [{ name: 'id', description: 'run id (see `talon runs list`)', required: true }],
  options: [{ flags: '--json', description: 'print JSON' }, PREFIX_OPTION],
  async run(args, options, io) {
    const runId = String(args[0]);
    return withQueue(options, 'show', async (talon) => {
      const record = await requireRecord(talon, runId);
      const state = await talon.queue.state(runId);
      // Every approval step's audit trail: who decided what, when, through which channel, and why.
      const approvals = await createApprovalStore(talon.redis, talon.keys).forRun(
        runId,
        record.steps.map((s) => s.id),
      );
      if (options['json'] === true) {
        io.out(`${JSON.stringify({ ...record, queueState: state, approvals }, null, 2)}\n`);
        return 0;
      }
      io.out(formatRunDetail(record));
      io.out(`queue     ${state}\n`);
      for (const approval of approvals) io.out(`\n${formatApproval(approval)}`);
      return 0;
    });
  },
};

const resumeCommand: CliCommand = {
  name: 'resume',
  description: 'Continue a failed or stalled run from its checkpoints (after fixing the cause)',
  arguments: [{ name: 'id', description: 'run id (see `talon runs list --status failed`)', required: true }],
  options: [PREFIX_OPTION],
  async run(args, options, io) {
    const runId = String(args[0]);
    return withQueue(options, 'resume', async (talon) => {
      const record = await requireRecord(talon, runId);
      // The record turns 'queued' first: from then on retention (run-retention.ts) can no longer delete
      // the checkpoints the resumed run continues from.
      const resuming = await talon.records.beginResume(runId);
      if (resuming === null) {
        throw new SoarError('SOAR_QUEUE_RUN_NOT_FOUND', `no run "${runId}" in this deployment`, {
          details: { runId },
        });
      }
      const outcome = await talon.queue.resume(runId).catch(async (error: unknown) => {
        await resuming.undo();
        throw error;
      });
      if (outcome !== 'resumed') {
        await resuming.undo();
        const why =
          outcome === 'unknown'
            ? 'its queue job no longer exists (failed jobs are kept 30 days)'
            : `it is ${outcome}, not failed`;
        throw new SoarError('SOAR_QUEUE_NOT_RESUMABLE', `run "${runId}" cannot be resumed: ${why}`, {
          details: { runId, state: outcome },
        });
      }
      const saved = Number(await talon.redis.call('HLEN', talon.keys.checkpoints(runId)));
      io.out(
        `resumed ${runId} (${record.playbook}): queued again; it continues from ${saved} checkpoint${saved === 1 ? '' : 's'}\n`,
      );
      return 0;
    });
  },
};

const pruneCommand: CliCommand = {
  name: 'prune',
  description: 'Delete finished runs (record, steps, checkpoints) older than --older-than or beyond --keep',
  options: [
    {
      flags: '--older-than <duration>',
      description: 'finished runs enqueued longer ago than this',
      default: '7d',
    },
    { flags: '--keep <n>', description: 'also delete finished runs beyond the newest n' },
    PREFIX_OPTION,
  ],
  async run(_args, options, io) {
    const olderThan = durationOption(options['olderThan'], '--older-than');
    const keep = options['keep'] === undefined ? undefined : countOption(options['keep'], '--keep', 0);
    return withQueue(options, 'prune', async (talon) => {
      const deleted = await talon.records.prune({
        ...(olderThan === undefined ? {} : { before: Date.now() - olderThan }),
        ...(keep === undefined ? {} : { keep }),
      });
      io.out(`pruned ${deleted} finished run${deleted === 1 ? '' : 's'} (unfinished runs are kept)\n`);
      return 0;
    });
  },
};

/** The `runs` command. */
export const runsCommand: CliCommand = {
  name: 'runs',
  description: 'List runs, show one run with its steps, resume a failed one, or prune old ones',
  subcommands: [listCommand, showCommand, resumeCommand, pruneCommand],
};
