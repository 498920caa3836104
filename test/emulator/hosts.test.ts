/**
 * The Hosts routes over real HTTP: the device world is consistent with every seeded entity that
 * names a device, FQL and paging work over devices, containment moves through its pending states
 * on the emulator clock, hidden hosts leave the queries, tags change, and every host action is in
 * the audit log exactly once per host that changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { EmulatorState, resolveSizes } from '../../src/emulator/state/emulator-state.ts';
import { type TestClient, client, login, startTestEmulator } from './helpers.ts';

const SEED = 7;
let nowMs = Date.parse('2026-11-20T00:00:00Z');
const clock = { now: () => nowMs, sleep: () => Promise.resolve() };
let emulator: RunningEmulator;
let api: TestClient;

beforeAll(async () => {
  emulator = await startTestEmulator({ seed: SEED, clock, containmentDelayMs: 5000 });
  api = client(
    emulator,
    await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
  );
});
afterAll(() => emulator.close());

async function allDeviceIds(filter?: string): Promise<string[]> {
  const reply = await api.get('/devices/queries/devices/v1', {
    limit: '5000',
    ...(filter ? { filter } : {}),
  });
  expect(reply.status).toBe(200);
  return reply.body.resources as string[];
}

async function details(ids: string[]): Promise<Record<string, unknown>[]> {
  const reply = await api.post('/devices/entities/devices/v2', { ids });
  expect(reply.status).toBe(200);
  return reply.body.resources as Record<string, unknown>[];
}

describe('the device world', () => {
  it('has a host for every device id that seeded detections, alerts, scans and sensors name', () => {
    console.log(`seed ${SEED}`);
    const state = new EmulatorState();
    state.seed(SEED, resolveSizes({ detections: 400, scans: 12, idpSensors: 6 }), nowMs);
    const named = new Set<string>();
    for (const d of state.detections.values()) named.add(d.device.device_id);
    for (const a of state.alerts().values()) if (typeof a['agent_id'] === 'string') named.add(a['agent_id']);
    for (const s of state.scans.values()) for (const h of s['hosts'] as string[]) named.add(h);
    for (const s of state.scheduledScans.values())
      for (const h of (s['hosts'] as string[]) ?? []) named.add(h);
    for (const h of state.scanHosts.values()) named.add(String(h['host_id']));
    for (const s of state.idpSensors.values()) named.add(s.device_id);
    expect(named.size).toBeGreaterThan(10);
    for (const id of named) {
      const device = state.devices.get(id);
      expect(device, id).toBeDefined();
      expect(typeof device?.hostname).toBe('string');
      expect(['Windows', 'Mac', 'Linux']).toContain(device?.platform_name);
      expect(typeof device?.['os_version']).toBe('string');
      expect((device?.['tags'] as string[] | undefined)?.length ?? 0).toBeGreaterThan(0);
      expect((device?.['groups'] as string[] | undefined)?.length ?? 0).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(String(device?.['last_seen'])))).toBe(false);
      expect(['online', 'offline', 'unknown']).toContain(state.hosts.onlineState(id));
    }
  });

  it('is the same world for the same seed, with most hosts online and every DC online', () => {
    const a = new EmulatorState();
    const b = new EmulatorState();
    a.seed(SEED, resolveSizes({ detections: 400 }), nowMs);
    b.seed(SEED, resolveSizes({ detections: 400 }), nowMs);
    expect([...a.devices.values()]).toEqual([...b.devices.values()]);
    const ids = [...a.devices.values()].map((d) => d.device_id);
    const online = ids.filter((id) => a.hosts.isOnline(id)).length;
    expect(online / ids.length).toBeGreaterThan(0.5);
    expect(online).toBeLessThan(ids.length);
    for (const d of a.devices.values())
      if (d['product_type_desc'] === 'Domain Controller') expect(a.hosts.isOnline(d.device_id)).toBe(true);
  });
});

describe('device queries', () => {
  it('filters and sorts devices with FQL', async () => {
    const all = await allDeviceIds();
    const windows = await allDeviceIds("platform_name:'Windows'");
    expect(windows.length).toBeGreaterThan(0);
    expect(windows.length).toBeLessThan(all.length);
    for (const d of await details(windows)) expect(d['platform_name']).toBe('Windows');
    const dcs = await allDeviceIds("tags:'FalconGroupingTags/domain-controller'");
    for (const d of await details(dcs)) expect(d['product_type_desc']).toBe('Domain Controller');
    const sorted = await api.get('/devices/queries/devices/v1', { sort: 'hostname.desc', limit: '5' });
    const names = (await details(sorted.body.resources as string[])).map((d) => String(d['hostname']));
    expect(names).toEqual([...names].sort().reverse());
    const bad = await api.get('/devices/queries/devices/v1', { filter: 'no_such_field:1' });
    expect(bad.status).toBe(400);
  });

  it('pages with an offset and reports the total', async () => {
    const page = await api.get('/devices/queries/devices/v1', { limit: '3', offset: '2' });
    expect(page.body.meta.pagination).toMatchObject({
      offset: 2,
      limit: 3,
      total: (await allDeviceIds()).length,
    });
    expect(page.body.resources).toHaveLength(3);
    expect((await api.get('/devices/queries/devices/v1', { limit: '5001' })).status).toBe(400);
  });

  it('scrolls with an offset token that expires after 2 minutes', async () => {
    const all = await allDeviceIds();
    const seen: string[] = [];
    let offset: string | undefined;
    for (;;) {
      const page = await api.get('/devices/queries/devices-scroll/v1', {
        limit: '7',
        ...(offset === undefined ? {} : { offset }),
      });
      expect(page.status, JSON.stringify(page.body.errors)).toBe(200);
      seen.push(...(page.body.resources as string[]));
      offset = page.body.meta.pagination?.['offset'] as string;
      expect(page.body.meta.pagination?.['expires_at']).toBeTypeOf('number');
      if (seen.length >= Number(page.body.meta.pagination?.['total'])) break;
    }
    expect(seen).toEqual(all);
    nowMs += 121_000;
    const expired = await api.get('/devices/queries/devices-scroll/v1', { limit: '7', offset });
    expect(expired.status).toBe(400);
    expect(expired.body.errors[0]?.message).toMatch(/expired/);
  });

  it('answers full records from the combined query, with fields', async () => {
    const reply = await api.get('/devices/combined/devices/v1', { limit: '4', fields: 'hostname,device_id' });
    expect(reply.status).toBe(200);
    expect(reply.body.resources).toHaveLength(4);
    for (const r of reply.body.resources)
      expect(Object.keys(r as object).sort()).toEqual(['device_id', 'hostname']);
    const next = await api.get('/devices/combined/devices/v1', {
      limit: '4',
      offset: reply.body.meta.pagination?.['offset'] as string,
    });
    const firstIds = (reply.body.resources as { device_id: string }[]).map((r) => r.device_id);
    const nextIds = (next.body.resources as { device_id: string }[]).map((r) => r.device_id);
    expect(nextIds.some((id) => firstIds.includes(id))).toBe(false);
  });

  it('answers details by query ids (100 at most) and online state per id', async () => {
    const ids = (await allDeviceIds()).slice(0, 3);
    const reply = await api.get('/devices/entities/devices/v2', { ids });
    expect((reply.body.resources as { device_id: string }[]).map((d) => d.device_id)).toEqual(ids);
    const state = await api.get('/devices/entities/online-state/v1', { ids: [...ids, 'f'.repeat(32)] });
    expect(state.status).toBe(200);
    for (const r of state.body.resources as { id: string; state: string }[]) {
      expect(ids).toContain(r.id);
      expect(['online', 'offline', 'unknown']).toContain(r.state);
    }
    expect(state.body.errors.map((e) => e.code)).toEqual([404]);
    const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0'));
    expect((await api.get('/devices/entities/devices/v2', { ids: many })).status).toBe(400);
  });
});

describe('host actions', () => {
  it('contains through containment_pending after the delay, and lifts back to normal', async () => {
    const [id] = await allDeviceIds("status:'normal'");
    const since = emulator.admin.audit().at(-1)?.seq ?? 0;
    const contain = await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: [id] },
      { action_name: 'contain' },
    );
    expect(contain.status).toBe(202);
    expect(contain.body.resources).toEqual([{ id, path: '' }]);
    expect((await details([id as string]))[0]?.['status']).toBe('containment_pending');
    nowMs += 5000;
    expect((await details([id as string]))[0]?.['status']).toBe('contained');
    expect(await allDeviceIds("status:'contained'")).toContain(id);
    // Containing again changes nothing and writes nothing.
    const again = await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: [id] },
      { action_name: 'contain' },
    );
    expect(again.status).toBe(202);
    expect(again.body.meta.writes?.resources_affected).toBe(0);
    await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: [id] },
      { action_name: 'lift_containment' },
    );
    expect((await details([id as string]))[0]?.['status']).toBe('lift_containment_pending');
    nowMs += 5000;
    expect((await details([id as string]))[0]?.['status']).toBe('normal');
    const audit = emulator.admin.audit(since);
    expect(audit.map((e) => [e.operationId, e.action, e.ids])).toEqual([
      ['PerformActionV2', 'contain', [id]],
      ['PerformActionV2', 'lift_containment', [id]],
    ]);
  });

  it('hides hosts from the queries and lists them as hidden until unhidden', async () => {
    const [id] = await allDeviceIds();
    await api.post('/devices/entities/devices-actions/v2', { ids: [id] }, { action_name: 'hide_host' });
    expect(await allDeviceIds()).not.toContain(id);
    const hidden = await api.get('/devices/queries/devices-hidden/v1');
    expect(hidden.body.resources).toEqual([id]);
    await api.post('/devices/entities/devices-actions/v2', { ids: [id] }, { action_name: 'unhide_host' });
    expect(await allDeviceIds()).toContain(id);
    expect((await api.get('/devices/queries/devices-hidden/v1')).body.resources).toEqual([]);
  });

  it('suppresses detections, refuses unknown actions and reports unknown ids', async () => {
    const [id] = await allDeviceIds();
    await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: [id] },
      { action_name: 'detection_suppress' },
    );
    expect((await details([id as string]))[0]?.['detection_suppression_status']).toBe('suppressed');
    const bad = await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: [id] },
      { action_name: 'reboot' },
    );
    expect(bad.status).toBe(400);
    const unknown = await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: ['0'.repeat(32)] },
      { action_name: 'contain' },
    );
    expect(unknown.status).toBe(404);
    const many = Array.from({ length: 101 }, () => id);
    const tooMany = await api.post(
      '/devices/entities/devices-actions/v2',
      { ids: many },
      { action_name: 'contain' },
    );
    expect(tooMany.status).toBe(400);
  });

  it('adds and removes grouping tags, which FQL then sees', async () => {
    const [id] = await allDeviceIds();
    const tag = 'FalconGroupingTags/talon-test';
    const add = await api.patch('/devices/entities/devices/tags/v1', {
      action: 'add',
      device_ids: [id],
      tags: [tag],
    });
    expect(add.status).toBe(200);
    expect(add.body.resources).toEqual([{ code: 200, device_id: id, updated: true }]);
    expect(await allDeviceIds(`tags:'${tag}'`)).toEqual([id]);
    await api.patch('/devices/entities/devices/tags/v1', { action: 'remove', device_ids: [id], tags: [tag] });
    expect(await allDeviceIds(`tags:'${tag}'`)).toEqual([]);
    const bad = await api.patch('/devices/entities/devices/tags/v1', {
      action: 'add',
      device_ids: [id],
      tags: ['no-prefix'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.message).toMatch(/FalconGroupingTags/);
  });
});
