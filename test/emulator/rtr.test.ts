/**
 * Real Time Response in the emulator over real HTTP (issue 11): sessions expire unless refreshed,
 * offline hosts are refused unless queue_offline, commands see and change each host's simulated
 * processes, files and registry, output comes back in chunks by sequence_id, batch answers are keyed
 * by host id, and active-responder/admin commands land in the audit log; plus the Talon client's
 * reading of batch answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { RTR_CHUNK_CHARS } from '../../src/emulator/routes/rtr.ts';
import type { Clock } from '../../src/shared/clock.ts';
import { clientFor } from '../helpers/falcon.ts';
import { client, login, startTestEmulator, type TestClient } from './helpers.ts';

let emulator: RunningEmulator;
let api: TestClient;
let nowMs = Date.parse('2026-11-20T00:00:00Z');
const clock: Clock = { now: () => nowMs, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

interface HostEntry {
  aid: string;
  session_id: string;
  complete: boolean;
  offline_queued: boolean;
  stdout: string;
  stderr: string;
  errors: { code: number; message: string }[];
}

let hostsByPlatform: Record<string, string[]> = {};

beforeAll(async () => {
  emulator = await startTestEmulator({ clock });
  api = client(
    emulator,
    await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
  );
  const detections = (await api.get('/detects/queries/detects/v1', { limit: '300' })).body.resources;
  const summaries = (await api.post('/detects/entities/summaries/GET/v1', { ids: detections })).body
    .resources as { device: { device_id: string; platform_name: string } }[];
  hostsByPlatform = {};
  for (const { device } of summaries) {
    hostsByPlatform[device.platform_name] ??= [];
    const list = hostsByPlatform[device.platform_name] as string[];
    if (!list.includes(device.device_id)) list.push(device.device_id);
  }
});

// Tests move the clock forward; a fresh token per test keeps the 30-minute token lifetime out of the way.
beforeEach(async () => {
  emulator.admin.reset();
  api = client(
    emulator,
    await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret),
  );
});

afterAll(async () => {
  await emulator?.close();
});

async function batchInit(hostIds: string[], extra: Record<string, unknown> = {}) {
  const reply = await api.post('/real-time-response/combined/batch-init-session/v1', {
    host_ids: hostIds,
    ...extra,
  });
  expect(reply.status).toBe(201);
  return {
    batchId: reply.body['batch_id'] as string,
    hosts: reply.body['resources'] as unknown as Record<string, HostEntry>,
  };
}

/** Online and offline hosts of a platform, as the emulator's batch init reports them. */
async function split(platform: string) {
  const { hosts } = await batchInit(hostsByPlatform[platform] as string[]);
  const entries = Object.values(hosts);
  return {
    online: entries.filter((h) => h.session_id !== '').map((h) => h.aid),
    offline: entries.filter((h) => h.session_id === '').map((h) => h.aid),
  };
}

async function session(aid: string): Promise<string> {
  const reply = await api.post('/real-time-response/entities/sessions/v1', { device_id: aid });
  expect(reply.status, JSON.stringify(reply.body.errors)).toBe(201);
  return (reply.body.resources[0] as { session_id: string }).session_id;
}

async function run(
  kind: 'command' | 'active-responder-command' | 'admin-command',
  sessionId: string,
  line: string,
) {
  const base = line.startsWith('reg ')
    ? line.split(' ').slice(0, 2).join(' ')
    : (line.split(' ')[0] as string);
  const sent = await api.post(`/real-time-response/entities/${kind}/v1`, {
    session_id: sessionId,
    base_command: base,
    command_string: line,
  });
  expect(sent.status, JSON.stringify(sent.body.errors)).toBe(201);
  const { cloud_request_id } = sent.body.resources[0] as { cloud_request_id: string };
  let stdout = '';
  let stderr = '';
  for (let sequence = 0; ; sequence++) {
    const status = await api.get(`/real-time-response/entities/${kind}/v1`, {
      cloud_request_id,
      sequence_id: String(sequence),
    });
    const chunk = status.body.resources[0] as { stdout: string; stderr: string; complete: boolean };
    stdout += chunk.stdout;
    stderr += chunk.stderr;
    if (chunk.complete) return { stdout, stderr, chunks: sequence + 1 };
    if (sequence > 50) throw new Error('never complete');
  }
}

