/**
 * Alerts (docs/falcon-successors.md), the successor of Detects. Endpoint alerts are the seeded
 * detections seen through the alert model (product 'epp'): PATCH here changes the detection, and
 * Detects PATCH shows here. `include_hidden=false` leaves out alerts with show_in_ui false.
 * Actions of PatchEntitiesAlertsV3: add_tag, remove_tag, remove_tags_by_prefix (removals first),
 * append_comment, assign_to_name, assign_to_user_id, assign_to_uuid, unassign,
 * new_behavior_processed, update_status (new|in_progress|reopened|closed), show_in_ui (true|false).
 */
import { badRequest } from '../http/reply-error.ts';
import { aggregateSpecs, runAggregates } from '../query/aggregates.ts';
import { type AlertView, type AnyAlert, detectionIdOfComposite } from '../state/alert-views.ts';
import type { EmulatorState } from '../state/emulator-state.ts';
import { ALERT_ACTION_NAMES, ALERT_STATUS_VALUES } from '../../falcon/operations/index.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery, tokenPage } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const alertId = (a: AnyAlert) => String(a['composite_id']);
const REMOVALS = new Set(['remove_tag', 'remove_tags_by_prefix']);

function visible(ctx: RouteContext): (alert: AnyAlert) => boolean {
  // The older versions have no include_hidden: they always include hidden alerts.
  const includeHidden = ctx.query.boolean('include_hidden') ?? true;
  return (alert) => includeHidden || alert['show_in_ui'] !== false;
}

function queryAlerts(ctx: RouteContext): RouteResult {
  const matches = runQuery(ctx, ctx.state.alerts(), alertId, {
    defaultSort: 'timestamp|desc',
    q: ctx.query.string('q'),
  });
  const shown = visible(ctx);
  return offsetPage(ctx, matches.every(shown) ? matches : matches.filter(shown), alertId);
}

function getAlerts(ctx: RouteContext): RouteResult {
  const store = ctx.state.alerts();
  const shown = visible(ctx);
  const ids = requestIds(ctx).filter((id) => {
    const alert = store.get(id);
    return !alert || shown(alert);
  });
  return entitiesByIds(store, ids);
}

interface AlertAction {
  name: string;
  value: string;
}

function parseActions(body: Record<string, unknown>): AlertAction[] {
  const raw = body['action_parameters'];
  if (!Array.isArray(raw) || raw.length === 0)
    throw badRequest('action_parameters must list at least one {name, value}');
  const actions = raw.map((item, i) => {
    const entry = item as Record<string, unknown>;
    const name = entry['name'];
    if (typeof name !== 'string' || !(ALERT_ACTION_NAMES as readonly string[]).includes(name)) {
      throw badRequest(
        `action_parameters[${i}].name must be one of ${ALERT_ACTION_NAMES.join(', ')} (got ${JSON.stringify(name)})`,
      );
    }
    const value = entry['value'] === undefined || entry['value'] === null ? '' : entry['value'];
    if (typeof value !== 'string') throw badRequest(`action_parameters[${i}].value must be a string`);
    if (name === 'update_status' && !(ALERT_STATUS_VALUES as readonly string[]).includes(value)) {
      throw badRequest(
        `action_parameters[${i}] update_status value must be one of ${ALERT_STATUS_VALUES.join(', ')} (got "${value}")`,
      );
    }
    if (name === 'show_in_ui' && value !== 'true' && value !== 'false') {
      throw badRequest(`action_parameters[${i}] show_in_ui value must be "true" or "false"`);
    }
    if (value === '' && name !== 'unassign')
      throw badRequest(`action_parameters[${i}] (${name}) needs a value`);
    return { name, value };
  });
  // The spec: when one request adds and removes tags, removals are applied first.
  return [...actions.filter((a) => REMOVALS.has(a.name)), ...actions.filter((a) => !REMOVALS.has(a.name))];
}

