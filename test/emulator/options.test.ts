import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, resolveEmulatorOptions, startEmulator } from '../../src/emulator/index.ts';
import { client, login, startTestEmulator, type TestClient } from './helpers.ts';

describe('startEmulator options', () => {
  it.each([
    [{ port: -1 }, 'port must be an integer from 0 to 65535'],
    [{ seed: 1.5 }, 'seed must be an integer'],
    [{ sizes: { detections: -3 } }, 'sizes.detections must be an integer'],
    [{ rateLimitPerMinute: 0 }, 'rateLimitPerMinute must be an integer from 1'],
    [{ clients: [] }, 'clients must list at least one client'],
    [
      { clients: [{ clientId: 'a', clientSecret: 'b', scopes: '*' as const, cid: 'short' }] },
      'clients[0].cid must be 32 hex',
    ],
    [
      {
        clients: [
          { clientId: 'a', clientSecret: 'b', scopes: '*' as const },
          { clientId: 'a', clientSecret: 'c', scopes: '*' as const },
        ],
      },
      'listed twice',
    ],
    [{ anchorTime: 'yesterday' }, 'anchorTime must be an RFC 3339 time'],
    [{ region: 'eu-1' }, 'names a real Falcon cloud'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveEmulatorOptions(options)).toThrow(message);
    try {
      resolveEmulatorOptions(options);
    } catch (error) {
      expect((error as { code: string }).code).toBe('SOAR_EMULATOR_OPTIONS_INVALID');
      expect(String(error)).not.toContain('"b"');
    }
  });

  it('fails with SOAR_EMULATOR_START_FAILED when the port is taken', async () => {
    const first = await startEmulator({ sizes: { detections: 5 } });
    try {
      await expect(startEmulator({ port: first.port, sizes: { detections: 5 } })).rejects.toMatchObject({
        code: 'SOAR_EMULATOR_START_FAILED',
      });
    } finally {
      await first.close();
    }
  });

  it('seeds the requested sizes and reports them in info()', async () => {
    const emulator = await startEmulator({
      seed: 3,
      cid: 'ab'.repeat(16),
      sizes: {
        detections: 50,
        incidents: 4,
        iocs: 9,
        scans: 3,
        scheduledScans: 2,
        idpSensors: 2,
        policyRules: 1,
        cases: 2,
      },
    });
    try {
      expect(emulator.admin.info()).toMatchObject({
        cid: 'ab'.repeat(16),
        seed: 3,
        counts: {
          detections: 50,
          incidents: 4,
          iocs: 9,
          scans: 3,
          scheduledScans: 2,
          idpSensors: 2,
          policyRules: 1,
        },
      });
    } finally {
      await emulator.close();
    }
  });
});

describe('concurrency and free text', () => {
  let emulator: RunningEmulator;
  let api: TestClient;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    api = client(
      emulator,
      await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
    );
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it('answers 200 parallel reads and writes and records every write exactly once', async () => {
    const ids = (await api.get('/detects/queries/detects/v1', { limit: '100' })).body.resources as string[];
    const writes = ids.map((id, i) =>
      api.patch('/detects/entities/detects/v2', { ids: [id], status: i % 2 ? 'closed' : 'in_progress' }),
    );
    const reads = ids.map((_, i) =>
      api.get('/detects/queries/detects/v1', { offset: String(i), limit: '5', filter: "status:!'new'" }),
    );
    const replies = await Promise.all([...writes, ...reads]);
    expect(replies.map((r) => r.status).every((s) => s === 200)).toBe(true);
    expect(emulator.admin.audit()).toHaveLength(100);
    expect(new Set(emulator.admin.audit().flatMap((a) => a.ids))).toEqual(new Set(ids));
    const closed = await api.get('/detects/queries/detects/v1', { filter: "status:'closed'", limit: '300' });
    for (const [i, id] of ids.entries()) if (i % 2) expect(closed.body.resources).toContain(id);
  });

  it('searches every text field with q', async () => {
    const [id] = (await api.get('/detects/queries/detects/v1', { limit: '1' })).body.resources as string[];
    const [detection] = (await api.post('/detects/entities/summaries/GET/v1', { ids: [id] })).body
      .resources as {
      device: { hostname: string };
    }[];
    const hostname = detection?.device.hostname as string;
    const found = await api.get('/detects/queries/detects/v1', { q: hostname.toUpperCase(), limit: '300' });
    expect(found.body.resources).toContain(id);
    const none = await api.get('/detects/queries/detects/v1', { q: 'no-such-text-anywhere' });
    expect(none.body.resources).toEqual([]);
  });
});
