/**
 * IOC Management (falcon-api.md §4.3): search/combined with offset-or-after paging (exclusive,
 * offset+limit <= 10,000, `after` tokens), get, create (201), update (by id or bulk filter),
 * delete (filter wins over ids), aggregate, and the fixed lookup lists.
 * Faithful: validation rules of §5.3, duplicate type+value rejected, type/value immutable.
 * Emulator choices (docs/emulator.md): a create or update with any invalid indicator changes
 * nothing (400 naming the first problem); a duplicate answers 400 with
 * "Duplicate type: '<type>' and value: '<value>' combination."; retrodetects and ignore_warnings are accepted and ignored.
 */
import { badRequest } from '../http/reply-error.ts';
import { aggregateSpecs, runAggregates } from '../query/aggregates.ts';
import { type Indicator, indicatorId, setSeverityNumber } from '../state/seed-iocs.ts';
import { IOC_ACTIONS, IOC_PLATFORMS, IOC_SEVERITIES, IOC_TYPES } from '../state/vocabulary.ts';
import { afterPage, bodyObject, entitiesByIds, requestIds, runQuery } from './common.ts';
import { checkIndicator, INDICATOR_FIELDS } from './ioc-rules.ts';
import { IOC_RAN_ON_ROUTES } from './iocs-ran-on.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const DEFAULT_SORT = 'created_on.desc';
const iocId = (i: Indicator) => i.id;

function search(ctx: RouteContext, view: (i: Indicator) => unknown): RouteResult {
  return afterPage(ctx, runQuery(ctx, ctx.state.indicators, iocId, { defaultSort: DEFAULT_SORT }), view);
}

function findDuplicate(
  ctx: RouteContext,
  type: string,
  value: string,
  exceptId?: string,
): Indicator | undefined {
  const wanted = value.toLowerCase();
  for (const ioc of ctx.state.indicators.values()) {
    if (ioc.type === type && ioc.value.toLowerCase() === wanted && ioc.id !== exceptId) return ioc;
  }
  return undefined;
}

function createIndicators(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const inputs = (body['indicators'] as Record<string, unknown>[] | undefined) ?? [];
  if (inputs.length === 0) throw badRequest('indicators must list at least one indicator');
  const seen = new Set<string>();
  const now = new Date(ctx.nowMs).toISOString();
  const created = inputs.map((input, i) => {
    const draft: Record<string, unknown> = structuredClone(input);
    checkIndicator(draft, `indicators[${i}]`, ctx.nowMs);
    const type = draft['type'] as string;
    const value = draft['value'] as string;
    const key = `${type}\u0000${value.toLowerCase()}`;
    if (seen.has(key) || findDuplicate(ctx, type, value)) {
      throw badRequest(`Duplicate type: '${type}' and value: '${value}' combination.`);
    }
    seen.add(key);
    return toIndicator(ctx, draft, now);
  });
  for (const indicator of created) ctx.state.indicators.put(indicator);
  ctx.recordWrite(created.map(iocId));
  return { resources: created };
}

function toIndicator(ctx: RouteContext, draft: Record<string, unknown>, now: string): Indicator {
  const type = draft['type'] as string;
  const value = draft['value'] as string;
  const indicator: Indicator = {
    id: indicatorId(ctx.state.cid, type, value, ++ctx.state.indicatorGeneration),
    type,
    value,
    action: draft['action'],
    mobile_action: draft['mobile_action'],
    severity: draft['severity'],
    platforms: draft['platforms'],
    host_groups: draft['host_groups'],
    applied_globally: draft['applied_globally'] === true,
    expiration: draft['expiration'] ?? null,
    expired: false,
    deleted: false,
    description: typeof draft['description'] === 'string' ? draft['description'] : '',
    source: typeof draft['source'] === 'string' ? draft['source'] : '',
    tags: Array.isArray(draft['tags']) ? draft['tags'] : [],
    from_parent: false,
    created_on: now,
    created_by: ctx.session.clientId,
    modified_on: now,
    modified_by: ctx.session.clientId,
    metadata: { filename: typeof draft['filename'] === 'string' ? draft['filename'] : '' },
  };
  setSeverityNumber(indicator);
  return indicator;
}

// An indicator's type and value are its identity: an update can change every other field.
const UPDATABLE = [...INDICATOR_FIELDS].filter((field) => field !== 'type' && field !== 'value');

/** Merges `changes` into a copy of `current` and validates the result; type and value are immutable. */
function mergeUpdate(
  ctx: RouteContext,
  current: Indicator,
  changes: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  for (const field of ['type', 'value'] as const) {
    if (changes[field] !== undefined && changes[field] !== current[field])
      throw badRequest(`${where}.${field} cannot be changed`);
  }
  const merged: Record<string, unknown> = { type: current.type, value: current.value };
  for (const field of UPDATABLE) {
    const value = field in changes ? changes[field] : current[field];
    if (value !== undefined && field !== 'metadata') merged[field] = value;
  }
  for (const key of Object.keys(changes)) {
    if (!UPDATABLE.includes(key) && !['id', 'type', 'value', 'filter', 'from_parent'].includes(key)) {
      throw badRequest(`unknown field "${key}" in ${where}`);
    }
  }
  checkIndicator(merged, where, ctx.nowMs);
  return merged;
}

