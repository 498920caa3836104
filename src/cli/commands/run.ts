/**
 * `talon run <playbook>`: enqueue a run and follow it until it ends (with REDIS_URL), or run it in
 * this process (no REDIS_URL, or --local). `--dry-run` always runs here: it performs the reads and
 * prints what each write step would change, writing nothing.
 */
import { loadConfig, readExpressionEnv } from '../../config/index.ts';
import { resolveInputs, type RunResult } from '../../engine/index.ts';
import type { StepRecord } from '../../engine/ports.ts';
import { createFalconClient } from '../../falcon/index.ts';
import type { CompiledPlaybook } from '../../playbook/compiled.ts';
import { loadPlaybookFile } from '../../playbook/index.ts';
import {
  DEFAULT_PREFIX,
  formatDuration,
  formatRunDetail,
  formatStepLine,
  openTalonQueue,
  type RunRecord,
  type RunRecords,
  defaultActionRunner,
  runInProcess,
} from '../../queue/index.ts';
import { formatDiagnostic, newRunId, SoarError, systemClock } from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import { commandLogger, PREFIX_OPTION, requireFalcon } from './worker.ts';

/** Parses `--input k=v` pairs into strings (the playbook's declared types convert them). */
export function parseInputs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SoarError('SOAR_CLI_USAGE', `--input '${pair}' is not name=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * Loads and compiles one playbook file, printing its diagnostics.
 * @throws SoarError SOAR_CLI_USAGE when it does not compile.
 */
export async function loadOnePlaybook(path: string, io: CliIo): Promise<CompiledPlaybook> {
  const { playbook, diagnostics } = await loadPlaybookFile(path);
  for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (playbook === null)
    throw new SoarError('SOAR_CLI_USAGE', `${path} does not compile (see the messages above)`);
  return playbook;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Polls a run record and prints each step as it finishes and each change of run status, until the
 * run ends. Resolves with the final record.
 */
export async function followRun(
  records: RunRecords,
  runId: string,
  io: CliIo,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<RunRecord> {
  const printed = new Map<string, string>();
  let lastStatus = '';
  let hinted = false;
  const since = systemClock.now();
  const deadline = since + (options.timeoutMs ?? 24 * 3_600_000);
  const printStatus = (record: RunRecord): void => {
    if (record.status === lastStatus) return;
    lastStatus = record.status;
    const why =
      record.error && !TERMINAL.has(record.status) ? ` (${record.error.code}: ${record.error.message})` : '';
    io.out(`  run ${record.status}${record.attempts > 1 ? `, attempt ${record.attempts}` : ''}${why}\n`);
  };
  for (;;) {
    const record = await records.get(runId);
    if (record) {
      // Status first while running, last once finished, so the lines read in order.
      if (!TERMINAL.has(record.status)) printStatus(record);
      const width = Math.max(8, ...record.steps.map((s) => s.id.length));
      for (const step of record.steps) {
        const key = `${step.status}:${step.attempts}:${step.resumed}`;
        if (step.status === 'pending' || printed.get(step.id) === key) continue;
        printed.set(step.id, key);
        io.out(`${formatStepLine(shortenNotes(step), width)}\n`);
      }
      if (TERMINAL.has(record.status)) {
        printStatus(record);
        return record;
      }
      if (record.status === 'queued' && !hinted && systemClock.now() - since > NO_WORKER_HINT_MS) {
        hinted = true;
        io.out(
          '  no worker has taken the run yet: start one with `talon worker` (same REDIS_URL and --prefix)\n',
        );
      }
    }
    if (systemClock.now() > deadline) {
      throw new SoarError('SOAR_CLI_USAGE', `gave up following ${runId}; it continues in the queue`);
    }
    await systemClock.sleep(options.pollMs ?? 200);
  }
}

/** How long a queued run may wait before `talon run` suggests starting a worker. */
const NO_WORKER_HINT_MS = 5000;

const NOTES_SHOWN = 3;

/** A step with at most a few notes, and a count of the rest (progress output stays readable). */
export function shortenNotes(step: StepRecord): StepRecord {
  const notes = step.notes ?? [];
  if (notes.length <= NOTES_SHOWN) return step;
  return {
    ...step,
    notes: [...notes.slice(0, NOTES_SHOWN), `… and ${notes.length - NOTES_SHOWN} more (talon runs show)`],
  };
}

/** Prints a dry run's planned writes. */
export function printDryRun(result: RunResult, io: CliIo): void {
  io.out(
    `\ndry run: nothing was written. ${result.changes.length === 0 ? 'No write step would run.' : 'Writes that would be made:'}\n`,
  );
  for (const change of result.changes) {
    io.out(
      `  ${change.step}: ${change.operation} on ${change.targets} target(s) in ${change.requests} request(s)\n`,
    );
    if (change.response) {
      io.out(`    response ${change.response.kinds.join('/')} on ${change.response.hosts.length} host(s):\n`);
      for (const host of change.response.hosts)
        io.out(`      ${host.id}  ${host.hostname ?? '(unknown host)'}\n`);
    } else if (change.sample.length > 0) io.out(`    e.g. ${change.sample.join(', ')}\n`);
    io.out(`    params ${JSON.stringify(change.params)}\n`);
  }
}

async function runHere(
  plan: CompiledPlaybook,
  inputs: Record<string, unknown>,
  dryRun: boolean,
  io: CliIo,
): Promise<number> {
  const config = loadConfig();
  const falconConfig = requireFalcon(config, 'run');
  const logger = commandLogger(config);
  const falcon = createFalconClient({ ...falconConfig, logger });
  const runId = newRunId();
  io.out(
    `${dryRun ? 'dry run' : 'run'} ${runId} of ${plan.name} in this process against ${falconConfig.baseUrl}\n`,
  );
  const width = Math.max(8, ...plan.steps.map((s) => s.id.length));
  const result = await runInProcess(
    {
      runId,
      plan,
      inputs,
      dryRun,
      trigger: { type: 'manual', at: systemClock.now(), source: 'cli', data: null },
    },
    {
      falcon,
      actions: defaultActionRunner(logger),
      logger,
      clock: systemClock,
      env: readExpressionEnv(),
      protectedHosts: config.protectedHostsFilter ? { filter: config.protectedHostsFilter } : null,
      onStep: (step: StepRecord) => {
        if (step.status !== 'running' && step.status !== 'pending')
          io.out(`${formatStepLine(shortenNotes(step), width)}\n`);
      },
    },
  );
  if (dryRun) printDryRun(result, io);
  io.out(
    `\n${result.status} in ${formatDuration(result.finishedAt - result.startedAt)}, ${result.apiCalls} API call(s)` +
      `${result.error ? ` — ${result.error.code}: ${result.error.message}` : ''}\n`,
  );
  if (Object.keys(result.outputs).length > 0) io.out(`outputs ${JSON.stringify(result.outputs)}\n`);
  return result.status === 'succeeded' ? 0 : 1;
}

/** The `run` command. */
export const runCommand: CliCommand = {
  name: 'run',
  description: 'Run a playbook now and follow its progress',
  arguments: [{ name: 'playbook', description: 'path of the playbook file', required: true }],
  options: [
    { flags: '-i, --input <name=value...>', description: 'an input of the playbook (repeatable)' },
    {
      flags: '--dry-run',
      description: 'perform the reads, print what each write would change, write nothing',
    },
    { flags: '--no-wait', description: 'enqueue and print the run id without following it' },
    { flags: '--local', description: 'run in this process even when REDIS_URL is set' },
    PREFIX_OPTION,
  ],
  async run(args, options, io) {
    const plan = await loadOnePlaybook(String(args[0]), io);
    const given = parseInputs((options['input'] as string[] | undefined) ?? []);
    const inputs = resolveInputs(plan, given);
    const dryRun = options['dryRun'] === true;
    const config = loadConfig();
    if (dryRun || options['local'] === true || config.redisUrl === null)
      return runHere(plan, inputs, dryRun, io);
    const talon = openTalonQueue({
      redisUrl: config.redisUrl,
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
    });
    try {
      const { runId } = await talon.enqueue({
        plan,
        inputs,
        trigger: { type: 'manual', at: systemClock.now(), source: 'cli', data: null },
      });
      io.out(`enqueued ${runId} (${plan.name})\n`);
      if (options['wait'] === false) return 0;
      const record = await followRun(talon.records, runId, io);
      io.out(`\n${formatRunDetail(record)}`);
      return record.status === 'succeeded' ? 0 : 1;
    } finally {
      await talon.close();
    }
  },
};
