/**
 * Every parameter form docs/playbooks.md allows for a write is understood by its read-back: action
 * keywords (`update_status: closed`) and `action_parameters` alike, the `body` and `parameters`
 * pass-throughs, id lists as comma-separated text. Each case runs against the real emulator over HTTP
 * with the real client: the read-back must say "write" before the request and "done" after it (the
 * situation after a crash between a request and its checkpoint), and a partial re-send must keep the
 * playbook's own form so the client accepts it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import type { FalconClient } from '../../src/falcon/index.ts';
import { findOperation } from '../../src/falcon/operations/index.ts';
import { reconcileWrite } from '../../src/engine/reconcile.ts';
import { clientFor } from '../helpers/falcon.ts';

let emulator: RunningEmulator;
let falcon: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 15, sizes: { detections: 60, incidents: 20, cases: 10 } });
  falcon = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => emulator.admin.reset());

function spec(operationId: string) {
  const found = findOperation(operationId);
  if (!found) throw new Error(`no operation ${operationId}`);
  return found;
}

async function readBack(operationId: string, params: Record<string, unknown>) {
  return reconcileWrite(spec(operationId), params, {
    falcon,
    signal: new AbortController().signal,
    readBatch: 500,
    intentAt: Date.now(),
  });
}

/** Asserts the read-back asks for the write, sends it as given, and then finds it applied. */
async function expectWriteThenDone(operationId: string, params: Record<string, unknown>) {
  const before = await readBack(operationId, params);
  expect(before.kind, JSON.stringify(before)).toBe('write');
  await falcon.call(operationId, params);
  const after = await readBack(operationId, params);
  expect(after.kind, JSON.stringify(after)).toBe('done');
}

async function first(operationId: string, count: number, params: Record<string, unknown> = {}) {
  const { resources } = await falcon.call(operationId, { limit: count, ...params });
  expect(resources.length).toBe(count);
  return resources as string[];
}

const analystUuid = () => '11111111-2222-4333-8444-555555555555';

describe('alerts read-back (PatchEntitiesAlertsV3)', () => {
  const alerts = (n: number) => first('GetQueriesAlertsV2', n, { filter: "status:'new'" });

  it('reads the keyword form update_status: closed, as the chaos run wrote it', async () => {
    const ids = await alerts(3);
    await expectWriteThenDone('PatchEntitiesAlertsV3', {
      composite_ids: ids,
      update_status: 'closed',
      append_comment: 'talon run 1',
    });
  });

  it('reads a keyword given a list (two tags) next to action_parameters', async () => {
    const ids = await alerts(2);
    await expectWriteThenDone('PatchEntitiesAlertsV3', {
      composite_ids: ids,
      action_parameters: [{ name: 'update_status', value: 'in_progress' }],
      add_tag: ['talon/a', 'talon/b'],
      show_in_ui: true,
    });
  });

  it('reads assignment keywords and comma-separated composite ids', async () => {
    const ids = await alerts(2);
    await expectWriteThenDone('PatchEntitiesAlertsV3', {
      composite_ids: ids.join(','),
      assign_to_name: 'Talon Analyst',
      assign_to_uuid: analystUuid(),
    });
    await expectWriteThenDone('PatchEntitiesAlertsV3', { composite_ids: ids.join(','), unassign: true });
  });

  it('reads the body pass-through and re-sends only the alerts still missing, in the body', async () => {
    const ids = await alerts(3);
    const body = {
      composite_ids: ids,
      action_parameters: [
        { name: 'add_tag', value: 'talon/x' },
        { name: 'remove_tags_by_prefix', value: 'zzz/' },
      ],
    };
    await falcon.call('PatchEntitiesAlertsV3', { body: { ...body, composite_ids: [ids[0]] } });
    const partial = await readBack('PatchEntitiesAlertsV3', { body });
    expect(partial.kind).toBe('write');
    if (partial.kind !== 'write') return;
    expect(partial.params).toEqual({ body: { ...body, composite_ids: ids.slice(1) } });
    await falcon.call('PatchEntitiesAlertsV3', partial.params);
    expect((await readBack('PatchEntitiesAlertsV3', { body })).kind).toBe('done');
  });

  it('still refuses to guess when only a comment is written, in any form', async () => {
    const ids = await alerts(1);
    for (const params of [
      { composite_ids: ids, append_comment: 'x' },
      { body: { composite_ids: ids, action_parameters: [{ name: 'append_comment', value: 'x' }] } },
    ]) {
      expect((await readBack('PatchEntitiesAlertsV3', params)).kind).toBe('unknown');
    }
  });
});