function updateIndicators(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const byId = (body['indicators'] as Record<string, unknown>[] | undefined) ?? [];
  const bulk = body['bulk_update'] as Record<string, unknown> | undefined;
  if (byId.length === 0 && !bulk)
    throw badRequest('send indicators [{id, ...}] or bulk_update {filter, ...}');
  const plans: { target: Indicator; merged: Record<string, unknown> }[] = [];
  byId.forEach((changes, i) => {
    const id = changes['id'];
    if (typeof id !== 'string') throw badRequest(`indicators[${i}].id is required`);
    const target = ctx.state.indicators.get(id);
    if (!target) throw badRequest(`indicators[${i}].id "${id}" does not exist`);
    plans.push({ target, merged: mergeUpdate(ctx, target, changes, `indicators[${i}]`) });
  });
  if (bulk) {
    if (typeof bulk['filter'] !== 'string' || bulk['filter'].trim() === '')
      throw badRequest('bulk_update.filter is required');
    for (const target of runQuery(ctx, ctx.state.indicators, iocId, { filter: bulk['filter'] })) {
      plans.push({ target, merged: mergeUpdate(ctx, target, bulk, 'bulk_update') });
    }
  }
  const now = new Date(ctx.nowMs).toISOString();
  for (const { target, merged } of plans) {
    for (const field of UPDATABLE) if (field in merged && field !== 'filename') target[field] = merged[field];
    if (typeof merged['filename'] === 'string') target['metadata'] = { filename: merged['filename'] };
    target['modified_on'] = now;
    target['modified_by'] = ctx.session.clientId;
    setSeverityNumber(target);
  }
  ctx.state.indicators.touch();
  const ids = [...new Set(plans.map((p) => p.target.id))];
  ctx.recordWrite(ids);
  return { resources: ids.map((id) => ctx.state.indicators.get(id)) };
}

function deleteIndicators(ctx: RouteContext): RouteResult {
  const filter = ctx.query.string('filter');
  // §4.3.6: filter takes precedence over ids.
  const ids =
    filter !== undefined
      ? runQuery(ctx, ctx.state.indicators, iocId, { filter }).map(iocId)
      : requestIds(ctx);
  if (filter === undefined && ids.length === 0)
    throw badRequest('send ids or filter to choose the indicators to delete');
  const deleted = ids.filter((id) => ctx.state.indicators.delete(id));
  const missing = ids.filter((id) => !deleted.includes(id));
  ctx.recordWrite(deleted);
  const errors = missing.map((id) => ({ code: 404, message: `indicator ${id} not found`, id }));
  if (deleted.length === 0 && missing.length > 0) return { status: 404, resources: [], errors };
  return errors.length > 0 ? { resources: deleted, errors } : { resources: deleted };
}

function aggregate(ctx: RouteContext): RouteResult {
  const entities = runQuery(ctx, ctx.state.indicators, iocId);
  return { resources: runAggregates(ctx.state.indicators, entities, aggregateSpecs(ctx.body), ctx.nowMs) };
}

/** The fixed lists behind the ioc-types/platforms/severities/actions queries, paged by offset. */
function lookupList(values: readonly string[]): (ctx: RouteContext) => RouteResult {
  return (ctx) => {
    const offset = Number(ctx.query.string('offset') ?? '0');
    const limit = ctx.query.integer('limit') ?? 100;
    if (!Number.isInteger(offset) || offset < 0) throw badRequest('offset must be a non-negative integer');
    return {
      resources: values.slice(offset, offset + limit),
      pagination: { offset, limit, total: values.length },
    };
  };
}

function getActions(ctx: RouteContext): RouteResult {
  const ids = requestIds(ctx);
  const unknown = ids.filter((id) => !IOC_ACTIONS.includes(id));
  const resources = ids
    .filter((id) => IOC_ACTIONS.includes(id))
    .map((id) => ({
      id,
      platforms_by_type: Object.fromEntries(
        IOC_TYPES.map((t) => [
          t,
          t === 'sha256' || t === 'md5' ? ['windows', 'mac', 'linux'] : IOC_PLATFORMS,
        ]),
      ),
      severities: id === 'detect' || id === 'prevent' ? IOC_SEVERITIES : [],
    }));
  const errors = unknown.map((id) => ({ code: 404, message: `action ${id} not found`, id }));
  return errors.length > 0 ? { resources, errors } : { resources };
}

function report(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  return {
    resources: [
      {
        id: indicatorId(ctx.state.cid, 'report', String(ctx.nowMs), ++ctx.state.indicatorGeneration),
        report_format: body['report_format'],
        status: 'pending',
      },
    ],
  };
}

export const IOC_ROUTES: RouteTable = {
  'GET /iocs/queries/indicators/v1': (ctx) => search(ctx, iocId),
  'GET /iocs/combined/indicator/v1': (ctx) => search(ctx, (i) => i),
  'GET /iocs/entities/indicators/v1': (ctx) => entitiesByIds(ctx.state.indicators, requestIds(ctx)),
  'POST /iocs/entities/indicators/v1': createIndicators,
  'PATCH /iocs/entities/indicators/v1': updateIndicators,
  'DELETE /iocs/entities/indicators/v1': deleteIndicators,
  'POST /iocs/aggregates/indicators/v1': aggregate,
  'GET /iocs/queries/actions/v1': lookupList(IOC_ACTIONS),
  'GET /iocs/entities/actions/v1': getActions,
  'GET /iocs/queries/ioc-types/v1': lookupList(IOC_TYPES),
  'GET /iocs/queries/platforms/v1': lookupList(IOC_PLATFORMS),
  'GET /iocs/queries/severities/v1': lookupList(IOC_SEVERITIES),
  'POST /iocs/entities/indicators-reports/v1': report,
  ...IOC_RAN_ON_ROUTES,
};
