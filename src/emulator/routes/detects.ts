/**
 * Detects (falcon-api.md §4.1): query, summaries, PATCH update, aggregates.
 * Faithful: offset paging with the 0-9999 limit, FQL and `q`, sort with `|` or `.`, 1000-id caps,
 * "comment needs status or show_in_ui" (400), meta.writes on PATCH. Detections are shared with the
 * Alerts routes (an endpoint detection is an alert with product 'epp').
 * Known gaps: comments are kept per detection but the summary model has no field to show them;
 * new_behaviors_processed is appended to behaviors_processed without checking the ids.
 */
import { runAggregates, aggregateSpecs } from '../query/aggregates.ts';
import { badRequest } from '../http/reply-error.ts';
import type { Detection } from '../state/seed-detections.ts';
import type { EmulatorState } from '../state/emulator-state.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const DEFAULT_SORT = 'last_behavior|desc';
const detectionId = (d: Detection) => d.detection_id;

function queryDetects(ctx: RouteContext): RouteResult {
  const matches = runQuery(ctx, ctx.state.detections, detectionId, {
    defaultSort: DEFAULT_SORT,
    q: ctx.query.string('q'),
  });
  return offsetPage(ctx, matches, detectionId);
}

function getSummaries(ctx: RouteContext): RouteResult {
  return entitiesByIds(ctx.state.detections, requestIds(ctx));
}

/** The fields of a detection update, validated. */
export interface DetectionUpdate {
  status?: string;
  assignedToUuid?: string;
  showInUi?: boolean;
  comment?: string;
  newBehaviorsProcessed?: string[];
}

function updateDetects(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const update: DetectionUpdate = {};
  if (typeof body['status'] === 'string') update.status = body['status'].toLowerCase();
  if (typeof body['assigned_to_uuid'] === 'string') update.assignedToUuid = body['assigned_to_uuid'];
  if (typeof body['show_in_ui'] === 'boolean') update.showInUi = body['show_in_ui'];
  if (typeof body['comment'] === 'string') update.comment = body['comment'];
  if (Array.isArray(body['new_behaviors_processed']))
    update.newBehaviorsProcessed = body['new_behaviors_processed'] as string[];
  if (Object.keys(update).length === 0) {
    throw badRequest(
      'nothing to update: send status, assigned_to_uuid, show_in_ui, comment or new_behaviors_processed',
    );
  }
  // falcon-api.md §4.1.3 / §9.12: the API rejects a comment on its own.
  if (update.comment !== undefined && update.status === undefined && update.showInUi === undefined) {
    throw badRequest('comment requires status or show_in_ui in the same request');
  }
  const ids = requestIds(ctx);
  const { changed, errors } = applyDetectionUpdate(ctx.state, ids, update, ctx.nowMs);
  ctx.recordWrite(changed);
  return errors.length > 0
    ? { resources: [], writes: changed.length, errors }
    : { resources: [], writes: changed.length };
}

/** Applies an update to detections by id; shared with the Alerts and Incidents (update_detects) routes. */
export function applyDetectionUpdate(
  state: EmulatorState,
  ids: readonly string[],
  update: DetectionUpdate,
  nowMs: number,
): { changed: string[]; errors: { code: number; message: string; id: string }[] } {
  const changed: string[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of ids) {
    const detection = state.detections.get(id);
    if (!detection) {
      errors.push({ code: 404, message: `detection ${id} not found`, id });
      continue;
    }
    applyToDetection(state, detection, update, nowMs);
    changed.push(id);
  }
  if (changed.length > 0) state.detectionsChanged(changed);
  return { changed, errors };
}

function applyToDetection(
  state: EmulatorState,
  detection: Detection,
  update: DetectionUpdate,
  nowMs: number,
): void {
  if (update.status !== undefined) detection.status = update.status;
  if (update.showInUi !== undefined) detection['show_in_ui'] = update.showInUi;
  if (update.assignedToUuid !== undefined) {
    detection['assigned_to_uid'] = update.assignedToUuid;
    detection['assigned_to_name'] = state.analysts.find((a) => a.uid === update.assignedToUuid)?.name ?? '';
  }
  if (update.comment !== undefined) {
    const comments = state.comments.get(detection.detection_id) ?? [];
    comments.push(update.comment);
    state.comments.set(detection.detection_id, comments);
  }
  if (update.newBehaviorsProcessed) {
    const processed = detection['behaviors_processed'] as string[];
    for (const item of update.newBehaviorsProcessed) if (!processed.includes(item)) processed.push(item);
  }
  detection['date_updated'] = new Date(nowMs).toISOString();
}

function aggregateDetects(ctx: RouteContext): RouteResult {
  const all = [...ctx.state.detections.values()];
  return { resources: runAggregates(ctx.state.detections, all, aggregateSpecs(ctx.body), ctx.nowMs) };
}

export const DETECTS_ROUTES: RouteTable = {
  'GET /detects/queries/detects/v1': queryDetects,
  'POST /detects/entities/summaries/GET/v1': getSummaries,
  'PATCH /detects/entities/detects/v2': updateDetects,
  'POST /detects/aggregates/detects/GET/v1': aggregateDetects,
};
