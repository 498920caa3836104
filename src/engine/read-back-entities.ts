/**
 * Read-backs of state-changing writes on existing entities (detections, incidents, alerts): a target
 * counts as written when its state already matches what the request asks for.
 */
import {
  isRecord,
  outcome,
  partition,
  pick,
  type ReadBack,
  type ReadBackContext,
  readEntities,
  stringList,
} from './read-back.ts';

/** Detects update body parameter -> detection summary field (falcon-api.md §4.1.3, §6.1). */
const DETECT_FIELDS: Readonly<Record<string, string>> = {
  status: 'status',
  assigned_to_uuid: 'assigned_to_uid',
  show_in_ui: 'show_in_ui',
};

/** Detects update: written when each detection has the requested status, assignee and visibility. */
export async function readBackDetects(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
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

/** Incident action: written when tags, status, name and description match the action parameters. */
export async function readBackIncidents(
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

/** Alert update: written when tags, status, assignee and visibility match the action parameters. */
export async function readBackAlerts(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
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

async function readCase(params: Record<string, unknown>, context: ReadBackContext) {
  const id = typeof params['id'] === 'string' ? params['id'] : null;
  if (id === null) return null;
  const [found] = await readEntities('entities_cases_post_v2', [id], context);
  return found ?? null;
}

/** Case tags: written when the case carries every tag of the request. */
export async function readBackCaseTags(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const found = await readCase(params, context);
  const wanted = stringList(params['tags']);
  if (found && wanted.every((tag) => stringList(found['tags']).includes(tag))) {
    return { kind: 'done', resources: [], note: `case ${String(params['id'])} already has the tags` };
  }
  return { kind: 'write', params, found: [], note: null };
}

/** Case field update: written when every field of the request already has the requested value. */
export async function readBackCaseFields(
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const fields = isRecord(params['fields']) ? params['fields'] : null;
  if (fields === null || Object.keys(fields).length === 0) {
    return { kind: 'unknown', note: 'case update names no fields to read back' };
  }
  const found = await readCase(params, context);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (found && Object.entries(fields).every(([name, value]) => same(found[name], value))) {
    return { kind: 'done', resources: [], note: `case ${String(params['id'])} already has the fields` };
  }
  return { kind: 'write', params, found: [], note: null };
}
