/** `talon runs list` and `talon runs show <id>`: run records from Redis. */
import { loadConfig } from '../../config/index.ts';
import { DEFAULT_PREFIX, formatRunDetail, formatRunList, openTalonQueue } from '../../queue/index.ts';
import { SoarError } from '../../shared/index.ts';
import { readSchedulerEvents } from '../../triggers/index.ts';
import type { CliCommand } from '../command-spec.ts';
import { intOption, PREFIX_OPTION, requireRedisUrl } from './worker.ts';

const listCommand: CliCommand = {
  name: 'list',
  description: 'List recent runs, newest first',
  options: [
    { flags: '-n, --limit <n>', description: 'how many runs', default: '20' },
    { flags: '--events', description: 'also list recent scheduler events (skipped and missed ticks)' },
    { flags: '--json', description: 'print JSON' },
    PREFIX_OPTION,
  ],
  async run(_args, options, io) {
    const talon = openTalonQueue({
      redisUrl: requireRedisUrl(loadConfig(), 'runs list'),
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
    });
    try {
      const records = await talon.records.list({ limit: intOption(options['limit'], '--limit', 20) });
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
    } finally {
      await talon.close();
    }
  },
};

const showCommand: CliCommand = {
  name: 'show',
  description: 'Show one run: status, steps, durations, API calls, errors',
  arguments: [{ name: 'id', description: 'run id (see `talon runs list`)', required: true }],
  options: [{ flags: '--json', description: 'print JSON' }, PREFIX_OPTION],
  async run(args, options, io) {
    const runId = String(args[0]);
    const talon = openTalonQueue({
      redisUrl: requireRedisUrl(loadConfig(), 'runs show'),
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
    });
    try {
      const record = await talon.records.get(runId);
      if (!record) {
        throw new SoarError('SOAR_QUEUE_RUN_NOT_FOUND', `no run "${runId}" in this deployment`, {
          details: { runId },
        });
      }
      const state = await talon.queue.state(runId);
      if (options['json'] === true) {
        io.out(`${JSON.stringify({ ...record, queueState: state }, null, 2)}\n`);
        return 0;
      }
      io.out(formatRunDetail(record));
      io.out(`queue     ${state}\n`);
      return 0;
    } finally {
      await talon.close();
    }
  },
};

/** The `runs` command. */
export const runsCommand: CliCommand = {
  name: 'runs',
  description: 'List runs or show one run with its steps',
  subcommands: [listCommand, showCommand],
};
