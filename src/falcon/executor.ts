/**
 * Sends one built request with everything around it: pacing, the shared rate budget, the bearer
 * token (renewed on a 401, and again on a later 401 after the request waited), retries with backoff
 * for idempotent calls, waiting out 429s, logging and counters. Every failure leaves as a
 * FalconApiError.
 */
import type { FalconResult } from '../engine/ports.ts';
import type { Clock, Logger } from '../shared/index.ts';
import { readErrors, type TokenProvider } from './auth/token-provider.ts';
import { codeForStatus, describeFailure, FalconApiError, type FalconErrorFacts } from './errors.ts';
import { type HttpResponse, type Transport, TransportError } from './http/index.ts';
import type { OperationSpec } from './operations/index.ts';
import type { RateBudget } from './rate-budget.ts';
import type { BuiltRequest } from './request.ts';
import { toFalconResult, traceIdOf } from './response.ts';
import {
  type AttemptOutcome,
  numericHeader,
  paceDelayMs,
  type RetryPolicy,
  retryAfterMs,
  retryDelay,
} from './retry.ts';
import type { StatsRecorder } from './stats.ts';

export interface ExecutorDeps {
  transport: Transport;
  tokens: TokenProvider;
  budget: RateBudget | null;
  policy: RetryPolicy;
  clock: Clock;
  logger: Logger;
  stats: StatsRecorder;
  random: () => number;
}

/**
 * Token renewals one request may make after a 401. A token refused right after it was issued is a
 * credentials or tenant problem (give up); one refused after the request waited (429, backoff) may
 * have been revoked or expired again meanwhile, so it is renewed again, up to this many times.
 */
const MAX_RENEWALS_AFTER_401 = 3;
/** A 401 this soon after the last renewal means the fresh token itself is refused. */
const FRESH_TOKEN_MS = 1000;

/** Runs requests for one client; holds the pacing state shared by all its calls. */
export class Executor {
  readonly #deps: ExecutorDeps;
  /** Epoch ms before which no request starts (set when X-Ratelimit-Remaining runs low). */
  #notBefore = 0;

  constructor(deps: ExecutorDeps) {
    this.#deps = deps;
  }

