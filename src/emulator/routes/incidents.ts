/**
 * Incidents (falcon-api.md §4.2): query/get incidents and behaviors, CrowdScore, and
 * PerformIncidentAction with every action name the SDKs use. `update_status` takes the strings
 * "20"/"25"/"30"/"40" and keeps `state` in step (closed <-> 40). With `update_detects=true` the
 * incident's detections (linked through its behaviors) get the new status/assignee; without
 * `overwrite_detects` only detections still at their default (status new, unassigned) change.
 * Known gaps: 409 is never produced by state (inject it as a fault to test conflict handling).
 */
import { badRequest } from '../http/reply-error.ts';
import type { EmulatorState } from '../state/emulator-state.ts';
import type { CrowdScore, Incident, IncidentBehavior } from '../state/seed-incidents.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery } from './common.ts';
import { type DetectionUpdate, applyDetectionUpdate } from './detects.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const incidentId = (i: Incident) => i.incident_id;
const behaviorId = (b: IncidentBehavior) => b.behavior_id;
const scoreId = (c: CrowdScore) => c.id;

const STATUS_TO_DETECTION: Readonly<Record<number, string>> = {
  20: 'new',
  25: 'reopened',
  30: 'in_progress',
  40: 'closed',
};
const VALUELESS_ACTIONS = new Set(['unassign']);

function queryIncidents(ctx: RouteContext): RouteResult {
  return offsetPage(
    ctx,
    runQuery(ctx, ctx.state.incidents, incidentId, { defaultSort: 'start.desc' }),
    incidentId,
  );
}

function queryBehaviors(ctx: RouteContext): RouteResult {
  return offsetPage(
    ctx,
    runQuery(ctx, ctx.state.incidentBehaviors, behaviorId, { defaultSort: 'timestamp.desc' }),
    behaviorId,
  );
}

function crowdScore(ctx: RouteContext): RouteResult {
  return offsetPage(
    ctx,
    runQuery(ctx, ctx.state.crowdScores, scoreId, { defaultSort: 'timestamp.desc' }),
    (c) => c,
  );
}

interface ActionParameter {
  name: string;
  value: string | undefined;
}

function parseActions(body: Record<string, unknown>): ActionParameter[] {
  const raw = body['action_parameters'];
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest('action_parameters must list at least one {name, value}');
  return raw.map((item, i) => {
    const entry = item as Record<string, unknown>;
    const name = entry['name'];
    if (typeof name !== 'string' || name === '') throw badRequest(`action_parameters[${i}].name is required`);
    const value = entry['value'];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw badRequest(`action_parameters[${i}].value must be a string`);
    }
    if ((value === undefined || value === null || value === '') && !VALUELESS_ACTIONS.has(name)) {
      throw badRequest(`action_parameters[${i}] (${name}) needs a value`);
    }
    return { name, value: typeof value === 'string' ? value : undefined };
  });
}

/** Applies one action to an incident; returns the detection update it implies for update_detects. */
function applyAction(
  state: Pick<EmulatorState, 'analysts' | 'comments'>,
  incident: Incident,
  action: ActionParameter,
  index: number,
  out: DetectionUpdate,
): void {
  const value = action.value ?? '';
  switch (action.name) {
    case 'add_tag':
      if (!incident.tags.includes(value)) incident.tags.push(value);
      return;
    case 'delete_tag':
      incident.tags = incident.tags.filter((tag) => tag !== value);
      return;
    case 'update_name':
      incident['name'] = value;
      return;
    case 'update_description':
      incident['description'] = value;
      return;
    case 'update_status':
    case 'close_with_descriptor': {
      const status = action.name === 'close_with_descriptor' ? 40 : Number(value);
      if (!(status in STATUS_TO_DETECTION)) {
        throw badRequest(
          `action_parameters[${index}] update_status value must be "20", "25", "30" or "40" (got "${value}")`,
        );
      }
      incident.status = status;
      incident.state = status === 40 ? 'closed' : 'open';
      out.status = STATUS_TO_DETECTION[status] as string;
      return;
    }
    case 'update_assigned_to_v2':
    case 'update_assigned_to':
      incident['assigned_to'] = value;
      incident['assigned_to_name'] = state.analysts.find((a) => a.uid === value)?.name ?? '';
      out.assignedToUuid = value;
      return;
    case 'update_assigned_to_name':
      incident['assigned_to_name'] = value;
      return;
    case 'unassign':
      delete incident['assigned_to'];
      delete incident['assigned_to_name'];
      out.assignedToUuid = '';
      return;
    case 'add_comment': {
      const comments = state.comments.get(incident.incident_id) ?? [];
      comments.push(value);
      state.comments.set(incident.incident_id, comments);
      return;
    }
    default:
      throw badRequest(`action_parameters[${index}].name "${action.name}" is not an incident action`);
  }
}

