/**
 * FalconClient: call any operation of the table by operationId, PEP 8 name or `collection.name` with
 * keyword parameters, page through queries, split id lists into batches. Satisfies the engine's
 * FalconPort structurally.
 */
import { FALCON_CLOUDS, resolveFalconBaseUrl } from '../config/index.ts';
import type { FalconCallOptions, FalconPort, FalconResult } from '../engine/ports.ts';
import {
  type Clock,
  ConfigError,
  type Logger,
  type Secret,
  silentLogger,
  systemClock,
} from '../shared/index.ts';
import { TokenProvider } from './auth/token-provider.ts';
import { FalconApiError } from './errors.ts';
import { Executor } from './executor.ts';
import { createTransport, type Transport } from './http/index.ts';
import { findOperation, type OperationSpec, qualifiedName, suggestOperations } from './operations/index.ts';
import { nextPageParams, usesAfter } from './pagination.ts';
import type { RateBudget } from './rate-budget.ts';
import { buildRequest, toList } from './request.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { type CollectionService, createService } from './services.ts';
import { type ClientStats, StatsRecorder } from './stats.ts';

export interface FalconClientOptions {
  /** API base URL (https://api.crowdstrike.com, the emulator's URL) or a cloud name (us-1, eu-1, us-gov-1, ...). */
  baseUrl: string;
  clientId: string;
  clientSecret: Secret;
  /** MSSP child CID to lock tokens to. */
  memberCid?: string | null;
  logger?: Logger;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Shared rate budget (src/queue); acquire() before each request, penalize() on 429. */
  budget?: RateBudget;
  userAgent?: string;
  /** Send every request through this proxy (HTTPS_PROXY, already checked against NO_PROXY). */
  proxy?: Secret | null;
  /** Renew tokens this long before expiry. @default 120000 */
  renewWindowMs?: number;
  /** For tests and the engine's manual clock. */
  clock?: Clock;
}

export interface BatchOptions extends FalconCallOptions {
  /** Batches in flight at once. @default 4 */
  concurrency?: number;
}

/** The merged answer of a batched call. */
export interface BatchedResult extends FalconResult {
  batches: number;
}

/** A Falcon API client over one base URL and one set of credentials. */
export class FalconClient implements FalconPort {
  readonly #tokens: TokenProvider;
  readonly #executor: Executor;
  readonly #stats = new StatsRecorder();

