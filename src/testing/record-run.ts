/**
 * `talon test --record <run-id>`: a finished run's record and recording (src/queue/run-recording.ts)
 * become a test of its playbook, so a real incident becomes a regression test:
 *   - world: the hosts, detections (endpoint alerts included) and IOCs the run's reads answered, laid
 *     over the seeded world as any fixture is, first answer first (the state before the run wrote);
 *   - trigger: the recorded inputs, and the webhook body, stream event or poll item;
 *   - stand-ins: each action's recorded output; approvals: each approval step's recorded decision;
 *   - expect: the run's status, every step's status, its outputs, the writes it made (operation,
 *     targets, the request fields the operation declares) and, as no_writes, every write operation of
 *     the playbook it did not make.
 * Values that name the recorded run (`run.id` in a comment) cannot match a new run and are left out of
 * the expectations; the file's header lists what was left out.
 */
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { findOperation } from '../falcon/operations/index.ts';
import { toYamlText } from '../playbook/index.ts';
import type { RunRecord, RunRecording } from '../queue/index.ts';
import { SoarError } from '../shared/index.ts';

export interface RecordedTest {
  /** The test file's text. */
  text: string;
  /** What the recorder left out or could not reproduce, in words (also in the file's header). */
  notes: string[];
}

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

const recordError = (runId: string, why: string): SoarError =>
  new SoarError('SOAR_PLAYBOOK_TEST_RECORD', `run ${runId}: ${why}`, { details: { runId } });

/** Refuses runs that cannot become a faithful test, saying why. */
export function checkRecordable(
  record: RunRecord,
  recordings: readonly RunRecording[],
  maxBytes: number,
): void {
  const id = record.runId;
  if (record.status !== 'succeeded' && record.status !== 'failed') {
    throw recordError(
      id,
      `it is ${record.status}; only a finished run (succeeded or failed) can be recorded`,
    );
  }
  if (record.dryRun) throw recordError(id, 'it was a dry run: it wrote nothing a test could check');
  if (recordings.length === 0) {
    throw recordError(
      id,
      'it has no recording: it ran on a worker that does not record runs (recording off, or a version before recordings)',
    );
  }
  const omitted = recordings.reduce((sum, r) => sum + r.omittedBytes, 0);
  if (omitted > 0) {
    throw recordError(
      id,
      `its recording is incomplete: at least ${omitted} bytes of reads and outputs did not fit the ${maxBytes}-byte bound of a recording`,
    );
  }
}

