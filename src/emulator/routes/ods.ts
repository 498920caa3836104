/**
 * On-demand scans (falcon-api.md §4.5): four queries (limit 1-500, default 500, the documented
 * default sorts), get by ids (404 when none is found), create scan (201, needs hosts or
 * host_groups), schedule scan (201, interval in days 0/1/7/14/28/30), cancel, delete scheduled
 * (ids required; soft delete: `deleted: true`, as the ScanProfile model and its `deleted` filter
 * term suggest), and the three aggregates.
 * Known gaps: scans never progress on their own (a created scan stays pending until cancelled).
 */
import { createHash } from 'node:crypto';
import { badRequest } from '../http/reply-error.ts';
import { aggregateSpecs, runAggregates } from '../query/aggregates.ts';
import type { Entity, EntityStore } from '../state/entity-store.ts';
import { toIso } from '../state/seed-context.ts';
import { type Scan, type ScheduledScan, defaultScanSettings, hostCounts } from '../state/seed-ods.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const INTERVALS = [0, 1, 7, 14, 28, 30];
const CANCELLABLE = new Set(['pending', 'running']);
const byId = (e: { id: string }) => e.id;

function query<T extends Entity & { id: string }>(
  store: (ctx: RouteContext) => EntityStore<T>,
  defaultSort: string,
) {
  return (ctx: RouteContext): RouteResult =>
    offsetPage(ctx, runQuery(ctx, store(ctx), byId, { defaultSort }), byId);
}

// ScanV2 carries metadata as a list of ids instead of objects (§6.6).
function scanV2(scan: Scan): unknown {
  const metadata = (scan['metadata'] as { scan_host_metadata_id?: string }[]).map(
    (m) => m.scan_host_metadata_id ?? '',
  );
  const { hosts_created: _created, rollup_version: _rollup, scan_scheduled_on: _scheduled, ...rest } = scan;
  return { ...rest, metadata };
}

function settingsFrom(body: Record<string, unknown>): Record<string, unknown> {
  const settings = defaultScanSettings();
  for (const key of Object.keys(settings)) if (body[key] !== undefined) settings[key] = body[key];
  return settings;
}

function createScan(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const hosts = (body['hosts'] as string[] | undefined) ?? [];
  const hostGroups = (body['host_groups'] as string[] | undefined) ?? [];
  if (hosts.length === 0 && hostGroups.length === 0) throw badRequest('a scan needs hosts or host_groups');
  const unknownHost = hosts.find((aid) => !ctx.state.devices.has(aid));
  if (unknownHost) throw badRequest(`hosts: unknown host ${unknownHost}`);
  const now = toIso(ctx.nowMs);
  const id = idFor(ctx, 'scan');
  const scan: Scan = {
    id,
    cid: ctx.session.cid,
    profile_id: '',
    description: typeof body['description'] === 'string' ? body['description'] : '',
    initiated_from: typeof body['initiated_from'] === 'string' ? body['initiated_from'] : 'falcon_api',
    created_on: now,
    created_by: ctx.session.clientId,
    last_updated: now,
    status: 'pending',
    scan_scheduled_on: now,
    scan_started_on: '',
    scan_completed_on: '',
    hosts,
    host_groups: hostGroups,
    targeted_platforms: [
      ...new Set(hosts.map((aid) => String(ctx.state.devices.get(aid)?.platform_name ?? '').toLowerCase())),
    ],
    ...settingsFrom(body),
    severity: 0,
    filecount: { scanned: 0, malicious: 0, quarantined: 0, skipped: 0, traversed: 0 },
    ...hostCounts(hosts.length, 'pending', 0),
    metadata: hosts.map((aid) => ({ host_id: aid, status: 'pending', last_updated: now })),
    hosts_created: true,
    rollup_version: 1,
  };
  ctx.state.scans.put(scan);
  ctx.recordWrite([id]);
  return { resources: [scan] };
}

function scheduleScan(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const schedule = body['schedule'] as Record<string, unknown>;
  if (
    typeof schedule['start_timestamp'] !== 'string' ||
    Number.isNaN(Date.parse(schedule['start_timestamp']))
  ) {
    throw badRequest('schedule.start_timestamp must be a date-time such as 2026-12-01T10:00');
  }
  if (!INTERVALS.includes(schedule['interval'] as number)) {
    throw badRequest(
      `schedule.interval must be one of ${INTERVALS.join(', ')} (days; got ${JSON.stringify(schedule['interval'])})`,
    );
  }
  const hostGroups = (body['host_groups'] as string[] | undefined) ?? [];
  if (hostGroups.length === 0) throw badRequest('a scheduled scan needs host_groups');
  const now = toIso(ctx.nowMs);
  const id = idFor(ctx, 'profile');
  const profile: ScheduledScan = {
    id,
    cid: ctx.session.cid,
    deleted: false,
    status: 'active',
    channel_file_status: 0,
    description: typeof body['description'] === 'string' ? body['description'] : '',
    initiated_from: typeof body['initiated_from'] === 'string' ? body['initiated_from'] : 'cloud_scheduled',
    created_on: now,
    created_by: ctx.session.clientId,
    last_updated: now,
    schedule: {
      start_timestamp: schedule['start_timestamp'],
      interval: schedule['interval'],
      ignored_by_channelfile: schedule['ignored_by_channelfile'] === true,
    },
    host_groups: hostGroups,
    hosts: [],
    targeted_host_count: 0,
    targeted_platforms: [],
    max_file_size: typeof body['max_file_size'] === 'number' ? body['max_file_size'] : 60,
    ...settingsFrom(body),
    metadata: [],
  };
  ctx.state.scheduledScans.put(profile);
  ctx.recordWrite([id]);
  return { resources: [profile] };
}