  constructor(options: FalconClientOptions) {
    const logger = (options.logger ?? silentLogger).child({ component: 'falcon' });
    const clock = options.clock ?? systemClock;
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const baseUrl = resolveFalconBaseUrl(options.baseUrl);
    if (baseUrl === null) {
      throw new ConfigError(
        'SOAR_CONFIG_INVALID',
        `Falcon baseUrl '${options.baseUrl}' is neither an http(s) URL nor a cloud name (${Object.keys(FALCON_CLOUDS).join(', ')})`,
      );
    }
    const http: Transport = createTransport({
      baseUrl,
      timeoutMs: options.timeoutMs ?? 30_000,
      userAgent: options.userAgent ?? 'talon-soar/0.1 (+got)',
      proxy: options.proxy ?? null,
    });
    this.#tokens = new TokenProvider({
      transport: http,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      memberCid: options.memberCid ?? null,
      renewWindowMs: options.renewWindowMs ?? 120_000,
      retry: policy,
      clock,
      logger,
    });
    this.#executor = new Executor({
      transport: http,
      tokens: this.#tokens,
      budget: options.budget ?? null,
      policy,
      clock,
      logger,
      stats: this.#stats,
      random: Math.random,
    });
  }

  /**
   * Resolves a name to its operation.
   * @throws FalconApiError SOAR_FALCON_UNKNOWN_OPERATION (with suggestions) or SOAR_FALCON_DECOMMISSIONED.
   */
  operation(name: string): OperationSpec {
    const op = findOperation(name);
    if (op === undefined) {
      const hints = suggestOperations(name);
      const tail = hints.length > 0 ? `; did you mean ${hints.join(', ')}?` : '';
      throw new FalconApiError('SOAR_FALCON_UNKNOWN_OPERATION', `unknown Falcon operation '${name}'${tail}`);
    }
    if (op.deprecated?.removed) {
      throw new FalconApiError(
        'SOAR_FALCON_DECOMMISSIONED',
        `${qualifiedName(op)} (${op.operationId}) was removed from the Falcon API: ${op.deprecated.note}`,
        {
          operationId: op.operationId,
          method: op.method,
          path: op.path,
        },
      );
    }
    return op;
  }

  /** Calls one operation once (with retries) and returns the parsed envelope. */
  async call(
    operation: string,
    params: Record<string, unknown> = {},
    options: FalconCallOptions = {},
  ): Promise<FalconResult> {
    const op = this.operation(operation);
    return this.#executor.execute(op, buildRequest(op, params), options.signal);
  }

  /** Yields each page of a query (offset or after style); one page in memory at a time. */
  async *pages(
    operation: string,
    params: Record<string, unknown> = {},
    options: FalconCallOptions = {},
  ): AsyncGenerator<FalconResult> {
    const op = this.operation(operation);
    let current: Record<string, unknown> | null = { ...params };
    const startOffset =
      !usesAfter(op, params) && params.offset !== undefined ? Number(params.offset) || 0 : 0;
    let received = 0;
    while (current !== null) {
      const page = await this.#executor.execute(op, buildRequest(op, current), options.signal);
      received += page.resources.length;
      yield page;
      current = nextPageParams(op, current, page, { received, startOffset });
    }
  }

  /**
   * Calls an operation once per batch of its ids parameter (the table's `ids.max` per request, or
   * `batchSize` when smaller), with bounded concurrency, and merges the answers. On the first failure
   * the remaining batches are cancelled and the error says how many batches had completed.
   */
  async callBatched(
    operation: string,
    params: Record<string, unknown>,
    options: BatchOptions & { batchSize?: number } = {},
  ): Promise<BatchedResult> {
    const op = this.operation(operation);
    if (op.ids === undefined) return { ...(await this.call(operation, params, options)), batches: 1 };
    const idsParam = op.ids.param;
    const ids = params[idsParam] === undefined ? [] : toList(params[idsParam]);
    const size = Math.max(1, Math.min(op.ids.max, options.batchSize ?? op.ids.max));
    const chunks: unknown[][] = [];
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    if (chunks.length <= 1) return { ...(await this.call(operation, params, options)), batches: 1 };

    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const results: (FalconResult | undefined)[] = new Array(chunks.length);
    let next = 0;
    let completed = 0;
    let failure: unknown = null;
    const worker = async (): Promise<void> => {
      while (failure === null && next < chunks.length) {
        const index = next++;
        try {
          results[index] = await this.call(
            operation,
            { ...params, [idsParam]: chunks[index] },
            { signal: controller.signal },
          );
          completed += 1;
        } catch (error) {
          if (failure === null) failure = annotateBatch(error, index, chunks.length, completed);
          controller.abort();
        }
      }
    };
    try {
      await Promise.all(
        Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, chunks.length)) }, worker),
      );
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (failure !== null) throw failure;
    return mergeResults(results as FalconResult[]);
  }

  /** The operations of one collection as methods, e.g. `client.service('detects').query_detects({limit: 5})`. */
  service(collection: string): CollectionService {
    return createService(this, collection);
  }

  /** Counters for metrics: requests, retries, 429s and failures, total and per operation. */
  stats(): ClientStats {
    return this.#stats.snapshot(this.#tokens.tokenRequests);
  }
}

function annotateBatch(error: unknown, index: number, total: number, completed: number): unknown {
  if (!(error instanceof FalconApiError)) return error;
  return new FalconApiError(
    error.code,
    `batch ${index + 1}/${total} failed after ${completed} batch(es) completed: ${error.message}`,
    {
      status: error.status,
      operationId: error.operationId,
      method: error.method,
      path: error.path,
      traceId: error.traceId,
      apiErrors: error.apiErrors,
      retryAfterMs: error.retryAfterMs,
      attempts: error.attempts,
    },
    error.retryable,
  );
}

function mergeResults(results: readonly FalconResult[]): BatchedResult {
  const first = results[0];
  return {
    status: first?.status ?? 200,
    resources: results.flatMap((r) => r.resources),
    meta: { ...(first?.meta ?? {}), batches: results.length },
    errors: results.flatMap((r) => r.errors),
    traceId: first?.traceId ?? null,
    batches: results.length,
  };
}

/** Builds a FalconClient; see FalconClientOptions. */
export function createFalconClient(options: FalconClientOptions): FalconClient {
  return new FalconClient(options);
}
