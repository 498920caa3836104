/**
 * Runs playbook tests: one embedded emulator per test file, re-seeded for each test with its world;
 * the playbook runs in this process with stand-ins for steps that reach other services, and the
 * emulator's request log and audit decide which writes happened.
 */
import { dirname, resolve } from 'node:path';
import { createActionRunner, findAction } from '../actions/index.ts';
import { readSecretSources } from '../config/index.ts';
import type { RunningEmulator } from '../emulator/index.ts';
import { type ActionPort, resolveInputs } from '../engine/index.ts';
import type { FalconClient } from '../falcon/index.ts';
import { startEmbeddedFalcon } from '../local/index.ts';
import { findOperation } from '../falcon/operations/index.ts';
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { loadPlaybookFile } from '../playbook/index.ts';
import { runInProcess, type RunTrigger } from '../queue/index.ts';
import { createSecretStore } from '../secrets/index.ts';
import { eventDataFromRaw } from '../triggers/index.ts';
import { formatDiagnostic, newRunId, silentLogger, systemClock, toSoarError } from '../shared/index.ts';
import { approvalStandIns } from './approval-stand-ins.ts';
import { differences } from './compare.ts';
import type { PlaybookTest, TestFile } from './test-file.ts';

export interface TestOutcome {
  name: string;
  file: string;
  passed: boolean;
  /** Each difference between the expectation and the run, in words. */
  failures: string[];
  durationMs: number;
}

/**
 * Actions that act through Falcon (rtr.run_command) run for real against the embedded emulator, as
 * Falcon steps do; no secrets and no outbound addresses are given to them.
 */
const falconActions: ActionPort = createActionRunner({
  secrets: createSecretStore(readSecretSources({})),
  policy: { allowPrivate: false, allowHosts: [] },
});
const actsThroughFalcon = (name: string): boolean => findAction(name)?.declaration.falconScopes !== undefined;

/**
 * Stand-ins answer for actions that reach other services, by name (a stand-in also replaces a
 * Falcon-backed action); an action without one fails its step, so a test never reaches a real service.
 */
function standInActions(standIns: Record<string, unknown>): ActionPort {
  const standsIn = (name: string) => Object.hasOwn(standIns, name);
  return {
    has: (name) => standsIn(name) || actsThroughFalcon(name),
    whenOutcomeUnknown: (name, params) =>
      standsIn(name) ? 'fail' : falconActions.whenOutcomeUnknown(name, params),
    run: async (name, params, call) =>
      standsIn(name) ? structuredClone(standIns[name]) : falconActions.run(name, params, call),
  };
}

function triggerOf(plan: CompiledPlaybook, test: PlaybookTest): RunTrigger {
  const at = systemClock.now();
  if (test.trigger.body !== undefined) {
    const webhook = plan.triggers.find((t) => t.type === 'webhook');
    return {
      type: 'webhook',
      at,
      source: webhook?.type === 'webhook' ? webhook.path : 'test',
      data: test.trigger.body,
    };
  }
  if (test.trigger.event !== undefined)
    return { type: 'stream', at, source: 'test', data: eventDataFromRaw(test.trigger.event) };
  return { type: 'manual', at, source: 'test', data: null };
}

function seedWorld(emulator: RunningEmulator, test: PlaybookTest): void {
  emulator.admin.reset(test.world.seed);
  if (test.world.hosts.length > 0) {
    // `online` is the test's word for the host's sensor state (RTR reaches only online hosts), not a device field.
    const records = test.world.hosts.map(({ online: _online, ...device }) => device);
    emulator.admin.addFixtures('devices', records);
    for (const host of test.world.hosts)
      emulator.admin.setHostOnline(String(host.device_id), host.online === false ? 'offline' : 'online');
  }
  if (test.world.detections.length > 0) emulator.admin.addFixtures('detections', test.world.detections);
  if (test.world.iocs.length > 0) emulator.admin.addFixtures('indicators', test.world.iocs);
}

/** Query (single values unwrapped) and JSON body fields of a logged request, as one mapping. */
function requestFields(entry: { query: Record<string, string[]>; body: unknown }): Record<string, unknown> {
  const query = Object.fromEntries(
    Object.entries(entry.query).map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
  );
  const body =
    entry.body !== null && typeof entry.body === 'object' && !Array.isArray(entry.body) ? entry.body : {};
  return { ...query, ...body };
}