  async execute(op: OperationSpec, request: BuiltRequest, signal?: AbortSignal): Promise<FalconResult> {
    const { clock, stats, logger, policy } = this.#deps;
    const facts: FalconErrorFacts = { operationId: op.operationId, method: op.method, path: op.path };
    let attempt = 0;
    let rateLimited = 0;
    let renewalsAfter401 = 0;
    let renewedAt = Number.NEGATIVE_INFINITY;
    let sent = 0;
    for (;;) {
      throwIfAborted(signal, facts);
      const pause = this.#notBefore - clock.now();
      if (pause > 0) await this.#sleep(pause, signal, facts);
      if (this.#deps.budget) await this.#deps.budget.acquire(op.operationId, signal);
      const auth = await this.#deps.tokens.authorization(signal);
      stats.count(op.operationId, 'requests');
      sent += 1;
      let response: HttpResponse;
      try {
        response = await this.#deps.transport.send({
          method: request.method,
          path: request.path,
          searchParams: request.searchParams,
          json: request.body,
          ...(op.resources === 'file' ? { binary: true } : {}),
          headers: { authorization: auth.header },
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (error.kind === 'aborted')
          throw new FalconApiError('SOAR_FALCON_ABORTED', describeFailure(facts, 'cancelled'), facts);
        attempt += 1;
        const outcome: AttemptOutcome =
          error.kind === 'timeout' ? { kind: 'timeout' } : { kind: 'network', code: error.code };
        const wait = retryDelay({
          attempt,
          rateLimited,
          outcome,
          idempotent: op.idempotent,
          retryAfterMs: null,
          policy,
          random: this.#deps.random(),
        });
        logger.warn(
          {
            operationId: op.operationId,
            method: op.method,
            route: op.path,
            failure: error.kind,
            code: error.code,
            attempt,
            retryInMs: wait,
          },
          'falcon request failed',
        );
        if (wait === null) {
          stats.count(op.operationId, 'failures');
          const code = error.kind === 'timeout' ? 'SOAR_FALCON_TIMEOUT' : 'SOAR_FALCON_NETWORK';
          const f = { ...facts, attempts: sent, networkCode: error.code };
          throw new FalconApiError(code, describeFailure(f, `failed: ${error.kind} (${error.code})`), f);
        }
        stats.count(op.operationId, 'retries');
        await this.#sleep(wait, signal, facts);
        continue;
      }
      this.#observe(response);
      const traceId = traceIdOf(response);
      logger.debug(
        {
          operationId: op.operationId,
          method: op.method,
          route: op.path,
          status: response.status,
          durationMs: response.durationMs,
          traceId,
        },
        'falcon request',
      );
      if (response.status >= 200 && response.status < 300) {
        if (response.unparsable) {
          stats.count(op.operationId, 'failures');
          const f = { ...facts, status: response.status, traceId };
          throw new FalconApiError(
            'SOAR_FALCON_BAD_RESPONSE',
            describeFailure(f, `answered ${response.status} with a body that is not JSON`),
            f,
          );
        }
        return toFalconResult(response, op);
      }
      if (
        response.status === 401 &&
        renewalsAfter401 < MAX_RENEWALS_AFTER_401 &&
        clock.now() - renewedAt >= FRESH_TOKEN_MS
      ) {
        // The token may have expired or been revoked early: renew, resend without counting a retry.
        renewalsAfter401 += 1;
        renewedAt = clock.now();
        this.#deps.tokens.invalidate(auth.generation);
        logger.info(
          { operationId: op.operationId, route: op.path, traceId },
          'falcon answered 401; renewing the token',
        );
        continue;
      }
      const wait429 =
        response.status === 429
          ? retryAfterMs(
              response.headers['x-ratelimit-retryafter'] ?? response.headers['retry-after'],
              clock.now(),
            )
          : null;
      if (response.status === 429) {
        rateLimited += 1;
        stats.count(op.operationId, 'rateLimited');
        if (this.#deps.budget) await this.#deps.budget.penalize(wait429 ?? policy.baseDelayMs);
      } else {
        attempt += 1;
      }
      const wait = retryDelay({
        attempt,
        rateLimited,
        outcome: { kind: 'status', status: response.status },
        idempotent: op.idempotent,
        retryAfterMs: wait429,
        policy,
        random: this.#deps.random(),
      });
      if (wait === null) {
        stats.count(op.operationId, 'failures');
        const f: FalconErrorFacts = {
          ...facts,
          status: response.status,
          traceId,
          apiErrors: readErrors(response.body),
          retryAfterMs: wait429,
          attempts: sent,
        };
        logger.warn(
          {
            operationId: op.operationId,
            method: op.method,
            route: op.path,
            status: response.status,
            durationMs: response.durationMs,
            traceId,
          },
          'falcon request failed',
        );
        throw new FalconApiError(
          codeForStatus(response.status),
          describeFailure(f, `answered ${response.status}`),
          f,
        );
      }
      stats.count(op.operationId, 'retries');
      logger.warn(
        {
          operationId: op.operationId,
          method: op.method,
          route: op.path,
          status: response.status,
          traceId,
          retryInMs: wait,
        },
        'falcon request will be retried',
      );
      await this.#sleep(wait, signal, facts);
    }
  }

  /** Slows down before the window runs dry (X-Ratelimit-Remaining). */
  #observe(response: HttpResponse): void {
    // After a 429 the Retryafter header already says how long to wait; pacing on top would double it.
    if (response.status === 429) return;
    const delay = paceDelayMs(
      numericHeader(response.headers['x-ratelimit-remaining']),
      numericHeader(response.headers['x-ratelimit-limit']),
    );
    if (delay > 0) this.#notBefore = Math.max(this.#notBefore, this.#deps.clock.now() + delay);
  }

  async #sleep(ms: number, signal: AbortSignal | undefined, facts: FalconErrorFacts): Promise<void> {
    try {
      await this.#deps.clock.sleep(ms, signal);
    } catch {
      throw new FalconApiError(
        'SOAR_FALCON_ABORTED',
        describeFailure(facts, 'cancelled while waiting to retry'),
        facts,
      );
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined, facts: FalconErrorFacts): void {
  if (signal?.aborted)
    throw new FalconApiError('SOAR_FALCON_ABORTED', describeFailure(facts, 'cancelled'), facts);
}