function patchAlerts(ctx: RouteContext): RouteResult {
  const actions = parseActions(bodyObject(ctx));
  const store = ctx.state.alerts();
  const ids = requestIds(ctx);
  const missing = ids.filter((id) => !store.has(id));
  if (missing.length > 0)
    throw badRequest(
      `unknown composite_ids: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  const detectionIds: string[] = [];
  for (const id of ids) {
    const detectionId = detectionIdOfComposite(id);
    if (detectionId && ctx.state.detections.has(detectionId)) {
      applyToDetection(ctx.state, detectionId, actions, ctx.nowMs);
      detectionIds.push(detectionId);
    } else {
      applyToView(ctx.state, store.get(id) as AlertView, actions, ctx.nowMs);
    }
  }
  ctx.state.detectionsChanged(detectionIds);
  store.touch();
  ctx.recordWrite(ids);
  return { resources: [], writes: ids.length };
}

function applyToDetection(
  state: EmulatorState,
  detectionId: string,
  actions: readonly AlertAction[],
  nowMs: number,
): void {
  const detection = state.detections.get(detectionId);
  if (!detection) return;
  const extras = state.extrasFor(detectionId);
  for (const { name, value } of actions) {
    if (applyTagAction(extras.tags, name, value)) continue;
    switch (name) {
      case 'append_comment':
        state.comments.set(detectionId, [...(state.comments.get(detectionId) ?? []), value]);
        break;
      case 'assign_to_name':
        detection['assigned_to_name'] = value;
        break;
      case 'assign_to_user_id':
        extras.assignedToUserId = value;
        break;
      case 'assign_to_uuid':
        detection['assigned_to_uid'] = value;
        detection['assigned_to_name'] =
          state.analysts.find((a) => a.uid === value)?.name ?? detection['assigned_to_name'] ?? '';
        break;
      case 'unassign':
        delete detection['assigned_to_uid'];
        delete detection['assigned_to_name'];
        extras.assignedToUserId = '';
        break;
      case 'new_behavior_processed': {
        const processed = detection['behaviors_processed'] as string[];
        if (!processed.includes(value)) processed.push(value);
        break;
      }
      case 'update_status':
        detection.status = value;
        break;
      case 'show_in_ui':
        detection['show_in_ui'] = value === 'true';
        break;
    }
  }
  detection['date_updated'] = new Date(nowMs).toISOString();
}

function applyToView(
  state: EmulatorState,
  alert: AlertView,
  actions: readonly AlertAction[],
  nowMs: number,
): void {
  for (const { name, value } of actions) {
    if (applyTagAction(alert.tags, name, value)) continue;
    if (name === 'update_status') alert.status = value;
    else if (name === 'show_in_ui') alert['show_in_ui'] = value === 'true';
    else if (name === 'assign_to_name') alert['assigned_to_name'] = value;
    else if (name === 'assign_to_uuid') alert['assigned_to_uuid'] = value;
    else if (name === 'assign_to_user_id') alert['assigned_to_uid'] = value;
    else if (name === 'unassign')
      Object.assign(alert, { assigned_to_name: '', assigned_to_uuid: '', assigned_to_uid: '' });
    else if (name === 'append_comment')
      state.comments.set(alert.composite_id, [...(state.comments.get(alert.composite_id) ?? []), value]);
  }
  alert['updated_timestamp'] = new Date(nowMs).toISOString();
}

/** Applies a tag action to a tag list in place; false when the action is not about tags. */
function applyTagAction(tags: string[], name: string, value: string): boolean {
  if (name === 'add_tag') {
    if (!tags.includes(value)) tags.push(value);
  } else if (name === 'remove_tag') {
    tags.splice(0, tags.length, ...tags.filter((t) => t !== value));
  } else if (name === 'remove_tags_by_prefix') {
    tags.splice(0, tags.length, ...tags.filter((t) => !t.startsWith(value)));
  } else {
    return false;
  }
  return true;
}

function aggregateAlerts(ctx: RouteContext): RouteResult {
  const store = ctx.state.alerts();
  const shown = visible(ctx);
  const alerts = [...store.values()].filter(shown);
  return { resources: runAggregates(store, alerts, aggregateSpecs(ctx.body), ctx.nowMs) };
}

/** PostCombinedAlertsV1: filter, sort, limit and the after token travel in the body. */
function combinedAlerts(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const matches = runQuery(ctx, ctx.state.alerts(), alertId, {
    defaultSort: 'created_timestamp|desc',
    filter: body['filter'] as string | undefined,
    sort: body['sort'] as string | undefined,
  });
  const limit = (body['limit'] as number | undefined) ?? ctx.op.limit?.default ?? 100;
  // Epp alerts serialize themselves (toJSON), as in the v2 get route.
  return tokenPage(matches, (alert) => alert, body['after'] as string | undefined, limit);
}

export const ALERTS_ROUTES: RouteTable = {
  'GET /alerts/queries/alerts/v1': queryAlerts,
  'POST /alerts/entities/alerts/v1': getAlerts,
  'PATCH /alerts/entities/alerts/v2': patchAlerts,
  'POST /alerts/aggregates/alerts/v1': aggregateAlerts,
  'POST /alerts/combined/alerts/v1': combinedAlerts,
  'GET /alerts/queries/alerts/v2': queryAlerts,
  'POST /alerts/entities/alerts/v2': getAlerts,
  'PATCH /alerts/entities/alerts/v3': patchAlerts,
  'POST /alerts/aggregates/alerts/v2': aggregateAlerts,
};
