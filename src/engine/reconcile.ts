/**
 * Read-back reconcilers, keyed by operationId. After a crash between a write request and its
 * checkpoint the engine does not know whether Falcon applied the write; a reconciler reads the
 * targets' state and says which targets still need the write. IOC create is reconciled before EVERY
 * request (check-then-act), so an indicator that already exists is found, not duplicated.
 *
 * A target already in the desired state counts as written: the state is what the playbook asked for,
 * even if a side field (a detection comment) was not added. Operations without a reconciler are
 * re-issued only when the table marks them idempotent; otherwise the outcome stays unknown and the
 * step fails for a person to check (SOAR_ENGINE_UNKNOWN_OUTCOME).
 */
import type { OperationSpec } from '../falcon/operations/types.ts';
import type { FalconPort } from './ports.ts';
import { chunk } from './write-plan.ts';

/** What a read-back found. */
export type ReadBack =
  /** Every target is already in the desired state: send nothing. `resources` stand in for the answer. */
  | { kind: 'done'; resources: unknown[]; note: string }
  /** Send the write with these params (the targets still missing); `found` joins the step output. */
  | { kind: 'write'; params: Record<string, unknown>; found: unknown[]; note: string | null }
  /** No way to tell; the caller must not repeat the write. */
  | { kind: 'unknown'; note: string };

interface ReadBackContext {
  falcon: FalconPort;
  signal: AbortSignal;
  /** Most ids one read-back request may carry (the read operation's ids.max). */
  readBatch: number;
}

interface Reconciler {
  /** Run before every request, not only after a crash (check-then-act). */
  beforeEveryWrite: boolean;
  readBack(params: Record<string, unknown>, context: ReadBackContext): Promise<ReadBack>;
}

const RECONCILERS: Readonly<Record<string, Reconciler>> = {
  UpdateDetectsByIdsV2: { beforeEveryWrite: false, readBack: readBackDetects },
  PerformIncidentAction: { beforeEveryWrite: false, readBack: readBackIncidents },
  PatchEntitiesAlertsV3: { beforeEveryWrite: false, readBack: readBackAlerts },
  indicator_create_v1: { beforeEveryWrite: true, readBack: readBackIndicatorCreate },
};

/** Whether `operationId` is checked against Falcon before every request. */
export function checksBeforeEveryWrite(operationId: string): boolean {
  return RECONCILERS[operationId]?.beforeEveryWrite === true;
}

/**
 * Decides what to send for a write whose earlier request may or may not have been applied.
 * `readBatch` is the id limit of the read-back operation.
 */
export async function reconcileWrite(
  spec: OperationSpec,
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const reconciler = RECONCILERS[spec.operationId];
  if (reconciler) return reconciler.readBack(params, context);
  if (spec.idempotent) {
    return { kind: 'write', params, found: [], note: `re-issued idempotent ${spec.operationId}` };
  }
  return {
    kind: 'unknown',
    note: `${spec.operationId} cannot be read back and is not idempotent; its outcome is unknown`,
  };
}

/** Splits targets into those in the desired state and those that still need the write. */
function partition(
  ids: readonly string[],
  entities: readonly Record<string, unknown>[],
  idField: string,
  matches: (entity: Record<string, unknown>) => boolean,
): { done: Record<string, unknown>[]; missing: string[] } {
  const byId = new Map(entities.map((e) => [String(e[idField]), e]));
  const done: Record<string, unknown>[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const entity = byId.get(id);
    if (entity && matches(entity)) done.push(entity);
    else missing.push(id);
  }
  return { done, missing };
}

async function readEntities(
  operation: string,
  ids: readonly string[],
  context: ReadBackContext,
  idParam = 'ids',
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const slice of chunk(ids, context.readBatch)) {
    const result = await context.falcon.call(operation, { [idParam]: slice }, { signal: context.signal });
    for (const r of result.resources) if (isRecord(r)) out.push(r);
  }
  return out;
}

function outcome(
  params: Record<string, unknown>,
  ids: readonly string[],
  missing: string[],
  what: string,
  idParam = 'ids',
): ReadBack {
  if (missing.length === 0) {
    return { kind: 'done', resources: [], note: `read back ${ids.length} ${what}: already applied` };
  }
  const note =
    missing.length === ids.length
      ? null
      : `read back ${ids.length} ${what}: ${ids.length - missing.length} already applied, re-sent ${missing.length}`;
  return { kind: 'write', params: { ...params, [idParam]: missing }, found: [], note };
}

/** Detects update body parameter -> detection summary field (falcon-api.md §4.1.3, §6.1). */
const DETECT_FIELDS: Readonly<Record<string, string>> = {
  status: 'status',
  assigned_to_uuid: 'assigned_to_uid',
  show_in_ui: 'show_in_ui',
};

async function readBackDetects(params: Record<string, unknown>, context: ReadBackContext): Promise<ReadBack> {
  const ids = stringList(params['ids']);
  const wanted = pick(params, Object.keys(DETECT_FIELDS));
  if (Object.keys(wanted).length === 0) {
    return { kind: 'unknown', note: 'detects update sets no status, assignee or visibility to read back' };
  }
  const entities = await readEntities('GetDetectSummaries', ids, context);
  const { missing } = partition(ids, entities, 'detection_id', (d) =>
    Object.entries(wanted).every(([param, value]) => d[DETECT_FIELDS[param] ?? param] === value),
  );
  return outcome(params, ids, missing, 'detections');
}