/** Builds the test file of a recorded run of `plan`; `playbookFile` is relative to the test file. */
export function buildRecordedTest(options: {
  record: RunRecord;
  recordings: readonly RunRecording[];
  plan: CompiledPlaybook;
  playbookFile: string;
  seed: number;
}): RecordedTest {
  const { record, recordings, plan } = options;
  const notes: string[] = [];
  const mentionsRun = (value: unknown): boolean => JSON.stringify(value)?.includes(record.runId) ?? false;
  const test: Doc = {
    name: `replays run ${record.runId} (${record.status})`,
    world: { seed: options.seed, ...worldOf(recordings, notes) },
    trigger: triggerOf(record, recordings[0] as RunRecording),
  };
  const standIns = standInsOf(recordings);
  if (Object.keys(standIns).length > 0) test['stand_ins'] = standIns;
  const approvals = approvalsOf(recordings);
  if (Object.keys(approvals).length > 0) test['approvals'] = approvals;
  const expect: Doc = {
    status: record.status,
    steps: Object.fromEntries(
      record.steps
        .filter((s) => ['succeeded', 'failed', 'skipped'].includes(s.status))
        .map((s) => [s.id, s.status]),
    ),
  };
  const outputs = withoutRunId(record.outputs ?? {}, 'outputs', mentionsRun, notes);
  if (Object.keys(outputs).length > 0) expect['outputs'] = outputs;
  const { writes, written } = writesOf(recordings, mentionsRun, notes);
  if (writes.length > 0) expect['writes'] = writes;
  const notWritten = playbookWrites(plan).filter((op) => !written.has(op));
  if (notWritten.length > 0) expect['no_writes'] = notWritten;
  test['expect'] = expect;
  const when = new Date(record.startedAt ?? record.enqueuedAt ?? 0).toISOString();
  const header = [
    `Recorded from run ${record.runId} of ${record.playbook} (${when}) by \`talon test --record\`.`,
    'The world holds what the run read; the expectations are what it did. Edit freely: this is a test now.',
    ...notes.map((n) => `Note: ${n}`),
  ];
  const body = toYamlText({ playbook: options.playbookFile, tests: [test] });
  return { text: `${header.map((l) => `# ${l}`).join('\n')}\n${body}`, notes };
}

/** The recorded trigger as a test trigger: inputs, plus the body (webhook, poll item) or stream event. */
function triggerOf(record: RunRecord, first: RunRecording): Doc {
  const trigger: Doc = {};
  if (Object.keys(record.inputs).length > 0) trigger['inputs'] = record.inputs;
  const { type, data } = first.trigger;
  if (type === 'stream' && isDoc(data))
    trigger['event'] = { metadata: data['metadata'], event: data['event'] };
  else if ((type === 'webhook' || type === 'poll') && data !== null && data !== undefined)
    trigger['body'] = data;
  return trigger;
}

/** The reads whose answers become fixtures, by operationId, and the kind of fixture. */
const FIXTURE_SOURCES: Readonly<Record<string, 'hosts' | 'detections' | 'alerts' | 'iocs'>> = {
  GetDeviceDetailsV2: 'hosts',
  PostDeviceDetailsV2: 'hosts',
  CombinedDevicesByFilter: 'hosts',
  GetDetectSummaries: 'detections',
  PostEntitiesAlertsV1: 'alerts',
  PostEntitiesAlertsV2: 'alerts',
  PostCombinedAlertsV1: 'alerts',
  indicator_get_v1: 'iocs',
  indicator_combined_v1: 'iocs',
};

/** Fixture records by kind, keyed by id: the first answer wins (the state before the run's writes). */
function worldOf(recordings: readonly RunRecording[], notes: string[]): Doc {
  const hosts = new Map<string, Doc>();
  const detections = new Map<string, Doc>();
  const alerts = new Map<string, Doc>();
  const iocs = new Map<string, Doc>();
  const unused = new Set<string>();
  const put = (map: Map<string, Doc>, id: unknown, value: Doc) => {
    if (typeof id === 'string' && id !== '' && !map.has(id)) map.set(id, value);
  };
  for (const read of recordings.flatMap((r) => r.reads)) {
    const kind = FIXTURE_SOURCES[findOperation(read.operation)?.operationId ?? ''];
    if (kind === undefined) {
      unused.add(read.operation);
      continue;
    }
    // An indicator first seen after a write may be one the run created: the world must not hold it yet.
    if (kind === 'iocs' && read.writesBefore > 0) continue;
    for (const resource of read.resources.filter(isDoc)) {
      if (kind === 'hosts') put(hosts, resource['device_id'], resource);
      else if (kind === 'detections') put(detections, resource['detection_id'], resource);
      else if (kind === 'iocs') put(iocs, resource['id'], resource);
      else {
        const detection = detectionOfAlert(resource);
        if (detection !== null) put(alerts, detection['detection_id'], detection);
      }
    }
  }
  // An alert read and its detection read: the detection's record is the complete one.
  for (const [id, detection] of alerts) put(detections, id, detection);
  if (unused.size > 0) {
    notes.push(
      `reads of ${[...unused].sort().join(', ')} are answered by the seeded world, not by recorded fixtures`,
    );
  }
  const world: Doc = {};
  if (hosts.size > 0) world['hosts'] = [...hosts.values()];
  if (detections.size > 0) world['detections'] = [...detections.values()];
  if (iocs.size > 0) world['iocs'] = [...iocs.values()];
  return world;
}

const RESOLUTIONS = new Set(['true_positive', 'false_positive', 'ignored']);

/**
 * An endpoint alert (`<cid>:ind:<aid>:<n>`) as the detection it is (docs/falcon-successors.md): the
 * emulator serves every detection as an alert, so the detection fixture brings the alert back.
 */
function detectionOfAlert(alert: Doc): Doc | null {
  const composite = alert['composite_id'];
  if (typeof composite !== 'string') return null;
  const parts = composite.split(':');
  if (parts.length !== 4 || parts[1] !== 'ind') return null;
  const status = String(alert['status'] ?? 'new');
  const resolution = String(alert['resolution'] ?? '');
  const device = isDoc(alert['device']) ? alert['device'] : {};
  return {
    detection_id: `ldt:${parts[2]}:${parts[3]}`,
    status: status === 'closed' && RESOLUTIONS.has(resolution) ? resolution : status,
    ...(typeof alert['severity'] === 'number' ? { max_severity: alert['severity'] } : {}),
    ...(typeof alert['severity_name'] === 'string'
      ? { max_severity_displayname: alert['severity_name'] }
      : {}),
    ...(typeof alert['confidence'] === 'number' ? { max_confidence: alert['confidence'] } : {}),
    device: {
      ...device,
      device_id: alert['agent_id'] ?? device['device_id'] ?? parts[2],
      ...(typeof alert['platform'] === 'string' ? { platform_name: alert['platform'] } : {}),
    },
  };
}

function standInsOf(recordings: readonly RunRecording[]): Doc {
  const out: Doc = {};
  for (const { action, output } of recordings.flatMap((r) => r.actions)) {
    if (!Object.hasOwn(out, action)) out[action] = output;
  }
  return out;
}

function approvalsOf(recordings: readonly RunRecording[]): Doc {
  const out: Doc = {};
  for (const a of recordings.flatMap((r) => r.approvals)) {
    if (Object.hasOwn(out, a.step)) continue;
    out[a.step] = a.timedOut
      ? { decision: 'timeout' }
      : {
          decision: a.choice,
          ...(a.by.length > 0 ? { by: a.by } : {}),
          ...(a.reason === null ? {} : { reason: a.reason }),
        };
  }
  return out;
}

/**
 * One expectation per write operation: the ids it targeted (all its requests together, as the test
 * runner counts them) and the request fields of its first request that the operation declares (a
 * playbook's keyword forms, such as an alert action's `append_comment`, reach Falcon in another shape).
 */
function writesOf(
  recordings: readonly RunRecording[],
  mentionsRun: (v: unknown) => boolean,
  notes: string[],
): { writes: Doc[]; written: Set<string> } {
  const byOperation = new Map<string, { ids: string[]; created: number; params: Doc }>();
  for (const write of recordings.flatMap((r) => r.writes)) {
    const spec = findOperation(write.operation);
    if (!spec) continue;
    const idParam = spec.ids?.param;
    const entry = byOperation.get(write.operation) ?? { ids: [], created: 0, params: {} };
    if (!byOperation.has(write.operation)) {
      const declared = new Set(
        spec.params.filter((p) => p.in === 'query' || p.in === 'body').map((p) => p.name),
      );
      // Ids as text are compared as targets; items to create (indicators) as fields.
      const idsAsText = (v: unknown) =>
        typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      const fields = Object.entries(write.params).filter(
        ([k, v]) => declared.has(k) && !(k === idParam && idsAsText(v)),
      );
      entry.params = withoutRunId(
        Object.fromEntries(fields),
        `${write.operation} params`,
        mentionsRun,
        notes,
      );
      byOperation.set(write.operation, entry);
    }
    const ids = idParam === undefined ? undefined : write.params[idParam];
    // Ids as text are the targets; items (indicators to create) get their ids from Falcon: a count.
    if (Array.isArray(ids)) {
      for (const id of ids) {
        if (typeof id === 'string') entry.ids.push(id);
        else entry.created += 1;
      }
    } else if (typeof ids === 'string') entry.ids.push(...ids.split(',').map((s) => s.trim()));
  }
  const writes = [...byOperation].map(([operation, { ids, created, params }]) => ({
    operation,
    ...(created > 0
      ? { targets: created + ids.length }
      : ids.length > 0
        ? { targets: [...new Set(ids)].sort() }
        : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  }));
  return { writes, written: new Set(byOperation.keys()) };
}

/** The Falcon write operations the playbook's steps use, by their `collection.name`. */
function playbookWrites(plan: CompiledPlaybook): string[] {
  const names = new Set<string>();
  for (const step of plan.steps) {
    const spec = findOperation(step.uses);
    if (spec?.kind === 'write') names.add(`${spec.collection}.${spec.pep8}`);
  }
  return [...names];
}

/** Drops the fields whose value names the recorded run (they cannot match a new run's). */
function withoutRunId(doc: Doc, where: string, mentionsRun: (v: unknown) => boolean, notes: string[]): Doc {
  const kept: Doc = {};
  for (const [key, value] of Object.entries(doc)) {
    if (mentionsRun(value)) notes.push(`${where}.${key} names the recorded run and is not compared`);
    else kept[key] = value;
  }
  return kept;
}
