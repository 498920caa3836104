/**
 * Hosts (docs/hosts.md): device queries with FQL (hidden hosts leave them and only
 * QueryHiddenDevices lists them), a scroll query whose offset token expires after 2 minutes, the
 * combined query with `fields`, device details by id, online state, PerformActionV2 and grouping
 * tags. Containment moves through pending states on the emulator clock (state/devices.ts).
 * PerformActionV2 answers 202 with msa.ReplyAffectedEntities resources `{id, path}`; hosts already
 * in the asked state are accepted again but change nothing and are not written to the audit log.
 */
import { badRequest } from '../http/reply-error.ts';
import type { Device } from '../state/seed-devices.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const deviceId = (d: Device) => d.device_id;
const DEFAULT_SORT = 'device_id.asc';
/** The scroll token's lifetime (falconpy _hosts.py: "offset pointer which expires after 2 minutes"). */
const SCROLL_TOKEN_TTL_MS = 120_000;
const TAG_PREFIX = 'FalconGroupingTags/';

/** Visible (or hidden) devices matching the request's filter and sort, containment settled first. */
function matchingDevices(ctx: RouteContext, hidden: boolean): Device[] {
  ctx.state.hosts.settle(ctx.nowMs);
  return runQuery(ctx, ctx.state.devices, deviceId, { defaultSort: DEFAULT_SORT }).filter(
    (d) => ctx.state.hosts.isHidden(d.device_id) === hidden,
  );
}

function queryDevices(ctx: RouteContext): RouteResult {
  return offsetPage(ctx, matchingDevices(ctx, false), deviceId);
}

function queryHiddenDevices(ctx: RouteContext): RouteResult {
  return offsetPage(ctx, matchingDevices(ctx, true), deviceId);
}

/** Token paging: `offset` is an opaque token from the previous answer, `expires_at` when it lapses. */
function tokenPage(
  ctx: RouteContext,
  matches: readonly Device[],
  view: (d: Device) => unknown,
  ttlMs: number | undefined,
): RouteResult {
  const range = ctx.op.limit ?? { min: 1, max: 10000, default: 100 };
  const limit = ctx.query.integer('limit') ?? range.default;
  if (limit < range.min || limit > range.max)
    throw badRequest(`limit must be between ${range.min} and ${range.max} (got ${limit})`);
  const token = ctx.query.string('offset');
  const start = token === undefined || token === '' ? 0 : decodeToken(token, ctx.nowMs);
  const end = Math.min(start + limit, matches.length);
  const expiresMs = ttlMs === undefined ? undefined : ctx.nowMs + ttlMs;
  const pagination: Record<string, unknown> = {
    offset: encodeToken(end, expiresMs),
    limit,
    total: matches.length,
  };
  if (expiresMs !== undefined) pagination['expires_at'] = expiresMs * 1_000_000;
  return { resources: matches.slice(start, end).map(view), pagination };
}

function encodeToken(position: number, expiresMs: number | undefined): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position, e: expiresMs ?? 0 })).toString('base64url');
}

