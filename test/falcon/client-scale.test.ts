/**
 * Scale helpers against the emulator: paging (offset and after styles) reaches every item exactly
 * once, batching splits id lists by the operation's limit with bounded concurrency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callCommand, parseParams } from '../../src/cli/commands/call.ts';
import { runProgram } from '../../src/cli/program.ts';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';
import { createFalconClient, type FalconClient, FalconApiError } from '../../src/falcon/index.ts';
import { Secret } from '../../src/shared/index.ts';
import { clientFor } from '../helpers/falcon.ts';

let emulator: RunningEmulator;
let client: FalconClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, seed: 21 });
  client = clientFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
});

async function collect(operation: string, params: Record<string, unknown>) {
  const items: unknown[] = [];
  let pages = 0;
  let total: unknown;
  for await (const page of client.pages(operation, params)) {
    pages += 1;
    items.push(...page.resources);
    total = (page.meta.pagination as { total?: unknown } | undefined)?.total;
  }
  return { items, pages, total };
}

describe('pages', () => {
  it('walks offset pages of QueryDetects to the total, each id once', async () => {
    const { items, pages, total } = await collect('detects.query_detects', { limit: 7 });
    expect(typeof total).toBe('number');
    expect(items).toHaveLength(total as number);
    expect(new Set(items).size).toBe(items.length);
    expect(pages).toBe(Math.ceil((total as number) / 7));
    const sent = emulator.admin
      .requests()
      .filter((r) => r.operationId === 'QueryDetects')
      .map((r) => r.query.offset?.[0] ?? '0');
    expect(sent.slice(0, 3)).toEqual(['0', '7', '14']);
  });

  it('scrolls IOC search with after tokens when no offset is given', async () => {
    const before = emulator.admin.requests().at(-1)?.seq ?? 0;
    const { items, total } = await collect('ioc.indicator_search', { limit: 4 });
    expect(items).toHaveLength(total as number);
    expect(new Set(items).size).toBe(items.length);
    const sent = emulator.admin.requests(before).filter((r) => r.operationId === 'indicator_search_v1');
    expect(sent[0]?.query.after).toBeUndefined();
    // More items than one page holds, so the walk needs after tokens: every page but the first sends
    // one, and each token is new (the walk moves forward).
    expect(total as number).toBeGreaterThan(4);
    expect(sent.length).toBeGreaterThan(1);
    const tokens = sent.slice(1).map((r) => r.query.after?.[0]);
    for (const token of tokens) expect(token).toMatch(/\S/);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const r of sent) expect(r.query.offset).toBeUndefined();
  });

  it('uses offsets on IOC search when the caller starts with one', async () => {
    const before = emulator.admin.requests().at(-1)?.seq ?? 0;
    const { items, total } = await collect('indicator_search_v1', { limit: 4, offset: 0 });
    expect(items).toHaveLength(total as number);
    const sent = emulator.admin.requests(before).filter((r) => r.operationId === 'indicator_search_v1');
    for (const r of sent) expect(r.query.after).toBeUndefined();
  });

  it('yields a single page for operations that do not page', async () => {
    const { pages } = await collect('ioc_type_query_v1', {});
    expect(pages).toBe(1);
  });
});

describe('callBatched', () => {
  it('splits ids into batches of batchSize with bounded concurrency and merges the answers', async () => {
    const all: string[] = [];
    for await (const page of client.pages('QueryDetects', { limit: 50 }))
      all.push(...(page.resources as string[]));
    const ids = all.slice(0, 10);
    const before = emulator.admin.requests().at(-1)?.seq ?? 0;
    const result = await client.callBatched('GetDetectSummaries', { ids }, { batchSize: 3, concurrency: 2 });
    expect(result.batches).toBe(4);
    expect(result.resources).toHaveLength(10);
    const sent = emulator.admin.requests(before).filter((r) => r.operationId === 'GetDetectSummaries');
    expect(sent.map((r) => (r.body as { ids: string[] }).ids.length).sort()).toEqual([1, 3, 3, 3]);
    expect(sent.flatMap((r) => (r.body as { ids: string[] }).ids).sort()).toEqual([...ids].sort());
  });

  it('never sends more than the operation limit per request', async () => {
    const real: string[] = [];
    for await (const page of client.pages('QueryDetects', { limit: 500 }))
      real.push(...(page.resources as string[]));
    // Real ids repeated up to 2500, so every batch is one the emulator can answer.
    const ids = Array.from({ length: 2_500 }, (_, i) => real[i % real.length] as string);
    const before = emulator.admin.requests().at(-1)?.seq ?? 0;
    const result = await client.callBatched('GetDetectSummaries', { ids });
    expect(result.batches).toBe(3);
    const sizes = emulator.admin
      .requests(before)
      .filter((r) => r.operationId === 'GetDetectSummaries')
      .map((r) => (r.body as { ids: string[] }).ids.length);
    expect(sizes.sort((a, b) => a - b)).toEqual([500, 1000, 1000]);
  });

  it('a plain call over the limit is refused before sending', async () => {
    const ids = Array.from({ length: 1_001 }, (_, i) => `ldt:x:${i}`);
    await expect(client.call('GetDetectSummaries', { ids })).rejects.toMatchObject({
      code: 'SOAR_FALCON_BAD_PARAMS',
    });
  });

  it('stops the other batches after a failure and says how far it got', async () => {
    emulator.admin.injectFault({
      operationId: 'UpdateDetectsByIdsV2',
      status: 400,
      count: 1,
      message: 'nope',
    });
    const ids = Array.from({ length: 5 }, (_, i) => `ldt:${'0'.repeat(32)}:${i}`);
    const error = await client
      .callBatched('UpdateDetectsByIdsV2', { ids, status: 'in_progress' }, { batchSize: 1, concurrency: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FalconApiError);
    expect((error as FalconApiError).message).toMatch(/^batch 1\/5 failed after 0 batch\(es\) completed/);
    expect(emulator.admin.requests().filter((r) => r.operationId === 'UpdateDetectsByIdsV2')).toHaveLength(1);
  });
});

describe('talon call parameters', () => {
  it('parses JSON values, keeps other strings, collects repeated keys', () => {
    expect(
      parseParams(['limit=5', "filter=status:'new'", 'ids=a', 'ids=b', 'flag=true', 'body={"x":[1]}', 'q=']),
    ).toEqual({
      limit: 5,
      filter: "status:'new'",
      ids: ['a', 'b'],
      flag: true,
      body: { x: [1] },
      q: '',
    });
    expect(() => parseParams(['novalue'])).toThrow(/not key=value/);
  });
});

describe('service objects', () => {
  it('expose each operation under its PEP 8 name and operationId', async () => {
    const detects = client.service('detects');
    const a = await detects.query_detects?.({ limit: 2, sort: 'last_behavior|asc' });
    const b = await detects.QueryDetects?.({ limit: 2, sort: 'last_behavior|asc' });
    expect(a?.resources).toHaveLength(2);
    expect(b?.resources).toEqual(a?.resources);
    expect(Object.keys(client.service('cases'))).toContain('create_case');
    expect(() => client.service('detections')).toThrow(/unknown Falcon collection 'detections'/);
  });
});

describe('talon call', () => {
  it('calls the in-process emulator and prints the JSON answer', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const code = await runProgram(
      [callCommand],
      ['call', 'detects.query_detects', '--emulator', '-p', 'limit=3', '-p', "filter=status:'new'"],
      io,
    );
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const answer = JSON.parse(out.join('')) as { status: number; resources: unknown[]; traceId: string };
    expect(answer.status).toBe(200);
    expect(answer.resources.length).toBeLessThanOrEqual(3);
    expect(answer.traceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('prints a catalogued error with a did-you-mean for an unknown operation', async () => {
    const err: string[] = [];
    const code = await runProgram([callCommand], ['call', 'query_detect', '--emulator'], {
      out: () => {},
      err: (t) => err.push(t),
    });
    expect(code).toBe(1);
    expect(err.join('')).toContain('error SOAR_FALCON_UNKNOWN_OPERATION');
    expect(err.join('')).toContain('detects.query_detects');
  });
});

describe('base URLs', () => {
  it('accepts cloud names and refuses what is neither a URL nor a cloud', () => {
    expect(() =>
      createFalconClient({ baseUrl: 'eu-1', clientId: 'x', clientSecret: new Secret('s') }),
    ).not.toThrow();
    expect(() =>
      createFalconClient({ baseUrl: 'mars-1', clientId: 'x', clientSecret: new Secret('s') }),
    ).toThrow(/neither an http\(s\) URL nor a cloud name/);
  });
});