function performAction(ctx: RouteContext): RouteResult {
  const { state } = ctx;
  const body = bodyObject(ctx);
  const actions = parseActions(body);
  const ids = requestIds(ctx);
  const incidents = ids.map((id) => state.incidents.get(id));
  const missing = ids.filter((_, i) => !incidents[i]);
  if (missing.length > 0)
    throw badRequest(
      `unknown incident ids: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  // Validate every action on a throwaway copy first, so a bad action changes nothing.
  for (const incident of incidents as Incident[]) {
    const probe = structuredClone(incident);
    for (const [i, action] of actions.entries()) {
      applyAction({ analysts: state.analysts, comments: new Map() }, probe, action, i, {});
    }
  }
  const detectionUpdate: DetectionUpdate = {};
  for (const incident of incidents as Incident[]) {
    for (const [i, action] of actions.entries()) applyAction(state, incident, action, i, detectionUpdate);
    incident['modified_timestamp'] = new Date(ctx.nowMs).toISOString();
  }
  state.incidents.touch();
  const result = ctx.query.boolean('update_detects')
    ? updateLinkedDetections(ctx, incidents as Incident[], detectionUpdate)
    : { updated: [], unchanged: [] };
  ctx.recordWrite([...ids, ...result.updated]);
  return {
    resources: [{ detections_updated: result.updated, detections_unchanged: result.unchanged }],
    writes: ids.length,
  };
}

function updateLinkedDetections(
  ctx: RouteContext,
  incidents: readonly Incident[],
  update: DetectionUpdate,
): { updated: string[]; unchanged: string[] } {
  const { state } = ctx;
  const overwrite = ctx.query.boolean('overwrite_detects') ?? false;
  const linked = [...new Set(incidents.flatMap((i) => state.detectionIdsOfIncident(i.incident_id)))];
  if (update.status === undefined && update.assignedToUuid === undefined)
    return { updated: [], unchanged: linked };
  const eligible = linked.filter((id) => {
    const detection = state.detections.get(id);
    return (
      detection !== undefined && (overwrite || (detection.status === 'new' && !detection['assigned_to_uid']))
    );
  });
  const { changed } = applyDetectionUpdate(state, eligible, update, ctx.nowMs);
  return { updated: changed, unchanged: linked.filter((id) => !changed.includes(id)) };
}

export const INCIDENTS_ROUTES: RouteTable = {
  'GET /incidents/queries/incidents/v1': queryIncidents,
  'POST /incidents/entities/incidents/GET/v1': (ctx) => entitiesByIds(ctx.state.incidents, requestIds(ctx)),
  'GET /incidents/queries/behaviors/v1': queryBehaviors,
  'POST /incidents/entities/behaviors/GET/v1': (ctx) =>
    entitiesByIds(ctx.state.incidentBehaviors, requestIds(ctx)),
  'POST /incidents/entities/incident-actions/v1': performAction,
  'GET /incidents/combined/crowdscores/v1': crowdScore,
};
