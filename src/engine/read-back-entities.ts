/**
 * Read-backs of state-changing writes on existing entities (detections, incidents, alerts, cases): a
 * target counts as written when its state already matches what the request asks for. Parameters are
 * read through `WriteParams`, so keywords, the `body` pass-through and action keywords
 * (`update_status: closed`) are judged the same as `action_parameters`.
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
import { idList, type WriteAction, type WriteParams } from './write-params.ts';

/** Detects update body parameter -> detection summary field (falcon-api.md §4.1.3, §6.1). */
const DETECT_FIELDS: Readonly<Record<string, string>> = {
  status: 'status',
  assigned_to_uuid: 'assigned_to_uid',
  show_in_ui: 'show_in_ui',
};

/** Detects update: written when each detection has the requested status, assignee and visibility. */
export async function readBackDetects(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const ids = idList(write.fields['ids']);
  const wanted = pick(write.fields, Object.keys(DETECT_FIELDS));
  if (Object.keys(wanted).length === 0) {
    return { kind: 'unknown', note: 'detects update sets no status, assignee or visibility to read back' };
  }
  const entities = await readEntities('GetDetectSummaries', ids, context);
  // `show_in_ui: "true"` in a playbook is the boolean true Falcon stores.
  const { missing } = partition(ids, entities, 'detection_id', (d) =>
    Object.entries(wanted).every(
      ([param, value]) => String(d[DETECT_FIELDS[param] ?? param]) === String(value),
    ),
  );
  return outcome(write, ids, missing, 'detections');
}

/** Incident status names PSFalcon maps to the numeric codes (falcon-api.md §4.2). */
const INCIDENT_STATUS: Readonly<Record<string, string>> = {
  new: '20',
  reopened: '25',
  in_progress: '30',
  closed: '40',
};

type EntityCheck = (entity: Record<string, unknown>) => boolean;

/** An entity field that is empty or absent (what an unassign leaves). */
const blank = (value: unknown): boolean => value === undefined || value === null || value === '';

/** Incident action: written when tags, status, name, description and assignee match the actions. */
export async function readBackIncidents(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const ids = idList(write.fields['ids']);
  const checks = incidentChecks(write.actions);
  if (checks.length === 0) {
    return {
      kind: 'unknown',
      note: 'incident action has no part that can be read back (e.g. only add_comment)',
    };
  }
  const entities = await readEntities('GetIncidents', ids, context);
  const { missing } = partition(ids, entities, 'incident_id', (i) => checks.every((check) => check(i)));
  return outcome(write, ids, missing, 'incidents');
}

/** Entity checks of the incident actions (falcon-api.md §4.2.5; add_comment cannot be read back). */
function incidentChecks(actions: readonly WriteAction[]): EntityCheck[] {
  const checks: EntityCheck[] = [];
  for (const { name, value } of actions) {
    if (name === 'add_tag') checks.push((i) => stringList(i['tags']).includes(value));
    else if (name === 'delete_tag') checks.push((i) => !stringList(i['tags']).includes(value));
    else if (name === 'update_status')
      checks.push((i) => String(i['status']) === (INCIDENT_STATUS[value] ?? value));
    else if (name === 'close_with_descriptor')
      checks.push((i) => String(i['status']) === INCIDENT_STATUS['closed']);
    else if (name === 'update_name') checks.push((i) => i['name'] === value);
    else if (name === 'update_description') checks.push((i) => i['description'] === value);
    else if (name === 'update_assigned_to_v2' || name === 'update_assigned_to')
      checks.push((i) => i['assigned_to'] === value);
    else if (name === 'update_assigned_to_name') checks.push((i) => i['assigned_to_name'] === value);
    else if (name === 'unassign') checks.push((i) => blank(i['assigned_to']));
  }
  return checks;
}

/** Alert update: written when tags, status, assignee and visibility match the actions. */
export async function readBackAlerts(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const ids = idList(write.fields['composite_ids']);
  const checks = alertChecks(write.actions);
  if (checks.length === 0) {
    return {
      kind: 'unknown',
      note: 'alert update has no part that can be read back (e.g. only append_comment)',
    };
  }
  const entities = await readEntities('PostEntitiesAlertsV2', ids, context, 'composite_ids');
  const { missing } = partition(ids, entities, 'composite_id', (a) => checks.every((check) => check(a)));
  return outcome(write, ids, missing, 'alerts', 'composite_ids');
}

/**
 * Entity checks of the alert actions (falconpy update_alerts_v3 docstring; alert fields
 * falcon-api.md §6). append_comment and new_behavior_processed cannot be read back.
 */
function alertChecks(actions: readonly WriteAction[]): EntityCheck[] {
  const checks: EntityCheck[] = [];
  for (const { name, value } of actions) {
    if (name === 'add_tag') checks.push((a) => stringList(a['tags']).includes(value));
    else if (name === 'remove_tag') checks.push((a) => !stringList(a['tags']).includes(value));
    else if (name === 'remove_tags_by_prefix')
      checks.push((a) => !stringList(a['tags']).some((tag) => tag.startsWith(value)));
    else if (name === 'update_status') checks.push((a) => a['status'] === value);
    else if (name === 'assign_to_uuid') checks.push((a) => a['assigned_to_uuid'] === value);
    else if (name === 'assign_to_user_id') checks.push((a) => a['assigned_to_uid'] === value);
    else if (name === 'assign_to_name') checks.push((a) => a['assigned_to_name'] === value);
    else if (name === 'unassign')
      checks.push((a) => blank(a['assigned_to_uuid']) && blank(a['assigned_to_uid']));
    else if (name === 'show_in_ui') checks.push((a) => String(a['show_in_ui']) === value);
  }
  return checks;
}

async function readCase(write: WriteParams, context: ReadBackContext) {
  const id = write.fields['id'];
  if (typeof id !== 'string' || id === '') return null;
  const [found] = await readEntities('entities_cases_post_v2', [id], context);
  return found ?? null;
}

/** Case tags: written when the case carries every tag of the request. */
export async function readBackCaseTags(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const found = await readCase(write, context);
  const wanted = idList(write.fields['tags']);
  if (found && wanted.every((tag) => stringList(found['tags']).includes(tag))) {
    return { kind: 'done', resources: [], note: `case ${String(write.fields['id'])} already has the tags` };
  }
  return { kind: 'write', params: write.params, found: [], note: null };
}

/** Case field update: written when every field of the request already has the requested value. */
export async function readBackCaseFields(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const fields = write.fields['fields'];
  if (!isRecord(fields) || Object.keys(fields).length === 0) {
    return { kind: 'unknown', note: 'case update names no fields to read back' };
  }
  const found = await readCase(write, context);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (found && Object.entries(fields).every(([name, value]) => same(found[name], value))) {
    return { kind: 'done', resources: [], note: `case ${String(write.fields['id'])} already has the fields` };
  }
  return { kind: 'write', params: write.params, found: [], note: null };
}
