/**
 * Case Management (docs/falcon-successors.md), the successor of Incidents: query, get, create
 * (PUT), update fields (PATCH, with optimistic `expected_version`: a mismatch answers 409), add
 * alert or event evidence, add and remove tags. Cases are their own store; alert evidence must
 * name existing alerts, and those alerts list the case in linked_case_ids.
 * The SDKs have no case-comment route, so neither does the emulator.
 */
import { createHash } from 'node:crypto';
import { FalconReplyError, badRequest } from '../http/reply-error.ts';
import { type AlertView, detectionIdOfComposite } from '../state/alert-views.ts';
import {
  CASE_STATUSES,
  type CaseRecord,
  type CaseUser,
  caseUser,
  emptyEvidence,
  evidenceRecord,
} from '../state/seed-cases.ts';
import { toIso } from '../state/seed-context.ts';
import { bodyObject, entitiesByIds, notFound, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const caseId = (c: CaseRecord) => c.id;
const UPDATABLE_FIELDS = new Set([
  'name',
  'description',
  'status',
  'severity',
  'severity_info',
  'assigned_to_user_uuid',
  'remove_user_assignment',
  'custom_fields',
  'slas_active',
  'access_tags',
  'template',
  'workflows',
  'description_format',
  'description_tagged_users',
]);

function checkStatus(value: unknown, where: string): string {
  if (typeof value !== 'string' || !(CASE_STATUSES as readonly string[]).includes(value)) {
    throw badRequest(`${where} must be one of ${CASE_STATUSES.join(', ')} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function userFor(ctx: RouteContext, uuid: string): CaseUser {
  const analyst = ctx.state.analysts.find((a) => a.uid === uuid);
  return analyst ? caseUser(analyst) : { uuid, full_name: '', email: '' };
}

function actor(ctx: RouteContext): CaseUser {
  return { uuid: '', full_name: ctx.session.clientId, email: '' };
}

/** Checks alert evidence ids exist and links them to the case. */
function linkAlerts(ctx: RouteContext, record: CaseRecord, alerts: unknown, where: string): void {
  if (!Array.isArray(alerts)) throw badRequest(`${where} must be an array of {id}`);
  const store = ctx.state.alerts();
  alerts.forEach((entry, i) => {
    const id = (entry as { id?: unknown })?.id;
    if (typeof id !== 'string' || !store.has(id))
      throw badRequest(`${where}[${i}].id ${JSON.stringify(id)} is not an existing alert`);
  });
  const changed: string[] = [];
  for (const { id } of alerts as { id: string }[]) {
    if (record.evidence.alerts.records.some((a) => a.id === id)) continue;
    record.evidence.alerts.records.push(evidenceRecord(id));
    const detectionId = detectionIdOfComposite(id);
    // An epp alert's view is rebuilt from its detection's extras; other alerts hold the list themselves.
    const linked = detectionId
      ? ctx.state.extrasFor(detectionId).linkedCaseIds
      : ((store.get(id) as AlertView)['linked_case_ids'] as string[]);
    if (!linked.includes(record.id)) linked.push(record.id);
    if (detectionId) changed.push(detectionId);
  }
  store.touch();
  ctx.state.detectionsChanged(changed);
}

function createCase(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const now = toIso(ctx.nowMs);
  const hash = createHash('md5')
    .update(`${ctx.state.cid}:case:${++ctx.state.indicatorGeneration}`)
    .digest('hex');
  const evidence = (body['evidence'] ?? {}) as Record<string, unknown>;
  const assigneeUuid = body['assigned_to_user_uuid'];
  const assignee =
    typeof assigneeUuid === 'string' && assigneeUuid !== '' ? userFor(ctx, assigneeUuid) : null;
  const record: CaseRecord = {
    id: `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20)}`,
    readable_case_id: `CASE-${1000 + ctx.state.cases.size}`,
    cid: ctx.session.cid,
    name: body['name'],
    description: body['description'],
    status: checkStatus(body['status'], 'body.status'),
    severity: body['severity'],
    severity_info: body['severity_info'] ?? {},
    assigned_to: assignee,
    created_by: actor(ctx),
    last_updated_by: actor(ctx),
    created_timestamp: now,
    updated_timestamp: now,
    start_timestamp: now,
    end_timestamp: now,
    evidence: {
      ...emptyEvidence(),
      events: {
        records: idList(evidence['events'], 'body.evidence.events').map(({ id }) => evidenceRecord(id)),
      },
      leads: {
        records: idList(evidence['leads'], 'body.evidence.leads').map(({ id }) => evidenceRecord(id)),
      },
    },
    tags: (body['tags'] as string[] | undefined) ?? [],
    access_tags: body['access_tags'] ?? [],
    fields: [],
    analysis_results: {},
    read_only: { is_read_only: false },
    consistency: { version: 1 },
    version: 1,
  };
  if (evidence['alerts'] !== undefined) linkAlerts(ctx, record, evidence['alerts'], 'body.evidence.alerts');
  ctx.state.cases.put(record);
  ctx.recordWrite([record.id]);
  return { resources: [record] };
}

function idList(value: unknown, where: string): { id: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof (v as { id?: unknown })?.id !== 'string')) {
    throw badRequest(`${where} must be an array of {id}`);
  }
  return (value as { id: string }[]).map(({ id }) => ({ id }));
}

function existingCase(ctx: RouteContext, id: unknown): CaseRecord {
  if (typeof id !== 'string' || id === '') throw badRequest('id (the case id) is required');
  const record = ctx.state.cases.get(id);
  if (!record) throw notFound(`case ${id} not found`);
  return record;
}

function touched(ctx: RouteContext, record: CaseRecord): RouteResult {
  record.version++;
  record['consistency'] = { version: record.version };
  record['updated_timestamp'] = toIso(ctx.nowMs);
  record['last_updated_by'] = actor(ctx);
  ctx.state.cases.touch();
  ctx.recordWrite([record.id]);
  return { resources: [record] };
}

function updateCase(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const record = existingCase(ctx, body['id']);
  const expected = body['expected_version'];
  if (typeof expected === 'number' && expected !== record.version) {
    throw new FalconReplyError(
      409,
      `case ${record.id} is at version ${record.version}, not the expected ${expected}`,
    );
  }
  const fields = body['fields'] as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!UPDATABLE_FIELDS.has(key))
      throw badRequest(`unknown field "${key}" in fields; known fields: ${[...UPDATABLE_FIELDS].join(', ')}`);
  }
  if (fields['status'] !== undefined) checkStatus(fields['status'], 'fields.status');
  if (fields['severity'] !== undefined && !Number.isInteger(fields['severity']))
    throw badRequest('fields.severity must be an integer');
  for (const key of [
    'name',
    'description',
    'description_format',
    'description_tagged_users',
    'status',
    'severity',
    'severity_info',
    'access_tags',
    'template',
    'workflows',
  ] as const) {
    if (fields[key] !== undefined) record[key] = fields[key];
  }
  // falconjs sends every field of the model; an empty assignee means "unchanged", not "nobody".
  const assignee = fields['assigned_to_user_uuid'];
  if (typeof assignee === 'string' && assignee !== '') record['assigned_to'] = userFor(ctx, assignee);
  if (fields['remove_user_assignment'] === true) record['assigned_to'] = null;
  if (fields['custom_fields'] !== undefined) record['fields'] = fields['custom_fields'];
  if (record['status'] === 'closed') record['end_timestamp'] = toIso(ctx.nowMs);
  return touched(ctx, record);
}

function addAlertEvidence(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const record = existingCase(ctx, body['id']);
  linkAlerts(ctx, record, body['alerts'], 'body.alerts');
  return touched(ctx, record);
}

function addEventEvidence(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const record = existingCase(ctx, body['id']);
  for (const event of idList(body['events'], 'body.events')) {
    if (!record.evidence.events.records.some((e) => e.id === event.id)) {
      record.evidence.events.records.push(evidenceRecord(event.id));
    }
  }
  return touched(ctx, record);
}

function addTags(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const record = existingCase(ctx, body['id']);
  for (const tag of body['tags'] as string[]) if (!record.tags.includes(tag)) record.tags.push(tag);
  return touched(ctx, record);
}

function deleteTags(ctx: RouteContext): RouteResult {
  const record = existingCase(ctx, ctx.query.string('id'));
  const remove = new Set(ctx.query.list('tag'));
  record.tags = record.tags.filter((tag) => !remove.has(tag));
  return touched(ctx, record);
}

export const CASES_ROUTES: RouteTable = {
  'GET /cases/queries/cases/v1': (ctx) =>
    offsetPage(
      ctx,
      runQuery(ctx, ctx.state.cases, caseId, {
        defaultSort: 'created_timestamp|desc',
        q: ctx.query.string('q'),
      }),
      caseId,
    ),
  'POST /cases/entities/cases/v2': (ctx) => entitiesByIds(ctx.state.cases, requestIds(ctx)),
  'PUT /cases/entities/cases/v2': createCase,
  'PATCH /cases/entities/cases/v2': updateCase,
  'POST /cases/entities/alert-evidence/v1': addAlertEvidence,
  'POST /cases/entities/case-tags/v1': addTags,
  'DELETE /cases/entities/case-tags/v1': deleteTags,
  'POST /cases/entities/event-evidence/v1': addEventEvidence,
};