function decodeToken(token: string, nowMs: number): number {
  let parsed: { v?: unknown; p?: unknown; e?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const position = parsed?.p;
  if (parsed?.v !== 1 || typeof position !== 'number' || !Number.isInteger(position) || position < 0)
    throw badRequest(`invalid offset token "${token.slice(0, 40)}"`);
  if (typeof parsed.e === 'number' && parsed.e > 0 && parsed.e < nowMs)
    throw badRequest('the offset token has expired (scroll tokens live 2 minutes); start the query again');
  return position;
}

function queryDevicesScroll(ctx: RouteContext): RouteResult {
  return tokenPage(ctx, matchingDevices(ctx, false), deviceId, SCROLL_TOKEN_TTL_MS);
}

function combinedDevices(ctx: RouteContext): RouteResult {
  const fields = (ctx.query.string('fields') ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const view =
    fields.length === 0
      ? (d: Device) => d
      : (d: Device) => Object.fromEntries(fields.filter((f) => f in d).map((f) => [f, d[f]]));
  return tokenPage(ctx, matchingDevices(ctx, false), view, undefined);
}

function deviceDetails(ctx: RouteContext): RouteResult {
  ctx.state.hosts.settle(ctx.nowMs);
  return entitiesByIds(ctx.state.devices, requestIds(ctx));
}

function onlineState(ctx: RouteContext): RouteResult {
  const { hosts } = ctx.state;
  return entitiesByIds(ctx.state.devices, requestIds(ctx), (d) => ({
    id: d.device_id,
    cid: d['cid'],
    state: hosts.onlineState(d.device_id),
  }));
}

/** The devices of a write request; unknown ids are a 404 item each (all unknown: a 404 answer). */
function devicesOf(ctx: RouteContext, ids: readonly string[]) {
  const found: Device[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of ids) {
    const device = ctx.state.devices.get(id);
    if (device) found.push(device);
    else errors.push({ code: 404, message: `device ${id} not found`, id });
  }
  return { found, errors };
}

function performAction(ctx: RouteContext): RouteResult {
  const { hosts } = ctx.state;
  hosts.settle(ctx.nowMs);
  const action = (ctx.query.string('action_name') ?? '').toLowerCase();
  const ids = requestIds(ctx);
  if (ids.length === 0) throw badRequest('body.ids must list at least one device id');
  const { found, errors } = devicesOf(ctx, ids);
  if (found.length === 0) return { status: 404, resources: [], errors };
  const changed: string[] = [];
  for (const device of found) {
    const outcome =
      action === 'contain'
        ? hosts.contain(device, ctx.nowMs)
        : action === 'lift_containment'
          ? hosts.liftContainment(device, ctx.nowMs)
          : action === 'hide_host' || action === 'unhide_host'
            ? hosts.setHidden(device, action === 'hide_host', ctx.nowMs)
            : hosts.setSuppressed(device, action === 'detection_suppress', ctx.nowMs);
    if (outcome === 'changed') changed.push(device.device_id);
  }
  ctx.state.devices.touch();
  if (changed.length > 0) ctx.recordWrite(changed, action);
  return {
    resources: found.map((d) => ({ id: d.device_id, path: '' })),
    writes: changed.length,
    errors,
  };
}

function updateTags(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const action = String(body['action']).toLowerCase();
  const tags = (body['tags'] as unknown[]).map(String);
  const bad = tags.find((t) => !t.startsWith(TAG_PREFIX) || t.length === TAG_PREFIX.length);
  if (bad !== undefined) throw badRequest(`tag "${bad}" must have the form ${TAG_PREFIX}<name>`);
  const { found, errors } = devicesOf(ctx, requestIds(ctx, 'device_ids'));
  if (found.length === 0) return { status: 404, resources: [], errors };
  const changed: string[] = [];
  const resources = found.map((device) => {
    const current = (device['tags'] as string[] | undefined) ?? [];
    const next =
      action === 'add' ? [...new Set([...current, ...tags])] : current.filter((t) => !tags.includes(t));
    const updated = next.length !== current.length;
    if (updated) {
      device['tags'] = next;
      device['modified_timestamp'] = new Date(ctx.nowMs).toISOString();
      changed.push(device.device_id);
    }
    return { code: 200, device_id: device.device_id, updated };
  });
  ctx.state.devices.touch();
  if (changed.length > 0) ctx.recordWrite(changed, `tags_${action}`);
  return { resources, writes: changed.length, errors };
}

export const HOSTS_ROUTES: RouteTable = {
  'GET /devices/queries/devices/v1': queryDevices,
  'GET /devices/queries/devices-scroll/v1': queryDevicesScroll,
  'GET /devices/queries/devices-hidden/v1': queryHiddenDevices,
  'GET /devices/combined/devices/v1': combinedDevices,
  'GET /devices/entities/devices/v2': deviceDetails,
  'POST /devices/entities/devices/v2': deviceDetails,
  'POST /devices/entities/devices-actions/v2': performAction,
  'PATCH /devices/entities/devices/tags/v1': updateTags,
  'GET /devices/entities/online-state/v1': onlineState,
};
