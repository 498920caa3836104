/**
 * `*.test.yaml` files: tests of a playbook, each declaring a world (emulator seed and fixtures), a
 * trigger, stand-ins for steps that reach other services, and expectations. Checked field by field
 * here, with file:line:col diagnostics like the playbook's own.
 */
import { type Finding, finding, parseYaml, toDiagnostics } from '../playbook/index.ts';
import { type Diagnostic, sortDiagnostics } from '../shared/index.ts';
import type { ApprovalStandIn } from './approval-stand-ins.ts';

export interface WriteExpectation {
  /** Any name of the operation (`ioc.indicator_create`, `indicator_create_v1`). */
  operation: string;
  /** The ids written, in any order, or how many. */
  targets?: readonly string[] | number;
  /** Query and body fields the request carried (a partial match). */
  params?: Record<string, unknown>;
}

export interface PlaybookTest {
  name: string;
  /** JSON pointer of the test in its file, for messages. */
  pointer: string;
  world: {
    seed: number;
    hosts: Record<string, unknown>[];
    detections: Record<string, unknown>[];
    iocs: Record<string, unknown>[];
  };
  trigger: { inputs: Record<string, unknown>; body?: unknown; event?: unknown };
  /** Output of each non-Falcon action by name (`notify.slack`, `http.request`). */
  standIns: Record<string, unknown>;
  /** How each approval step is decided, by step id. */
  approvals: Record<string, ApprovalStandIn>;
  expect: {
    status?: 'succeeded' | 'failed';
    outputs?: Record<string, unknown>;
    steps?: Record<string, string>;
    writes?: WriteExpectation[];
    noWrites?: string[];
  };
}

export interface TestFile {
  file: string;
  /** The playbook under test, relative to the test file. */
  playbook: string;
  tests: PlaybookTest[];
}

type Doc = Record<string, unknown>;
const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

const TEST_FIELDS = ['name', 'world', 'trigger', 'stand_ins', 'approvals', 'expect'];
const APPROVAL_FIELDS = ['decision', 'by', 'reason'];
const WORLD_FIELDS = ['seed', 'hosts', 'detections', 'iocs'];
const TRIGGER_FIELDS = ['inputs', 'body', 'event'];
const EXPECT_FIELDS = ['status', 'outputs', 'steps', 'writes', 'no_writes'];
const WRITE_FIELDS = ['operation', 'targets', 'params'];

/** Parses and checks a test file; `defaultPlaybook` is `<name>.yaml` beside `<name>.test.yaml`. */
export function parseTestFile(
  text: string,
  file: string,
  defaultPlaybook: string,
): { testFile: TestFile | null; diagnostics: Diagnostic[] } {
  const parsed = parseYaml(text);
  if (parsed.problems.length > 0) {
    const findings = parsed.problems.map(
      (p): Finding => ({ ...finding(p.code, p.pointer, p.message), offset: p.offset }),
    );
    return { testFile: null, diagnostics: toDiagnostics(findings, file, parsed.map) };
  }
  const out: Finding[] = [];
  const bad = (pointer: string, message: string, anchor: 'key' | 'value' = 'value') =>
    out.push(finding('SOAR_PLAYBOOK_TEST_INVALID', pointer, message, anchor));
  const doc = parsed.value;
  if (!isMap(doc)) {
    bad('', 'a test file is a mapping with tests: [...]');
    return { testFile: null, diagnostics: toDiagnostics(out, file, parsed.map) };
  }
  unknownKeys(doc, '', ['playbook', 'tests'], bad);
  if (doc.playbook !== undefined && typeof doc.playbook !== 'string')
    bad('/playbook', 'playbook must be a file name');
  const tests: PlaybookTest[] = [];
  if (!Array.isArray(doc.tests) || doc.tests.length === 0)
    bad('/tests', 'tests must be a list of at least one test');
  else
    doc.tests.forEach((t, i) => {
      const test = readTest(t, `/tests/${i}`, bad);
      if (test) tests.push(test);
    });
  const names = new Set<string>();
  tests.forEach((t) => {
    if (names.has(t.name)) bad(`${t.pointer}/name`, `test name "${t.name}" is used twice`);
    names.add(t.name);
  });
  const diagnostics = sortDiagnostics(toDiagnostics(out, file, parsed.map));
  if (diagnostics.length > 0) return { testFile: null, diagnostics };
  const playbook = typeof doc.playbook === 'string' ? doc.playbook : defaultPlaybook;
  return { testFile: { file, playbook, tests }, diagnostics };
}