describe('sessions', () => {
  it('expire 10 minutes after the last init or refresh, and a pulse keeps them alive', async () => {
    const [aid] = (await split('Linux')).online;
    const id = await session(aid as string);
    nowMs += 9 * 60_000;
    expect(
      (await api.post('/real-time-response/entities/refresh-session/v1', { device_id: aid })).status,
    ).toBe(201);
    nowMs += 9 * 60_000;
    expect(
      (await api.post('/real-time-response/entities/sessions/GET/v1', { ids: [id] })).body.resources,
    ).toHaveLength(1);
    nowMs += 2 * 60_000;
    const expired = await api.post('/real-time-response/entities/command/v1', {
      session_id: id,
      base_command: 'ps',
      command_string: 'ps',
    });
    expect(expired.status).toBe(404);
    expect(expired.body.errors[0]?.message).toContain('expired');
    expect((await api.get('/real-time-response/queries/sessions/v1')).body.resources).not.toContain(id);
  });

  it('refuses an offline host unless queue_offline, and queued commands stay incomplete', async () => {
    const aid =
      (await split('Windows')).offline[0] ??
      (await split('Linux')).offline[0] ??
      (await split('Mac')).offline[0];
    expect(aid).toBeDefined();
    const refused = await api.post('/real-time-response/entities/sessions/v1', { device_id: aid });
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0]?.message).toContain('queue_offline');
    const queued = await api.post('/real-time-response/entities/sessions/v1', {
      device_id: aid,
      queue_offline: true,
    });
    expect(queued.body.resources[0]).toMatchObject({ offline_queued: true });
    const id = (queued.body.resources[0] as { session_id: string }).session_id;
    const sent = await api.post('/real-time-response/entities/command/v1', {
      session_id: id,
      base_command: 'ps',
      command_string: 'ps',
    });
    expect(sent.body.resources[0]).toMatchObject({ queued_command_offline: true });
    const { cloud_request_id } = sent.body.resources[0] as { cloud_request_id: string };
    const status = await api.get('/real-time-response/entities/command/v1', {
      cloud_request_id,
      sequence_id: '0',
    });
    expect(status.body.resources[0]).toMatchObject({ complete: false, stdout: '' });
  });

  it('rejects an unknown device and a command outside the route (kill on the read-only route)', async () => {
    expect(
      (await api.post('/real-time-response/entities/sessions/v1', { device_id: 'f'.repeat(32) })).status,
    ).toBe(404);
    const [aid] = (await split('Linux')).online;
    const id = await session(aid as string);
    const kill = await api.post('/real-time-response/entities/command/v1', {
      session_id: id,
      base_command: 'kill',
      command_string: 'kill 1',
    });
    expect(kill.status).toBe(400);
    expect(kill.body.errors[0]?.message).toContain('base_command');
  });
});

describe('commands on the simulated host', () => {
  it('kill removes a process, rm removes a file, and both are audited; read-only commands are not', async () => {
    const [aid] = (await split('Linux')).online;
    const id = await session(aid as string);
    const ps = await run('command', id, 'ps');
    const miner = /kworkerd (\d+)/.exec(ps.stdout)?.[1] as string;
    expect(miner).toBeDefined();
    expect((await run('command', id, 'netstat')).stdout).toContain(`ESTABLISHED ${miner}`);
    const hash = await run('command', id, 'filehash /tmp/.cache/kworkerd');
    expect(hash.stdout).toMatch(/SHA256: [0-9a-f]{64}/);
    expect(emulator.admin.audit()).toEqual([]);

    expect((await run('active-responder-command', id, `kill ${miner}`)).stdout).toContain('killed');
    expect((await run('command', id, 'ps')).stdout).not.toContain('kworkerd');
    expect((await run('command', id, 'netstat')).stdout).not.toContain('ESTABLISHED');
    expect((await run('active-responder-command', id, `kill ${miner}`)).stderr).toContain('No process');

    await run('active-responder-command', id, 'rm /tmp/.cache/kworkerd');
    expect((await run('command', id, 'ls /tmp/.cache')).stderr).toContain('does not exist');
    expect(emulator.admin.audit().map((a) => [a.operationId, a.ids, a.action])).toEqual([
      ['RTR_ExecuteActiveResponderCommand', [aid], `active-responder: kill ${miner}`],
      ['RTR_ExecuteActiveResponderCommand', [aid], `active-responder: kill ${miner}`],
      ['RTR_ExecuteActiveResponderCommand', [aid], 'active-responder: rm /tmp/.cache/kworkerd'],
    ]);
  });

  it('reg query and reg delete on Windows; get uploads a file whose bytes can be fetched', async () => {
    const [aid] = (await split('Windows')).online;
    const id = await session(aid as string);
    const key = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';
    expect((await run('command', id, `reg query ${key}`)).stdout).toContain('InvoiceViewer');
    await run('active-responder-command', id, `reg delete ${key} InvoiceViewer`);
    expect((await run('command', id, `reg query ${key}`)).stdout).not.toContain('InvoiceViewer');

    await run('active-responder-command', id, 'get C:\\Users\\Public\\Downloads\\invoice.pdf');
    const files = (await api.get('/real-time-response/entities/file/v2', { session_id: id })).body
      .resources as {
      name: string;
      sha256: string;
    }[];
    expect(files.map((f) => f.name)).toEqual(['C:\\Users\\Public\\Downloads\\invoice.pdf']);
    const bytes = await fetch(
      `${emulator.url}/real-time-response/entities/extracted-file-contents/v1?session_id=${id}&sha256=${files[0]?.sha256}`,
      {
        headers: {
          authorization: `Bearer ${await login(emulator.url, emulator.credentials.clientId, emulator.credentials.clientSecret)}`,
        },
      },
    );
    expect(await bytes.text()).toMatch(/^%PDF-1\.7 invoice/);
  });

  it('cd changes the working directory, and long output comes back in chunks by sequence_id', async () => {
    const [aid] = (await split('Linux')).online;
    const id = await session(aid as string);
    await run('command', id, 'cd /etc');
    expect((await run('command', id, 'cat hosts')).stdout).toContain('localhost');
    const log = await run('command', id, 'cat /var/log/auth.log');
    expect(log.chunks).toBe(Math.ceil(log.stdout.length / RTR_CHUNK_CHARS));
    expect(log.chunks).toBeGreaterThan(3);
    expect(log.stdout.split('\n').filter(Boolean)).toHaveLength(240);
    const runscript = await run('admin-command', id, 'runscript -CloudFile="linux-triage"');
    expect(runscript.stdout).toContain('[linux-triage] ran 3 line(s)');
    expect(emulator.admin.audit().map((a) => a.action)).toEqual([
      'admin: runscript -CloudFile="linux-triage"',
    ]);
  });
});