describe('incidents read-back (PerformIncidentAction)', () => {
  const incidents = (n: number) => first('QueryIncidents', n, { filter: "state:'open'" });

  it('reads the keyword form (update_status, add_tag) and the status name PSFalcon uses', async () => {
    const ids = await incidents(2);
    await expectWriteThenDone('PerformIncidentAction', {
      ids,
      update_status: '30',
      add_tag: 'talon/triaged',
      add_comment: 'seen',
    });
    // The same state named the PSFalcon way reads as applied.
    expect((await readBack('PerformIncidentAction', { ids, update_status: 'in_progress' })).kind).toBe(
      'done',
    );
  });

  it('reads assignment keywords, close_with_descriptor and comma-separated ids', async () => {
    const ids = await incidents(2);
    await expectWriteThenDone('PerformIncidentAction', {
      ids: ids.join(','),
      update_assigned_to_v2: analystUuid(),
    });
    await expectWriteThenDone('PerformIncidentAction', { ids: ids.join(','), unassign: true });
    await expectWriteThenDone('PerformIncidentAction', { ids, close_with_descriptor: 'false positive' });
  });

  it('reads the body pass-through', async () => {
    const ids = await incidents(2);
    await expectWriteThenDone('PerformIncidentAction', {
      body: { ids, action_parameters: [{ name: 'update_name', value: 'renamed by talon' }] },
    });
  });
});

describe('detects read-back (UpdateDetectsByIdsV2)', () => {
  const detections = (n: number) => first('QueryDetects', n, { filter: "status:'new'" });

  it('reads keywords with comma-separated ids and text booleans', async () => {
    const ids = await detections(3);
    await expectWriteThenDone('UpdateDetectsByIdsV2', {
      ids: ids.join(', '),
      status: 'in_progress',
      show_in_ui: 'true',
    });
  });

  it('reads the body pass-through', async () => {
    const ids = await detections(2);
    await expectWriteThenDone('UpdateDetectsByIdsV2', { body: { ids, status: 'closed' } });
  });
});

describe('cases read-backs', () => {
  it('reads case tags as text, as a list and in the body', async () => {
    const [id] = await first('queries_cases_get_v1', 1);
    await expectWriteThenDone('entities_case_tags_post_v1', { id, tags: 'talon/one, talon/two' });
    await expectWriteThenDone('entities_case_tags_post_v1', { body: { id, tags: ['talon/three'] } });
  });

  it('reads case fields in the body pass-through', async () => {
    const [id] = await first('queries_cases_get_v1', 1);
    await expectWriteThenDone('entities_cases_patch_v2', {
      body: { id, fields: { name: 'renamed by talon' } },
    });
  });
});

describe('IOC read-backs', () => {
  const indicator = (value: string) => ({
    type: 'sha256',
    value,
    action: 'detect',
    severity: 'low',
    platforms: ['windows'],
    applied_globally: true,
  });

  it('reads an indicator create in the body pass-through and creates only the missing one', async () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    await falcon.call('indicator_create_v1', { indicators: [indicator(a)] });
    const result = await readBack('indicator_create_v1', {
      body: { indicators: [indicator(a), indicator(b)] },
    });
    expect(result.kind).toBe('write');
    if (result.kind !== 'write') return;
    expect(result.params).toEqual({ body: { indicators: [indicator(b)] } });
    await falcon.call('indicator_create_v1', result.params);
    const again = await readBack('indicator_create_v1', {
      body: { indicators: [indicator(a), indicator(b)] },
    });
    expect(again.kind).toBe('done');
  });

  it('reads a delete whose ids travel in the parameters pass-through', async () => {
    const created = await falcon.call('indicator_create_v1', {
      indicators: [indicator('c'.repeat(64)), indicator('d'.repeat(64))],
    });
    const ids = created.resources.map((r) => String((r as { id: unknown }).id));
    await expectWriteThenDone('indicator_delete_v1', { parameters: { ids } });
  });
});
