/**
 * OAuth2 client-credentials tokens (falcon-api.md §1). The client secret and the access token are
 * revealed here and nowhere else. One token is cached per provider, renewed before it expires, and
 * concurrent callers share one token request (single flight). A 401 from the API invalidates the
 * token it was sent with, so a burst of 401s costs one renewal, not one per caller.
 */
import { type Clock, type Logger, Secret, systemClock } from '../../shared/index.ts';
import { FalconApiError, type FalconApiErrorItem } from '../errors.ts';
import { type HttpResponse, type Transport, TransportError } from '../http/index.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryAfterMs, retryDelay } from '../retry.ts';

const TOKEN_PATH = '/oauth2/token';
/** falconpy's assumption when expires_in is missing; the real value is 1799 (§1.1). */
const DEFAULT_LIFETIME_S = 1799;

export interface TokenProviderOptions {
  transport: Transport;
  clientId: string;
  clientSecret: Secret;
  /** MSSP: lock the token to this child CID. */
  memberCid?: string | null;
  /** Renew this long before expiry (falconpy: 120 s). Capped at half the token lifetime. */
  renewWindowMs?: number;
  retry?: RetryPolicy;
  clock?: Clock;
  logger: Logger;
}

/** A header to send and the generation of the token inside it (for invalidate). */
export interface Authorization {
  header: string;
  generation: number;
}

interface CachedToken {
  token: Secret;
  renewAt: number;
  generation: number;
}

/** Fetches, caches and renews the bearer token. */
export class TokenProvider {
  readonly #options: TokenProviderOptions;
  readonly #clock: Clock;
  #cached: CachedToken | null = null;
  #inflight: Promise<CachedToken> | null = null;
  #generation = 0;
  #requests = 0;

  constructor(options: TokenProviderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** How many token requests were sent (for stats and tests). */
  get tokenRequests(): number {
    return this.#requests;
  }

  /** The Authorization header value, fetching or renewing the token when needed. */
  async authorization(signal?: AbortSignal): Promise<Authorization> {
    const cached = this.#cached;
    const token = cached !== null && this.#clock.now() < cached.renewAt ? cached : await this.#shared(signal);
    return { header: `Bearer ${token.token.reveal()}`, generation: token.generation };
  }

  /** Drops the token of `generation` after the API rejected it; a newer token is kept. */
  invalidate(generation: number): void {
    if (this.#cached?.generation === generation) this.#cached = null;
  }

  /** Joins the token request in flight, or starts one. A caller's abort stops only its own wait. */
  #shared(signal?: AbortSignal): Promise<CachedToken> {
    if (this.#inflight === null) {
      this.#inflight = this.#fetch().finally(() => {
        this.#inflight = null;
      });
    }
    const pending = this.#inflight;
    if (signal === undefined) return pending;
    return new Promise<CachedToken>((resolve, reject) => {
      if (signal.aborted) {
        reject(aborted());
        return;
      }
      const onAbort = (): void => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (t) => {
          signal.removeEventListener('abort', onAbort);
          resolve(t);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  async #fetch(): Promise<CachedToken> {
    const policy = this.#options.retry ?? DEFAULT_RETRY_POLICY;
    let attempt = 0;
    let rateLimited = 0;
    for (;;) {
      attempt += 1;
      let response: HttpResponse;
      try {
        this.#requests += 1;
        response = await this.#options.transport.send({
          method: 'POST',
          path: TOKEN_PATH,
          form: this.#form(),
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        const outcome =
          error.kind === 'timeout'
            ? ({ kind: 'timeout' } as const)
            : ({ kind: 'network', code: error.code } as const);
        // Asking for a token twice is harmless, so the token request counts as idempotent.
        const wait = retryDelay({
          attempt,
          rateLimited,
          outcome,
          idempotent: true,
          retryAfterMs: null,
          policy,
          random: Math.random(),
        });
        if (wait === null) {
          throw new FalconApiError(
            error.kind === 'timeout' ? 'SOAR_FALCON_TIMEOUT' : 'SOAR_FALCON_NETWORK',
            `POST ${TOKEN_PATH} failed: ${error.kind} (${error.code})`,
            { method: 'POST', path: TOKEN_PATH, attempts: attempt, networkCode: error.code },
          );
        }
        await this.#clock.sleep(wait);
        continue;
      }
      if (response.status === 200 || response.status === 201) return this.#accept(response);
      if (response.status === 429) rateLimited += 1;
      const wait = retryDelay({
        attempt,
        rateLimited,
        outcome: { kind: 'status', status: response.status },
        idempotent: true,
        retryAfterMs: retryAfterMs(
          response.headers['x-ratelimit-retryafter'] ?? response.headers['retry-after'],
          this.#clock.now(),
        ),
        policy,
        random: Math.random(),
      });
      if (wait === null) throw this.#refused(response, attempt);
      this.#options.logger.warn(
        { status: response.status, waitMs: wait, attempt },
        'falcon token request failed; retrying',
      );
      await this.#clock.sleep(wait);
    }
  }

  #form(): Record<string, string> {
    const form: Record<string, string> = {
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret.reveal(),
    };
    if (this.#options.memberCid) form.member_cid = this.#options.memberCid;
    return form;
  }

  #accept(response: HttpResponse): CachedToken {
    const body = (response.body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || body.access_token.length === 0) {
      throw new FalconApiError(
        'SOAR_FALCON_BAD_RESPONSE',
        `POST ${TOKEN_PATH} answered ${response.status} without an access_token`,
        {
          status: response.status,
          method: 'POST',
          path: TOKEN_PATH,
        },
      );
    }
    const lifetimeMs =
      (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_LIFETIME_S) *
      1000;
    const window = Math.min(this.#options.renewWindowMs ?? 120_000, lifetimeMs / 2);
    this.#generation += 1;
    const cached: CachedToken = {
      token: new Secret(body.access_token),
      renewAt: this.#clock.now() + lifetimeMs - window,
      generation: this.#generation,
    };
    this.#cached = cached;
    this.#options.logger.debug(
      { expiresInS: lifetimeMs / 1000, generation: cached.generation },
      'falcon token issued',
    );
    return cached;
  }