function deleteScheduled(ctx: RouteContext): RouteResult {
  const ids = requestIds(ctx);
  const filter = ctx.query.string('filter');
  const allowed =
    filter === undefined
      ? undefined
      : new Set(runQuery(ctx, ctx.state.scheduledScans, byId, { filter }).map(byId));
  const deleted: string[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of ids) {
    const profile = ctx.state.scheduledScans.get(id);
    if (!profile || profile.deleted)
      errors.push({ code: 404, message: `scheduled scan ${id} not found`, id });
    else if (allowed && !allowed.has(id))
      errors.push({ code: 400, message: `scheduled scan ${id} does not match the filter`, id });
    else {
      profile.deleted = true;
      profile['status'] = 'deleted';
      profile['last_updated'] = toIso(ctx.nowMs);
      deleted.push(id);
    }
  }
  if (deleted.length > 0) ctx.state.scheduledScans.touch();
  ctx.recordWrite(deleted);
  if (deleted.length === 0 && errors.length > 0) return { status: 404, resources: [], errors };
  return errors.length > 0 ? { resources: deleted, errors } : { resources: deleted };
}

function cancelScans(ctx: RouteContext): RouteResult {
  const cancelled: string[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of requestIds(ctx)) {
    const scan = ctx.state.scans.get(id);
    if (!scan) errors.push({ code: 404, message: `scan ${id} not found`, id });
    else if (!CANCELLABLE.has(scan.status))
      errors.push({ code: 400, message: `scan ${id} is ${scan.status} and cannot be cancelled`, id });
    else {
      scan.status = 'cancelled';
      scan['last_updated'] = toIso(ctx.nowMs);
      Object.assign(scan, hostCounts(scan.hosts.length, 'cancelled', 0));
      for (const host of ctx.state.scanHosts.values()) if (host.scan_id === id) host['status'] = 'cancelled';
      cancelled.push(id);
    }
  }
  if (cancelled.length > 0) {
    ctx.state.scans.touch();
    ctx.state.scanHosts.touch();
  }
  ctx.recordWrite(cancelled);
  if (cancelled.length === 0 && errors.every((e) => e.code === 404) && errors.length > 0)
    return { status: 404, resources: [], errors };
  return errors.length > 0 ? { resources: cancelled, errors } : { resources: cancelled };
}

function aggregate<T extends Entity>(store: (ctx: RouteContext) => EntityStore<T>) {
  return (ctx: RouteContext): RouteResult => {
    const target = store(ctx);
    return { resources: runAggregates(target, [...target.values()], aggregateSpecs(ctx.body), ctx.nowMs) };
  };
}

// New ids are 32 hex like the real ones, derived from a counter so a run is reproducible.
function idFor(ctx: RouteContext, kind: string): string {
  return createHash('md5')
    .update(`${ctx.state.cid}:${kind}:${++ctx.state.indicatorGeneration}`)
    .digest('hex');
}

export const ODS_ROUTES: RouteTable = {
  'GET /ods/queries/scans/v1': query((ctx) => ctx.state.scans, 'created_on|desc'),
  'GET /ods/queries/scheduled-scans/v1': query(
    (ctx) => ctx.state.scheduledScans,
    'schedule.start_timestamp|desc',
  ),
  'GET /ods/queries/scan-hosts/v1': query((ctx) => ctx.state.scanHosts, 'last_updated|desc'),
  'GET /ods/queries/malicious-files/v1': query((ctx) => ctx.state.maliciousFiles, 'last_updated|desc'),
  'GET /ods/entities/scans/v1': (ctx) => entitiesByIds(ctx.state.scans, requestIds(ctx)),
  'GET /ods/entities/scans/v2': (ctx) => entitiesByIds(ctx.state.scans, requestIds(ctx), scanV2),
  'GET /ods/entities/scheduled-scans/v1': (ctx) => entitiesByIds(ctx.state.scheduledScans, requestIds(ctx)),
  'GET /ods/entities/scan-hosts/v1': (ctx) => entitiesByIds(ctx.state.scanHosts, requestIds(ctx)),
  'GET /ods/entities/malicious-files/v1': (ctx) => entitiesByIds(ctx.state.maliciousFiles, requestIds(ctx)),
  'POST /ods/entities/scans/v1': createScan,
  'POST /ods/entities/scheduled-scans/v1': scheduleScan,
  'DELETE /ods/entities/scheduled-scans/v1': deleteScheduled,
  'POST /ods/entities/scan-control-actions/cancel/v1': cancelScans,
  'POST /ods/aggregates/scans/v1': aggregate((ctx) => ctx.state.scans),
  'POST /ods/aggregates/scheduled-scans/v1': aggregate((ctx) => ctx.state.scheduledScans),
  'POST /ods/aggregates/scan-hosts/v1': aggregate((ctx) => ctx.state.scanHosts),
};