describe('batches', () => {
  it('answers keyed by host id, runs on every host, skips expired sessions and drops removed hosts', async () => {
    const hosts = (hostsByPlatform['Linux'] as string[]).slice(0, 6);
    const { batchId, hosts: init } = await batchInit(hosts, { queue_offline: true });
    expect(Object.keys(init).sort()).toEqual([...hosts].sort());
    const reply = await api.post('/real-time-response/combined/batch-command/v1', {
      batch_id: batchId,
      base_command: 'ls',
      command_string: 'ls /etc',
    });
    const entries = (reply.body['combined'] as { resources: Record<string, HostEntry> }).resources;
    for (const aid of hosts) {
      const entry = entries[aid] as HostEntry;
      if (entry.offline_queued) expect(entry).toMatchObject({ complete: false, stdout: '' });
      else expect(entry).toMatchObject({ complete: true, stderr: '', errors: [] });
      if (!entry.offline_queued) expect(entry.stdout).toContain('passwd');
    }
    const [removed, ...kept] = hosts;
    await api.post('/real-time-response/combined/batch-refresh-session/v1', {
      batch_id: batchId,
      hosts_to_remove: [removed],
    });
    nowMs += 11 * 60_000;
    const late = await api.post('/real-time-response/combined/batch-command/v1', {
      batch_id: batchId,
      base_command: 'ps',
      command_string: 'ps',
    });
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    const lateEntries = (late.body['combined'] as { resources: Record<string, HostEntry> }).resources;
    expect(Object.keys(lateEntries).sort()).toEqual([...kept].sort());
    for (const entry of Object.values(lateEntries)) expect(entry.errors[0]?.message).toBe('session expired');
  });

  it('the Talon client lists batch entries as resources with their aid and keeps batch_id in meta', async () => {
    const falcon = clientFor(emulator, { clock });
    const hosts = (hostsByPlatform['Mac'] as string[]).slice(0, 3);
    const init = await falcon.call('BatchInitSessions', { host_ids: hosts, queue_offline: true });
    expect(init.resources.map((r) => (r as { aid: string }).aid).sort()).toEqual([...hosts].sort());
    const batchId = init.meta['batch_id'] as string;
    expect(batchId).toMatch(/^[0-9a-f-]{36}$/);
    const cmd = await falcon.call('rtr.batch_command', {
      batch_id: batchId,
      base_command: 'ps',
      command_string: 'ps',
    });
    expect(cmd.resources).toHaveLength(3);
    const get = await falcon.call('BatchGetCmd', { batch_id: batchId, file_path: '/etc/hosts' });
    const status = await falcon.call('BatchGetCmdStatus', {
      batch_get_cmd_req_id: get.meta['batch_get_cmd_req_id'],
    });
    const online = cmd.resources.filter((r) => !(r as HostEntry).offline_queued).length;
    expect(status.resources).toHaveLength(online);
    for (const file of status.resources)
      expect(file).toMatchObject({ name: '/etc/hosts', aid: expect.any(String) });
  });
});