type Bad = (pointer: string, message: string, anchor?: 'key' | 'value') => void;

function unknownKeys(doc: Doc, at: string, known: readonly string[], bad: Bad): void {
  for (const key of Object.keys(doc)) {
    if (!known.includes(key))
      bad(`${at}/${key}`, `unknown field "${key}" (fields: ${known.join(', ')})`, 'key');
  }
}

function mapOf(value: unknown, at: string, what: string, bad: Bad): Doc {
  if (value === undefined) return {};
  if (!isMap(value)) {
    bad(at, `${what} must be a mapping`);
    return {};
  }
  return value;
}

function listOfMaps(value: unknown, at: string, what: string, bad: Bad): Doc[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isMap)) {
    bad(at, `${what} must be a list of mappings`);
    return [];
  }
  return value;
}

function readTest(value: unknown, at: string, bad: Bad): PlaybookTest | null {
  if (!isMap(value)) {
    bad(at, 'a test is a mapping with name, world, trigger, stand_ins and expect');
    return null;
  }
  unknownKeys(value, at, TEST_FIELDS, bad);
  if (typeof value.name !== 'string' || value.name.trim() === '') bad(`${at}/name`, 'a test needs a name');
  const world = mapOf(value.world, `${at}/world`, 'world', bad);
  unknownKeys(world, `${at}/world`, WORLD_FIELDS, bad);
  const seed = world.seed ?? 42;
  if (!Number.isInteger(seed) || (seed as number) < 0) bad(`${at}/world/seed`, 'seed must be a whole number');
  const trigger = mapOf(value.trigger, `${at}/trigger`, 'trigger', bad);
  unknownKeys(trigger, `${at}/trigger`, TRIGGER_FIELDS, bad);
  if (trigger.body !== undefined && trigger.event !== undefined) {
    bad(`${at}/trigger`, 'a trigger has a webhook body or a stream event, not both');
  }
  const expect = mapOf(value.expect, `${at}/expect`, 'expect', bad);
  unknownKeys(expect, `${at}/expect`, EXPECT_FIELDS, bad);
  if (expect.status !== undefined && expect.status !== 'succeeded' && expect.status !== 'failed') {
    bad(`${at}/expect/status`, 'status must be succeeded or failed');
  }
  const steps = mapOf(expect.steps, `${at}/expect/steps`, 'steps', bad);
  for (const [id, status] of Object.entries(steps)) {
    if (typeof status !== 'string')
      bad(`${at}/expect/steps/${id}`, 'a step status is a word (succeeded, failed, skipped)');
  }
  const writes = listOfMaps(expect.writes, `${at}/expect/writes`, 'writes', bad).map((w, i) => {
    const wAt = `${at}/expect/writes/${i}`;
    unknownKeys(w, wAt, WRITE_FIELDS, bad);
    if (typeof w.operation !== 'string') bad(`${wAt}/operation`, 'a write names its operation');
    const targets = w.targets;
    const targetsOk =
      targets === undefined ||
      (Number.isInteger(targets) && (targets as number) >= 0) ||
      (Array.isArray(targets) && targets.every((t) => typeof t === 'string'));
    if (!targetsOk) bad(`${wAt}/targets`, 'targets is a list of ids or a count');
    if (w.params !== undefined && !isMap(w.params)) bad(`${wAt}/params`, 'params must be a mapping');
    return w as unknown as WriteExpectation;
  });
  const noWrites = expect.no_writes ?? [];
  if (!Array.isArray(noWrites) || !noWrites.every((n) => typeof n === 'string')) {
    bad(`${at}/expect/no_writes`, 'no_writes is a list of operation names');
  }
  return {
    name: String(value.name ?? ''),
    pointer: at,
    world: {
      seed: Number(seed),
      hosts: hostFixtures(world.hosts, `${at}/world/hosts`, bad),
      detections: listOfMaps(world.detections, `${at}/world/detections`, 'detections', bad),
      iocs: listOfMaps(world.iocs, `${at}/world/iocs`, 'iocs', bad),
    },
    trigger: {
      inputs: mapOf(trigger.inputs, `${at}/trigger/inputs`, 'inputs', bad),
      ...(trigger.body === undefined ? {} : { body: trigger.body }),
      ...(trigger.event === undefined ? {} : { event: trigger.event }),
    },
    standIns: mapOf(value.stand_ins, `${at}/stand_ins`, 'stand_ins', bad),
    approvals: readApprovals(value.approvals, `${at}/approvals`, bad),
    expect: {
      ...(expect.status === undefined ? {} : { status: expect.status as 'succeeded' | 'failed' }),
      ...(expect.outputs === undefined
        ? {}
        : { outputs: mapOf(expect.outputs, `${at}/expect/outputs`, 'outputs', bad) }),
      ...(expect.steps === undefined ? {} : { steps: steps as Record<string, string> }),
      ...(expect.writes === undefined ? {} : { writes }),
      ...(Array.isArray(noWrites) ? { noWrites: noWrites as string[] } : {}),
    },
  };
}

