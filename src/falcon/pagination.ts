/**
 * Which page to ask for next (falcon-api.md §2.5, PSFalcon's "get everything" loop): read
 * meta.pagination; send `after` when the API scrolls with tokens, otherwise the next offset (a number,
 * or the opaque string offset some routes return); stop when `total` is reached or a page is empty.
 */
import type { FalconResult } from '../engine/ports.ts';
import { FalconApiError } from './errors.ts';
import type { OperationSpec } from './operations/index.ts';

/** Paging state carried between pages. */
export interface PageState {
  /** Items received so far. */
  received: number;
  /** The offset the first page started from. */
  startOffset: number;
}

/** True when `params` asks for offset paging on an offset-or-after route. */
export function usesAfter(op: OperationSpec, params: Readonly<Record<string, unknown>>): boolean {
  if (op.pagination === 'after') return true;
  return op.pagination === 'offset-or-after' && params.offset === undefined;
}

/**
 * Parameters for the next page, or null when the last page was the end.
 * @throws FalconApiError SOAR_FALCON_PAGINATION when `total` says more remain but no way forward was given.
 */
export function nextPageParams(
  op: OperationSpec,
  params: Readonly<Record<string, unknown>>,
  result: FalconResult,
  state: PageState,
): Record<string, unknown> | null {
  if (op.pagination === 'none' || result.resources.length === 0) return null;
  const pagination = (result.meta.pagination ?? {}) as Record<string, unknown>;
  const total = typeof pagination.total === 'number' ? pagination.total : null;
  if (total !== null && state.received >= total) return null;

  if (usesAfter(op, params)) {
    const after = pagination.after;
    if (typeof after === 'string' && after !== '') return { ...params, after };
    if (total !== null && state.received < total) throw stuck(op, state.received, total);
    return null;
  }

  const offset = pagination.offset;
  if (typeof offset === 'string' && offset !== '' && !/^\d+$/.test(offset)) return { ...params, offset };
  if (total === null) {
    // Without a total, a short page is the last one.
    const limit = Number(params.limit ?? op.limit?.default ?? Number.NaN);
    if (Number.isFinite(limit) && result.resources.length < limit) return null;
  }
  const next = state.startOffset + state.received;
  const stringOffset = op.params.find((p) => p.name === 'offset')?.type === 'string';
  return { ...params, offset: stringOffset ? String(next) : next };
}

function stuck(op: OperationSpec, received: number, total: number): FalconApiError {
  return new FalconApiError(
    'SOAR_FALCON_PAGINATION',
    `${op.operationId}: meta.pagination.total is ${total} after ${received} items but no after token was returned`,
    { operationId: op.operationId, method: op.method, path: op.path },
  );
}
