import { describe, expect, it } from 'vitest';
import type { FalconResult } from '../../src/engine/ports.ts';
import { FalconApiError, findOperation, nextPageParams, type OperationSpec } from '../../src/falcon/index.ts';

function op(name: string): OperationSpec {
  const found = findOperation(name);
  if (!found) throw new Error(name);
  return found;
}

function page(count: number, pagination: Record<string, unknown> | undefined): FalconResult {
  return {
    status: 200,
    resources: Array.from({ length: count }, (_, i) => `id${i}`),
    meta: pagination === undefined ? {} : { pagination },
    errors: [],
    traceId: null,
  };
}

describe('nextPageParams', () => {
  it('advances a numeric offset by what was received and stops at total', () => {
    const o = op('QueryDetects');
    const first = nextPageParams(o, { limit: 2 }, page(2, { offset: 0, limit: 2, total: 5 }), {
      received: 2,
      startOffset: 0,
    });
    expect(first).toEqual({ limit: 2, offset: 2 });
    expect(
      nextPageParams(o, { limit: 2, offset: 4 }, page(1, { offset: 4, limit: 2, total: 5 }), {
        received: 5,
        startOffset: 0,
      }),
    ).toBeNull();
  });

  it('starts from the caller offset', () => {
    expect(
      nextPageParams(
        op('query_scans'),
        { offset: 10, limit: 5 },
        page(5, { offset: 10, limit: 5, total: 100 }),
        { received: 5, startOffset: 10 },
      ),
    ).toEqual({ offset: 15, limit: 5 });
  });

  it('stops on an empty page even when total says more', () => {
    expect(
      nextPageParams(op('QueryDetects'), {}, page(0, { total: 9 }), { received: 3, startOffset: 0 }),
    ).toBeNull();
  });

  it('uses after tokens on IOC search unless an offset was asked for', () => {
    const o = op('indicator_search_v1');
    expect(
      nextPageParams(o, { limit: 2 }, page(2, { limit: 2, total: 5, after: 'tok1' }), {
        received: 2,
        startOffset: 0,
      }),
    ).toEqual({ limit: 2, after: 'tok1' });
    expect(
      nextPageParams(o, { limit: 2, offset: 0 }, page(2, { limit: 2, total: 5, offset: 0 }), {
        received: 2,
        startOffset: 0,
      }),
    ).toEqual({ limit: 2, offset: 2 });
    expect(
      nextPageParams(o, {}, page(2, { limit: 2, total: 2, after: 'tok' }), { received: 2, startOffset: 0 }),
    ).toBeNull();
  });

  it('fails loudly when total says more but no after token came back', () => {
    expect(() =>
      nextPageParams(op('indicator_search_v1'), {}, page(2, { limit: 2, total: 5 }), {
        received: 2,
        startOffset: 0,
      }),
    ).toThrow(FalconApiError);
  });

  it('follows opaque string offsets and sends string offsets where the API takes strings', () => {
    const o = op('indicator_get_devices_ran_on_v1');
    expect(
      nextPageParams(o, { type: 'md5', value: 'x' }, page(3, { limit: 3, offset: 'abc123' }), {
        received: 3,
        startOffset: 0,
      }),
    ).toEqual({ type: 'md5', value: 'x', offset: 'abc123' });
    expect(
      nextPageParams(o, { type: 'md5', value: 'x', limit: '3' }, page(3, { limit: 3, offset: '0' }), {
        received: 3,
        startOffset: 0,
      }),
    ).toEqual({ type: 'md5', value: 'x', limit: '3', offset: '3' });
  });

  it('without a total, a short page ends the query', () => {
    expect(
      nextPageParams(op('query_scans'), { limit: 5 }, page(3, { limit: 5, offset: 0 }), {
        received: 3,
        startOffset: 0,
      }),
    ).toBeNull();
  });

  it('never pages an entity read', () => {
    expect(
      nextPageParams(op('GetDetectSummaries'), { ids: ['a'] }, page(1, { total: 10 }), {
        received: 1,
        startOffset: 0,
      }),
    ).toBeNull();
  });
});