/** `approvals: { <step id>: { decision, by, reason } }`; the decision is checked against the step's choices when it runs. */
function readApprovals(value: unknown, at: string, bad: Bad): Record<string, ApprovalStandIn> {
  const out: Record<string, ApprovalStandIn> = {};
  for (const [stepId, raw] of Object.entries(mapOf(value, at, 'approvals', bad))) {
    const aAt = `${at}/${stepId}`;
    if (!isMap(raw)) {
      bad(aAt, 'an approval stand-in is a mapping: { decision: approve, by: alice, reason: ... }');
      continue;
    }
    unknownKeys(raw, aAt, APPROVAL_FIELDS, bad);
    if (typeof raw.decision !== 'string' || raw.decision.trim() === '') {
      const where = raw.decision === undefined ? aAt : `${aAt}/decision`;
      bad(where, "decision is approve, deny, one of the step's choices, or timeout");
    }
    const by = raw.by === undefined ? [] : Array.isArray(raw.by) ? raw.by : [raw.by];
    if (!by.every((n) => typeof n === 'string' && n.trim() !== ''))
      bad(`${aAt}/by`, 'by is an approver name or a list of names');
    if (raw.reason !== undefined && typeof raw.reason !== 'string')
      bad(`${aAt}/reason`, 'reason must be text');
    out[stepId] = {
      decision: String(raw.decision ?? ''),
      by: by.map(String),
      reason: typeof raw.reason === 'string' ? raw.reason : null,
    };
  }
  return out;
}

/** Host fixtures: device fields, an id, and `online` (default true) for the sensor's state. */
function hostFixtures(value: unknown, at: string, bad: Bad): Doc[] {
  const hosts = listOfMaps(value, at, 'hosts', bad);
  hosts.forEach((host, i) => {
    if (typeof host.device_id !== 'string' || host.device_id === '')
      bad(`${at}/${i}`, 'a host fixture needs its device_id');
    if (host.online !== undefined && typeof host.online !== 'boolean')
      bad(`${at}/${i}/online`, 'online is true or false');
  });
  return hosts;
}