function checkWrites(emulator: RunningEmulator, test: PlaybookTest): string[] {
  const failures: string[] = [];
  const audit = emulator.admin.audit();
  const requests = emulator.admin.requests().filter((r) => r.status < 300 && r.operationId !== undefined);
  for (const expected of test.expect.writes ?? []) {
    const op = findOperation(expected.operation);
    if (!op) {
      failures.push(`writes: unknown operation "${expected.operation}" (talon ops list)`);
      continue;
    }
    const entries = audit.filter((a) => a.operationId === op.operationId);
    if (entries.length === 0) {
      const seen = [...new Set(audit.map((a) => a.operationId))].join(', ') || 'none';
      failures.push(`writes: expected ${expected.operation}, but it was not called (writes seen: ${seen})`);
      continue;
    }
    const ids = entries.flatMap((e) => e.ids);
    if (typeof expected.targets === 'number' && ids.length !== expected.targets) {
      failures.push(
        `writes: ${expected.operation} wrote ${ids.length} target(s), expected ${expected.targets}: ${JSON.stringify(ids)}`,
      );
    } else if (Array.isArray(expected.targets)) {
      const want = [...expected.targets].sort();
      const got = [...ids].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        failures.push(
          `writes: ${expected.operation} targets: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`,
        );
      }
    }
    if (expected.params !== undefined) {
      const sent = requests.filter((r) => r.operationId === op.operationId).map(requestFields);
      const closest = sent.map((fields) =>
        differences(expected.params, fields, `${expected.operation} params`),
      );
      if (!closest.some((d) => d.length === 0)) {
        failures.push(
          ...(closest.sort((a, b) => a.length - b.length)[0] ?? [`${expected.operation}: no request`]),
        );
      }
    }
  }
  for (const name of test.expect.noWrites ?? []) {
    const op = findOperation(name);
    if (!op) failures.push(`no_writes: unknown operation "${name}" (talon ops list)`);
    else if (audit.some((a) => a.operationId === op.operationId)) {
      const ids = audit.filter((a) => a.operationId === op.operationId).flatMap((a) => a.ids);
      failures.push(`no_writes: ${name} must not be called, but it wrote ${JSON.stringify(ids)}`);
    }
  }
  return failures;
}

/** A decision for a step that is not an approval step is a mistake in the test, not a pass. */
function unusedApprovals(plan: CompiledPlaybook, test: PlaybookTest): string[] {
  const approvalSteps = plan.steps.filter((s) => s.uses === 'approval').map((s) => s.id);
  return Object.keys(test.approvals)
    .filter((id) => !approvalSteps.includes(id))
    .map(
      (id) =>
        `approvals.${id}: ${plan.name} has no approval step "${id}" (approval steps: ${approvalSteps.join(', ') || 'none'})`,
    );
}

async function runOne(
  plan: CompiledPlaybook,
  test: PlaybookTest,
  file: string,
  emulator: RunningEmulator,
  falcon: FalconClient,
): Promise<TestOutcome> {
  const started = systemClock.now();
  const failures: string[] = [];
  try {
    seedWorld(emulator, test);
    const result = await runInProcess(
      {
        runId: newRunId(),
        plan,
        inputs: resolveInputs(plan, test.trigger.inputs),
        dryRun: false,
        trigger: triggerOf(plan, test),
      },
      {
        falcon,
        actions: standInActions(test.standIns),
        approvals: approvalStandIns(test.approvals),
        logger: silentLogger,
        clock: systemClock,
        env: {},
      },
    );
    const status = test.expect.status ?? 'succeeded';
    if (result.status !== status) {
      const why = result.error ? ` (${result.error.code}: ${result.error.message})` : '';
      failures.push(`status: expected ${status}, got ${result.status}${why}`);
    }
    if (test.expect.outputs) failures.push(...differences(test.expect.outputs, result.outputs, 'outputs'));
    for (const [id, want] of Object.entries(test.expect.steps ?? {})) {
      const step = result.steps.find((s) => s.id === id);
      if (!step) failures.push(`steps.${id}: no such step in ${plan.name}`);
      else if (step.status !== want) {
        const why = step.error ? ` (${step.error.code}: ${step.error.message})` : '';
        failures.push(`steps.${id}: expected ${want}, got ${step.status}${why}`);
      }
    }
    failures.push(...checkWrites(emulator, test));
    failures.push(...unusedApprovals(plan, test));
  } catch (error) {
    const soar = toSoarError(error);
    failures.push(`the test could not run: ${soar.code}: ${soar.message}`);
  }
  return {
    name: test.name,
    file,
    passed: failures.length === 0,
    failures,
    durationMs: systemClock.now() - started,
  };
}

/** Runs every test of one file against one embedded emulator. */
export async function runTestFile(testFile: TestFile, path: string): Promise<TestOutcome[]> {
  const playbookPath = resolve(dirname(path), testFile.playbook);
  const loaded = await loadPlaybookFile(playbookPath);
  if (!loaded.playbook) {
    const why = loaded.diagnostics.map(formatDiagnostic).join('\n');
    return testFile.tests.map((t) => ({
      name: t.name,
      file: testFile.file,
      passed: false,
      failures: [`the playbook ${testFile.playbook} does not compile:\n${why}`],
      durationMs: 0,
    }));
  }
  const plan = loaded.playbook;
  const { emulator, falcon, close } = await startEmbeddedFalcon(testFile.tests[0]?.world.seed ?? 42);
  try {
    const outcomes: TestOutcome[] = [];
    for (const test of testFile.tests)
      outcomes.push(await runOne(plan, test, testFile.file, emulator, falcon));
    return outcomes;
  } finally {
    await close();
  }
}
