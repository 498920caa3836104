/**
 * The only module that imports got. It sends one HTTP request and hands back status, lower-cased
 * headers and the parsed JSON body; it never retries (the client decides, per operation) and never
 * throws got's errors: they carry the request options, bearer token and form body included. Failures
 * become a TransportError with only a kind and a Node error code.
 */
import { type Got, got, type OptionsOfTextResponseBody } from 'got';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import type { Secret } from '../../shared/index.ts';
import type { HttpMethod } from '../operations/index.ts';

/** One request, relative to the transport's base URL. */
export interface HttpRequest {
  method: HttpMethod;
  /** Route path starting with '/'. */
  path: string;
  searchParams?: URLSearchParams;
  /** JSON body; omitted for bodiless requests. */
  json?: unknown;
  /** application/x-www-form-urlencoded body (the token route). */
  form?: Readonly<Record<string, string>>;
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
  /** The answer is bytes (a file), not JSON: read it as a buffer and hand it back in `bytes`. */
  binary?: boolean;
}

/** What came back. `body` is the parsed JSON, or undefined when the body is empty or not JSON. */
export interface HttpResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: unknown;
  /** True when a body was present but could not be parsed as JSON. */
  unparsable: boolean;
  /** The raw answer, for binary requests only. */
  bytes?: Buffer;
  durationMs: number;
}

export type TransportFailureKind = 'timeout' | 'network' | 'aborted';

/** A request that got no HTTP answer. Holds no request data at all. */
export class TransportError extends Error {
  readonly kind: TransportFailureKind;
  /** Node error code such as ECONNREFUSED or ETIMEDOUT. */
  readonly code: string;

  constructor(kind: TransportFailureKind, code: string) {
    super(`${kind}: ${code}`);
    this.name = 'TransportError';
    this.kind = kind;
    this.code = code;
  }
}

/** Sends requests to one base URL. */
export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

export interface TransportOptions {
  baseUrl: string;
  /** Whole-request timeout in ms (connect to last byte). */
  timeoutMs: number;
  userAgent: string;
  /** Proxy URL (may hold credentials); null connects directly. */
  proxy?: Secret | null;
}

/** Builds a got 14 instance for one base URL: no retries, no redirects, no throwing on HTTP status. */
export function createTransport(options: TransportOptions): Transport {
  const instance: Got = got.extend({
    prefixUrl: options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`,
    timeout: { request: options.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { 'user-agent': options.userAgent, accept: 'application/json' },
    ...(options.proxy ? { agent: proxyAgents(options.proxy) } : {}),
  });
  return {
    async send(request) {
      const init: OptionsOfTextResponseBody = { method: request.method, responseType: 'text' };
      if (request.binary) (init as { responseType: string }).responseType = 'buffer';
      if (request.searchParams && [...request.searchParams.keys()].length > 0) {
        init.searchParams = request.searchParams;
      }
      if (request.form !== undefined) init.form = { ...request.form };
      else if (request.json !== undefined) init.json = request.json;
      if (request.headers !== undefined) init.headers = { ...request.headers };
      if (request.signal !== undefined) init.signal = request.signal;
      const started = performance.now();
      try {
        // prefixUrl joins with a relative input only, hence the stripped slash.
        const response = await instance(request.path.replace(/^\/+/, ''), init);
        if (request.binary && Buffer.isBuffer(response.body) && response.statusCode < 300) {
          return {
            status: response.statusCode,
            headers: response.headers,
            body: undefined,
            unparsable: false,
            bytes: response.body,
            durationMs: Math.round(performance.now() - started),
          };
        }
        const text = String(response.body ?? '');
        let body: unknown;
        let unparsable = false;
        if (text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            unparsable = true;
          }
        }
        return {
          status: response.statusCode,
          headers: response.headers,
          body,
          unparsable,
          durationMs: Math.round(performance.now() - started),
        };
      } catch (error) {
        throw toTransportError(error, request.signal);
      }
    },
  };
}

/**
 * got takes an agent per protocol: CONNECT tunnels for https targets, absolute-URI requests for http
 * ones. Keep-alive as got's own agents do. The proxy URL is revealed only here, into the agent.
 */
function proxyAgents(proxy: Secret): { http: HttpProxyAgent; https: HttpsProxyAgent } {
  const common = { keepAlive: true, maxSockets: 64, proxy: proxy.reveal() };
  return { http: new HttpProxyAgent(common), https: new HttpsProxyAgent(common) };
}

/** Keeps only a kind and a code from whatever got threw; the original error is dropped here. */
function toTransportError(error: unknown, signal: AbortSignal | undefined): TransportError {
  if (signal?.aborted) return new TransportError('aborted', 'ABORT_ERR');
  const name = error instanceof Error ? error.name : '';
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === 'string' && /^[A-Z0-9_]{2,40}$/.test(raw) ? raw : 'UNKNOWN';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return new TransportError('timeout', 'ETIMEDOUT');
  if (name === 'AbortError' || code === 'ABORT_ERR') return new TransportError('aborted', 'ABORT_ERR');
  return new TransportError('network', code);
}
