/**
 * `talon approvals list|show|approve|deny|choose`: the CLI channel of approval steps. It writes
 * decisions through decideApproval (recorded once; it wakes the parked run) like the HTTP API and
 * signed links. The approver is `--as <name>`, by default the operating-system user running it.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../../config/index.ts';
import {
  type ApprovalDecider,
  createApprovalStore,
  DEFAULT_PREFIX,
  decideApproval,
  formatApproval,
  formatApprovalList,
  openTalonQueue,
  requireApproval,
  type TalonQueue,
} from '../../queue/index.ts';
import { SoarError } from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import { intOption, PREFIX_OPTION, requireRedisUrl } from './worker.ts';

async function withApprovals<T>(
  options: Record<string, unknown>,
  command: string,
  action: (decider: ApprovalDecider, talon: TalonQueue) => Promise<T>,
): Promise<T> {
  const talon = openTalonQueue({
    redisUrl: requireRedisUrl(loadConfig(), command),
    prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
  });
  try {
    const store = createApprovalStore(talon.redis, talon.keys);
    return await action({ store, queue: talon.queue, redis: talon.redis, keys: talon.keys }, talon);
  } finally {
    await talon.close();
  }
}

const RUN_AND_STEP = [
  { name: 'run', description: 'run id (see `talon approvals list`)', required: true },
  { name: 'step', description: 'id of the approval step', required: true },
] as const;

const listCommand: CliCommand = {
  name: 'list',
  description: 'List approvals waiting for a decision, soonest deadline first',
  options: [
    { flags: '-n, --limit <n>', description: 'how many', default: '50' },
    { flags: '--json', description: 'print JSON' },
    PREFIX_OPTION,
  ],
  run: (_args, options, io) =>
    withApprovals(options, 'approvals list', async ({ store }) => {
      const open = await store.listOpen(intOption(options['limit'], '--limit', 50));
      io.out(
        options['json'] === true
          ? `${JSON.stringify({ approvals: open }, null, 2)}\n`
          : formatApprovalList(open),
      );
      return 0;
    }),
};

const showCommand: CliCommand = {
  name: 'show',
  description: 'Show one approval: prompt, approvers, votes and decision',
  arguments: RUN_AND_STEP,
  options: [{ flags: '--json', description: 'print JSON' }, PREFIX_OPTION],
  run: (args, options, io) =>
    withApprovals(options, 'approvals show', async (decider) => {
      const record = await requireApproval(decider, String(args[0]), String(args[1]));
      io.out(options['json'] === true ? `${JSON.stringify(record, null, 2)}\n` : formatApproval(record));
      return 0;
    }),
};

const DECIDE_OPTIONS = [
  { flags: '--as <name>', description: 'the approver deciding (default: your user name)' },
  { flags: '-r, --reason <text>', description: 'why (required when the step says require_reason)' },
  { flags: '--json', description: 'print JSON' },
  PREFIX_OPTION,
];

async function decide(
  args: readonly (string | string[] | undefined)[],
  options: Record<string, unknown>,
  io: CliIo,
  choice: string,
): Promise<number> {
  const by =
    typeof options['as'] === 'string' && options['as'].trim() !== '' ? options['as'] : userInfo().username;
  const reason = typeof options['reason'] === 'string' ? options['reason'] : null;
  return withApprovals(options, `approvals ${choice}`, async (decider) => {
    const vote = {
      runId: String(args[0]),
      stepId: String(args[1]),
      by,
      choice,
      reason,
      channel: 'cli' as const,
    };
    const result = await decideApproval(decider, vote, Date.now());
    if (options['json'] === true) {
      io.out(`${JSON.stringify({ closed: result.closed, approval: result.record }, null, 2)}\n`);
      return 0;
    }
    const waiting =
      result.record.minApprovals - result.record.votes.filter((v) => v.choice === choice).length;
    io.out(
      result.closed
        ? `recorded: ${by.toLowerCase()} chose ${choice}; run ${vote.runId} goes on\n`
        : `recorded: ${by.toLowerCase()} chose ${choice}; waiting for ${waiting} more approver(s)\n`,
    );
    return 0;
  });
}

/** `approve` or `deny`: the same command for either choice. */
function decisionCommand(choice: 'approve' | 'deny'): CliCommand {
  return {
    name: choice,
    description: `${choice === 'approve' ? 'Approve' : 'Deny'} a waiting approval step`,
    arguments: RUN_AND_STEP,
    options: DECIDE_OPTIONS,
    run: (args, options, io) => decide(args, options, io, choice),
  };
}

const chooseCommand: CliCommand = {
  name: 'choose',
  description: "Pick one of an approval step's own choices (e.g. contain_only)",
  arguments: [...RUN_AND_STEP, { name: 'choice', description: 'the choice', required: true }],
  options: DECIDE_OPTIONS,
  run: (args, options, io) => {
    const choice = String(args[2] ?? '');
    if (choice === '') throw new SoarError('SOAR_CLI_USAGE', 'give the choice to pick');
    return decide(args, options, io, choice);
  },
};

/** The `approvals` command. */
export const approvalsCommand: CliCommand = {
  name: 'approvals',
  description: 'List, show and decide approvals that runs wait for',
  subcommands: [listCommand, showCommand, decisionCommand('approve'), decisionCommand('deny'), chooseCommand],
};
