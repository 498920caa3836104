/**
 * "Which hosts and processes saw this indicator" (falcon-api.md §4.3.8-10 and the legacy §4.4
 * routes): device counts, device ids, process ids and process details, computed from the seeded
 * detections' behaviors (their sha256/md5 and triggering process ids). The index is rebuilt when the
 * detections change. Domain and IP indicators never match: seeded behaviors carry file hashes only.
 */
import { badRequest } from '../http/reply-error.ts';
import type { EmulatorState } from '../state/emulator-state.ts';
import { checkTypeValue } from './ioc-rules.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

interface ProcessRecord {
  device_id: string;
  file_name: string;
  command_line: string;
  start_timestamp: string;
}

interface HashIndex {
  version: number;
  devicesByHash: Map<string, Set<string>>;
  processesByHostHash: Map<string, string[]>;
  processes: Map<string, ProcessRecord>;
}

const indexes = new WeakMap<EmulatorState, HashIndex>();

function hashIndex(state: EmulatorState): HashIndex {
  const cached = indexes.get(state);
  if (cached && cached.version === state.detections.version) return cached;
  const index: HashIndex = {
    version: state.detections.version,
    devicesByHash: new Map(),
    processesByHostHash: new Map(),
    processes: new Map(),
  };
  for (const behavior of state.detectionBehaviors()) {
    const aid = behavior['device_id'] as string;
    const pid = behavior['triggering_process_graph_id'] as string;
    for (const hash of [behavior.sha256, behavior['md5'] as string]) {
      const devices = index.devicesByHash.get(hash) ?? new Set<string>();
      devices.add(aid);
      index.devicesByHash.set(hash, devices);
      const key = `${aid}|${hash}`;
      index.processesByHostHash.set(key, [...(index.processesByHostHash.get(key) ?? []), pid]);
    }
    index.processes.set(pid, {
      device_id: aid,
      file_name: behavior['filename'] as string,
      command_line: behavior['cmdline'] as string,
      start_timestamp: behavior.timestamp,
    });
  }
  indexes.set(state, index);
  return index;
}

function typeValue(ctx: RouteContext): { type: string; value: string } {
  const type = ctx.query.string('type') ?? '';
  const value = ctx.query.string('value') ?? '';
  checkTypeValue(type, value, 'query');
  return { type, value: type === 'sha256' || type === 'md5' ? value.toLowerCase() : value };
}

// These routes send offset and limit as strings (§2.5); both must still be numbers.
function stringPage(ctx: RouteContext, items: readonly string[]): RouteResult {
  const offset = Number(ctx.query.string('offset') ?? '0');
  const limit = Number(ctx.query.string('limit') ?? '100');
  if (!Number.isInteger(offset) || offset < 0) throw badRequest('offset must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw badRequest('limit must be an integer from 1 to 10000');
  return {
    resources: items.slice(offset, offset + limit),
    pagination: { limit, offset: String(offset), total: items.length },
  };
}

function deviceCount(ctx: RouteContext): RouteResult {
  const { type, value } = typeValue(ctx);
  const count = hashIndex(ctx.state).devicesByHash.get(value)?.size ?? 0;
  return { resources: [{ id: `${type}:${value}`, type, value, device_count: count, limit_exceeded: false }] };
}

function devicesRanOn(ctx: RouteContext): RouteResult {
  const { value } = typeValue(ctx);
  return stringPage(ctx, [...(hashIndex(ctx.state).devicesByHash.get(value) ?? [])].sort());
}

function processesRanOn(ctx: RouteContext): RouteResult {
  const { value } = typeValue(ctx);
  const deviceId = ctx.query.string('device_id') ?? '';
  return stringPage(ctx, hashIndex(ctx.state).processesByHostHash.get(`${deviceId}|${value}`) ?? []);
}

function processDetails(ctx: RouteContext): RouteResult {
  const index = hashIndex(ctx.state);
  const resources: unknown[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of ctx.query.list('ids')) {
    const record = index.processes.get(id);
    if (!record) {
      errors.push({ code: 404, message: `process ${id} not found`, id });
      continue;
    }
    const startMs = Date.parse(record.start_timestamp);
    resources.push({
      ...record,
      process_id: id,
      process_id_local: id.split(':').pop() ?? id,
      start_timestamp_raw: String(startMs * 10_000),
      stop_timestamp: new Date(startMs + 60_000).toISOString(),
      stop_timestamp_raw: String((startMs + 60_000) * 10_000),
    });
  }
  if (resources.length === 0 && errors.length > 0) return { status: 404, resources, errors };
  return errors.length > 0 ? { resources, errors } : { resources };
}

export const IOC_RAN_ON_ROUTES: RouteTable = {
  'GET /iocs/aggregates/indicators/device-count/v1': deviceCount,
  'GET /iocs/queries/indicators/devices/v1': devicesRanOn,
  'GET /iocs/queries/indicators/processes/v1': processesRanOn,
  'GET /indicators/aggregates/devices-count/v1': deviceCount,
  'GET /indicators/queries/devices/v1': devicesRanOn,
  'GET /indicators/queries/processes/v1': processesRanOn,
  'GET /processes/entities/processes/v1': processDetails,
};