  #refused(response: HttpResponse, attempts: number): FalconApiError {
    const apiErrors = readErrors(response.body);
    const status = response.status;
    const auth = status === 400 || status === 401 || status === 403;
    const traceId = headerString(response.headers['x-cs-traceid']);
    return new FalconApiError(
      auth
        ? 'SOAR_FALCON_AUTH'
        : status === 429
          ? 'SOAR_FALCON_RATE_LIMITED'
          : status >= 500
            ? 'SOAR_FALCON_HTTP_5XX'
            : 'SOAR_FALCON_HTTP_4XX',
      `POST ${TOKEN_PATH} refused with ${status}${apiErrors[0] ? `: ${apiErrors[0].message}` : ''}`,
      { status, method: 'POST', path: TOKEN_PATH, apiErrors, attempts, traceId },
    );
  }
}

function aborted(): FalconApiError {
  return new FalconApiError('SOAR_FALCON_ABORTED', 'token request wait cancelled by the caller', {
    path: TOKEN_PATH,
  });
}

/** The envelope's error list, coerced to {code, message, id?}. */
export function readErrors(body: unknown): FalconApiErrorItem[] {
  const list = (body as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(list)) return [];
  return list.map((e: unknown) => {
    const item = (e ?? {}) as { code?: unknown; message?: unknown; id?: unknown };
    const out: FalconApiErrorItem = {
      code: Number.isFinite(Number(item.code)) ? Number(item.code) : 0,
      message: typeof item.message === 'string' ? item.message : JSON.stringify(item.message ?? ''),
    };
    if (typeof item.id === 'string') out.id = item.id;
    return out;
  });
}

/** First value of a header as a string, or null. */
export function headerString(value: string | string[] | undefined): string | null {
  const raw = Array.isArray(value) ? value[0] : value;
  return raw === undefined || raw === '' ? null : raw;
}
