/**
 * `talon run <playbook>`: enqueue a run and follow it until it ends (with REDIS_URL), or run it in
 * this process (no REDIS_URL, or --local), against an embedded emulator when no Falcon credentials are
 * set. `--dry-run` always runs here: it performs the reads and prints every request each write step
 * would send, writing nothing. `--trigger-body` / `--event` give a webhook body or stream event.
 */
import { readFile } from 'node:fs/promises';
import { type AppConfig, loadConfig, readExpressionEnv, readSecretSources } from '../../config/index.ts';
import { resolveInputs, type RunResult } from '../../engine/index.ts';
import type { StepRecord } from '../../engine/ports.ts';
import { buildRequest, createFalconClient, type FalconClient } from '../../falcon/index.ts';
import { startEmbeddedFalcon } from '../../local/index.ts';
import { eventDataFromRaw } from '../../triggers/index.ts';
import { findOperation } from '../../falcon/operations/index.ts';
import type { CompiledPlaybook } from '../../playbook/compiled.ts';
import { loadPlaybookFile } from '../../playbook/index.ts';
import {
  DEFAULT_PREFIX,
  formatDuration,
  formatRunDetail,
  formatStepLine,
  openTalonQueue,
  type RunRecord,
  type RunTrigger,
  type RunRecords,
  defaultActionRunner,
  runInProcess,
} from '../../queue/index.ts';
import {
  formatDiagnostic,
  type Logger,
  newRunId,
  SoarError,
  systemClock,
  toSoarError,
} from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';
import { createSecretStore } from '../../secrets/index.ts';
import { DEFAULT_TENANT, loadTenants } from '../../tenants/index.ts';
import { refuseUnsafePlaybooks } from './unsafe-playbooks.ts';
import { commandLogger, PREFIX_OPTION, requireFalcon, requireSigningKey } from './worker.ts';

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
  if (playbook !== null && refuseUnsafePlaybooks([playbook], diagnostics, io).length === 0) {
    throw new SoarError('SOAR_CLI_USAGE', `${path} is refused (see the messages above)`);
  }
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

/** Requests printed in full per write; the rest are counted (a 100-batch write stays readable). */
const REQUESTS_SHOWN = 3;

const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);

/** One request as it would go on the wire: method, path with query string, JSON body. */
function renderRequest(operation: string, params: Record<string, unknown>): string {
  const op = findOperation(operation);
  if (!op) return `params ${JSON.stringify(params, null, 2)}`;
  try {
    const built = buildRequest(op, params);
    const query = built.searchParams.toString();
    const line = `${built.method} ${built.path}${query ? `?${query}` : ''}`;
    return built.body === undefined ? line : `${line}\n${JSON.stringify(built.body, null, 2)}`;
  } catch (error) {
    return `params ${JSON.stringify(params, null, 2)}\n(${toSoarError(error).message})`;
  }
}

/** Prints a dry run's planned writes: each request in full, operations named as the playbook does. */
export function printDryRun(result: RunResult, io: CliIo): void {
  io.out(
    `\ndry run: nothing was written. ${result.changes.length === 0 ? 'No write step would run.' : 'Writes that would be made:'}\n`,
  );
  for (const change of result.changes) {
    const named = change.uses === change.operation ? change.uses : `${change.uses} (${change.operation})`;
    io.out(`  ${change.step}: ${named} on ${change.targets} target(s) in ${change.requests} request(s)\n`);
    if (change.response) {
      io.out(`    response ${change.response.kinds.join('/')} on ${change.response.hosts.length} host(s):\n`);
      for (const host of change.response.hosts)
        io.out(`      ${host.id}  ${host.hostname ?? '(unknown host)'}\n`);
    }
    const falcon = findOperation(change.operation) !== undefined;
    change.requestParams.slice(0, REQUESTS_SHOWN).forEach((params, i) => {
      const text = falcon ? renderRequest(change.operation, params) : JSON.stringify(params, null, 2);
      io.out(`    request ${i + 1}: ${indent(text, '      ')}\n`);
    });
    const more = change.requestParams.length - REQUESTS_SHOWN;
    if (more > 0) io.out(`    … and ${more} more request(s) like these\n`);
    if (change.placeholders) {
      io.out(
        '    values "dry-run:<step>/<n>" stand for ids an earlier write would create; they are not real\n',
      );
    }
  }
}