/** Incident status names PSFalcon maps to the numeric codes (falcon-api.md §4.2). */
const INCIDENT_STATUS: Readonly<Record<string, string>> = {
  new: '20',
  reopened: '25',
  in_progress: '30',
  closed: '40',
};

async function readBackIncidents(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const ids = stringList(params['ids']);
  const checks = incidentChecks(params['action_parameters']);
  if (checks.length === 0) {
    return {
      kind: 'unknown',
      note: 'incident action has no part that can be read back (e.g. only add_comment)',
    };
  }
  const entities = await readEntities('GetIncidents', ids, context);
  const { missing } = partition(ids, entities, 'incident_id', (i) => checks.every((check) => check(i)));
  return outcome(params, ids, missing, 'incidents');
}

type IncidentCheck = (incident: Record<string, unknown>) => boolean;

function incidentChecks(actionParameters: unknown): IncidentCheck[] {
  const checks: IncidentCheck[] = [];
  const list = Array.isArray(actionParameters) ? actionParameters.filter(isRecord) : [];
  for (const { name, value } of list) {
    const text = typeof value === 'string' ? value : String(value ?? '');
    if (name === 'add_tag') checks.push((i) => stringList(i['tags']).includes(text));
    else if (name === 'delete_tag') checks.push((i) => !stringList(i['tags']).includes(text));
    else if (name === 'update_status')
      checks.push((i) => String(i['status']) === (INCIDENT_STATUS[text] ?? text));
    else if (name === 'update_name') checks.push((i) => i['name'] === text);
    else if (name === 'update_description') checks.push((i) => i['description'] === text);
  }
  return checks;
}

async function readBackAlerts(params: Record<string, unknown>, context: ReadBackContext): Promise<ReadBack> {
  const ids = stringList(params['composite_ids']);
  const checks = alertChecks(params['action_parameters']);
  if (checks.length === 0) {
    return {
      kind: 'unknown',
      note: 'alert update has no part that can be read back (e.g. only append_comment)',
    };
  }
  const entities = await readEntities('PostEntitiesAlertsV2', ids, context, 'composite_ids');
  const { missing } = partition(ids, entities, 'composite_id', (a) => checks.every((check) => check(a)));
  return outcome(params, ids, missing, 'alerts', 'composite_ids');
}

function alertChecks(actionParameters: unknown): IncidentCheck[] {
  const checks: IncidentCheck[] = [];
  const list = Array.isArray(actionParameters) ? actionParameters.filter(isRecord) : [];
  for (const { name, value } of list) {
    const text = typeof value === 'string' ? value : String(value ?? '');
    if (name === 'add_tag') checks.push((a) => stringList(a['tags']).includes(text));
    else if (name === 'remove_tag') checks.push((a) => !stringList(a['tags']).includes(text));
    else if (name === 'update_status') checks.push((a) => a['status'] === text);
    else if (name === 'assign_to_uuid') checks.push((a) => a['assigned_to_uuid'] === text);
    else if (name === 'show_in_ui') checks.push((a) => String(a['show_in_ui']) === text);
  }
  return checks;
}

/**
 * IOC create: finds the indicators of this request that already exist (same type and value) and
 * creates only the others. Values compare case-insensitively, as Falcon stores hashes lower-case.
 */
async function readBackIndicatorCreate(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const indicators = Array.isArray(params['indicators']) ? params['indicators'] : [];
  const wanted = indicators.filter(isRecord);
  const found = await findIndicators(wanted, context);
  const key = (type: unknown, value: unknown): string =>
    `${String(type)}\u0000${String(value).toLowerCase()}`;
  const existing = new Set(found.map((f) => key(f['type'], f['value'])));
  const missing = indicators.filter((i) => !isRecord(i) || !existing.has(key(i['type'], i['value'])));
  if (missing.length === 0) {
    return { kind: 'done', resources: found, note: `all ${indicators.length} indicators already exist` };
  }
  const note =
    found.length > 0 ? `${found.length} indicators already existed; created ${missing.length}` : null;
  return { kind: 'write', params: { ...params, indicators: missing }, found, note };
}

/** Looks up existing indicators by type and value, grouped by type, a bounded number per query. */
async function findIndicators(
  wanted: readonly Record<string, unknown>[],
  context: ReadBackContext,
): Promise<Record<string, unknown>[]> {
  const byType = new Map<string, string[]>();
  for (const indicator of wanted) {
    const type = indicator['type'];
    const value = indicator['value'];
    if (typeof type !== 'string' || typeof value !== 'string') continue;
    byType.set(type, [...(byType.get(type) ?? []), value]);
  }
  const found: Record<string, unknown>[] = [];
  for (const [type, values] of byType) {
    for (const slice of chunk(values, 100)) {
      const filter = `type:${fqlString(type)}+value:[${slice.map(fqlString).join(',')}]`;
      for await (const page of context.falcon.pages(
        'indicator_combined_v1',
        { filter, limit: 500 },
        { signal: context.signal },
      )) {
        for (const r of page.resources) if (isRecord(r)) found.push(r);
      }
    }
  }
  return found;
}

/** An FQL string literal; single quotes and backslashes in the value are escaped. */
function fqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined && source[key] !== null) out[key] = source[key];
  return out;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null ? [] : [String(value)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