/** Reads a JSON file given on the command line; a bad one is a usage error naming the file and place. */
async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SoarError('SOAR_CLI_USAGE', `${flag} ${path}: cannot read the file (${reason})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SoarError('SOAR_CLI_USAGE', `${flag} ${path}: not JSON (${(error as Error).message})`);
  }
}

/**
 * What started this run: manual, or the webhook body (`--trigger-body`) or stream event (`--event`)
 * a real trigger would deliver, so a webhook or stream playbook runs locally as it would in service.
 */
export async function triggerFromOptions(
  plan: CompiledPlaybook,
  options: Record<string, unknown>,
): Promise<RunTrigger> {
  const at = systemClock.now();
  const bodyFile = options['triggerBody'];
  const eventFile = options['event'];
  if (typeof bodyFile === 'string' && typeof eventFile === 'string') {
    throw new SoarError('SOAR_CLI_USAGE', 'give --trigger-body or --event, not both');
  }
  if (typeof bodyFile === 'string') {
    const webhook = plan.triggers.find((t) => t.type === 'webhook');
    if (!webhook) {
      throw new SoarError(
        'SOAR_CLI_USAGE',
        `${plan.name} has no webhook trigger; --trigger-body is its body`,
      );
    }
    return {
      type: 'webhook',
      at,
      source: webhook.path,
      data: await readJsonFile(bodyFile, '--trigger-body'),
    };
  }
  if (typeof eventFile === 'string') {
    // Stream runs see {partition, offset, metadata, event} as trigger (docs/playbooks.md, Triggers).
    const data = eventDataFromRaw(await readJsonFile(eventFile, '--event'));
    return { type: 'stream', at, source: 'cli', data };
  }
  return { type: 'manual', at, source: 'cli', data: null };
}

/**
 * The Falcon to run against: the configured tenant, or with no credentials an emulator started in
 * this process (seeded, so runs are repeatable), as the README promises.
 */
async function openFalcon(
  config: AppConfig,
  seed: number,
  io: CliIo,
  plan: CompiledPlaybook,
): Promise<{ falcon: FalconClient; where: string; close: () => Promise<void> }> {
  const logger = commandLogger(config);
  if (plan.children) {
    throw new SoarError(
      'SOAR_TENANT_CHILDREN',
      `playbook "${plan.name}" runs once per child CID (children:): run it through the queue (REDIS_URL and a worker), which starts one run per child`,
    );
  }
  if (plan.tenant && plan.tenant !== DEFAULT_TENANT) {
    // A named tenant: its own API client and secret (TALON_TENANTS_FILE), never the default's.
    const tenant = (await loadTenants(config)).get(plan.tenant);
    const clientSecret =
      tenant.credential.kind === 'value'
        ? tenant.credential.secret
        : await createSecretStore(readSecretSources()).get(tenant.credential.secret);
    const falcon = createFalconClient({
      baseUrl: tenant.baseUrl,
      clientId: tenant.clientId,
      clientSecret,
      memberCid: tenant.memberCid,
      proxy: tenant.proxy,
      logger,
    });
    return { falcon, where: `tenant ${tenant.name} (${tenant.baseUrl})`, close: async () => undefined };
  }
  if (config.falcon !== null) {
    const falcon = createFalconClient({ ...config.falcon, logger });
    return { falcon, where: config.falcon.baseUrl, close: async () => undefined };
  }
  const embedded = await startEmbeddedFalcon(seed, { logger });
  io.out(`no FALCON_CLIENT_ID/FALCON_CLIENT_SECRET: using an embedded emulator (seed ${seed})\n`);
  return {
    falcon: embedded.falcon,
    where: `the embedded emulator ${embedded.emulator.url}`,
    close: embedded.close,
  };
}

async function runHere(
  plan: CompiledPlaybook,
  inputs: Record<string, unknown>,
  trigger: RunTrigger,
  options: { dryRun: boolean; seed: number },
  io: CliIo,
): Promise<number> {
  const config = loadConfig();
  const logger = commandLogger(config);
  const target = await openFalcon(config, options.seed, io, plan);
  try {
    return await runWith(plan, inputs, trigger, options.dryRun, { config, logger, ...target }, io);
  } finally {
    await target.close();
  }
}

async function runWith(
  plan: CompiledPlaybook,
  inputs: Record<string, unknown>,
  trigger: RunTrigger,
  dryRun: boolean,
  context: { config: AppConfig; logger: Logger; falcon: FalconClient; where: string },
  io: CliIo,
): Promise<number> {
  const { config, logger, falcon } = context;
  const runId = newRunId();
  io.out(`${dryRun ? 'dry run' : 'run'} ${runId} of ${plan.name} in this process against ${context.where}\n`);
  const width = Math.max(8, ...plan.steps.map((s) => s.id.length));
  const result = await runInProcess(
    {
      runId,
      plan,
      inputs,
      dryRun,
      trigger,
    },
    {
      falcon,
      actions: defaultActionRunner(logger, config.approvals),
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
    {
      flags: '--trigger-body <file.json>',
      description: 'run a webhook playbook with this JSON body (what expressions read as trigger)',
    },
    {
      flags: '--event <file.json>',
      description:
        'run a stream playbook with this Event Streams event ({metadata, event}; read as trigger.metadata, trigger.event)',
    },
    {
      flags: '--seed <n>',
      description: 'seed of the embedded emulator used when no Falcon credentials are set',
      default: '42',
    },
    PREFIX_OPTION,
  ],
  async run(args, options, io) {
    const plan = await loadOnePlaybook(String(args[0]), io);
    const given = parseInputs((options['input'] as string[] | undefined) ?? []);
    const inputs = resolveInputs(plan, given);
    const dryRun = options['dryRun'] === true;
    const trigger = await triggerFromOptions(plan, options);
    const seed = Number(options['seed'] ?? 42);
    if (!Number.isInteger(seed) || seed < 0)
      throw new SoarError('SOAR_CLI_USAGE', '--seed must be a whole number');
    const config = loadConfig();
    if (dryRun || options['local'] === true || config.redisUrl === null)
      return runHere(plan, inputs, trigger, { dryRun, seed }, io);
    requireFalcon(config, 'run');
    const talon = openTalonQueue({
      redisUrl: config.redisUrl,
      prefix: String(options['prefix'] ?? DEFAULT_PREFIX),
      signingKey: requireSigningKey(config, 'run'),
    });
    try {
      const { runId } = await talon.enqueue({
        plan,
        inputs,
        trigger,
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
