/**
 * HTTP to services other than Falcon (http.request, Slack, Teams), on node's own http/https.
 * Every exchange: the host must be on the allow list when one is set; the name is resolved here and
 * every address it resolves to must be public unless private addresses are allowed (SSRF guard); the
 * connection then goes to the address that was checked (no second DNS answer can move it); redirects
 * are followed only within the same host; answers are read up to a byte limit; each attempt has a
 * timeout. Errors name the destination without its query (or, for webhooks whose path is a secret,
 * by origin only) and say whether the request may have reached the service (`details.sent`).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { OutboundPolicy } from '../config/index.ts';
import { type ErrorCode, SoarError } from '../shared/index.ts';
import { hostAllowed, internalAddressReason } from './address-policy.ts';

export interface OutboundRequest {
  method: string;
  /** Absolute http(s) URL. */
  url: string;
  headers: Readonly<Record<string, string>>;
  body?: Buffer;
  /** Per attempt. */
  timeoutMs: number;
  maxResponseBytes: number;
  /** Extra attempts after a network error, a timeout, 429 or 5xx. Give 0 for non-idempotent calls. */
  retries: number;
  signal: AbortSignal;
  /** 'origin' when the URL's path or query is itself a secret (chat webhooks). */
  describe: 'url' | 'origin';
  /** Who is calling, for messages: "http.request", "notify.slack". */
  caller: string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Where the answer came from after same-host redirects (as described by `describe`). */
  url: string;
}

export interface OutboundHttp {
  /**
   * Sends the request; any status is returned (the caller decides what an error status means).
   * @throws SoarError SOAR_HTTP_ADDRESS_BLOCKED, SOAR_HTTP_HOST_NOT_ALLOWED, SOAR_HTTP_REDIRECT_REFUSED,
   * SOAR_HTTP_RESPONSE_TOO_LARGE, SOAR_HTTP_TIMEOUT, SOAR_HTTP_UNREACHABLE, SOAR_ACTION_BAD_PARAM.
   */
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

export interface OutboundHttpOptions {
  /** Resolves a host name to its addresses; tests may point names at local servers. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
  /** Waits between retries; tests may shorten it. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The outbound HTTP client under `policy`. */
export function createOutboundHttp(policy: OutboundPolicy, options: OutboundHttpOptions = {}): OutboundHttp {
  const resolve = options.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));
  const sleep = options.sleep ?? abortableSleep;
  return {
    async send(request) {
      let last: unknown;
      for (let attempt = 0; attempt <= request.retries; attempt++) {
        if (attempt > 0) await sleep(backoffMs(attempt, last), request.signal);
        try {
          const response = await followRedirects(request, policy, resolve);
          if (attempt < request.retries && (response.status === 429 || response.status >= 500)) {
            last = response;
            continue;
          }
          return response;
        } catch (error) {
          if (!(error instanceof SoarError) || !error.retryable || request.signal.aborted) throw error;
          last = error;
          if (attempt === request.retries) throw error;
        }
      }
      // Only reached when the last attempt answered 429/5xx with retries left over: never, but typed.
      return last as OutboundResponse;
    },
  };
}

function backoffMs(attempt: number, last: unknown): number {
  const retryAfter = (last as OutboundResponse | undefined)?.headers?.['retry-after'];
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 30) * 1000;
  return Math.min(250 * 2 ** (attempt - 1), 4000);
}

async function followRedirects(
  request: OutboundRequest,
  policy: OutboundPolicy,
  resolve: NonNullable<OutboundHttpOptions['resolve']>,
): Promise<OutboundResponse> {
  let url = parseUrl(request);
  let method = request.method.toUpperCase();
  let body = request.body;
  for (let hop = 0; ; hop++) {
    const answer = await exchange(request, url, method, body, policy, resolve);
    const location = answer.headers['location'];
    if (!REDIRECT_STATUSES.has(answer.status) || location === undefined) {
      return { ...answer, url: describeUrl(url, request.describe) };
    }
    const next = new URL(location, url);
    if (
      next.hostname.toLowerCase() !== url.hostname.toLowerCase() ||
      (url.protocol === 'https:' && next.protocol !== 'https:')
    ) {
      throw httpError(
        'SOAR_HTTP_REDIRECT_REFUSED',
        `${request.caller}: ${describeUrl(url, request.describe)} redirected to another host (${next.protocol}//${next.host}); Talon follows redirects only within the same host`,
        { sent: true, status: answer.status },
      );
    }
    if (hop >= MAX_REDIRECTS) {
      throw httpError(
        'SOAR_HTTP_REDIRECT_REFUSED',
        `${request.caller}: more than ${MAX_REDIRECTS} redirects from ${describeUrl(url, request.describe)}`,
        {
          sent: true,
          status: answer.status,
        },
      );
    }
    // 303, and 301/302 after a POST (what browsers and fetch do), continue as GET without a body.
    if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

function parseUrl(request: OutboundRequest): URL {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw httpError('SOAR_ACTION_BAD_PARAM', `${request.caller}: url is not an absolute URL`, {
      sent: false,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpError(
      'SOAR_ACTION_BAD_PARAM',
      `${request.caller}: url must be http:// or https:// (got ${url.protocol})`,
      {
        sent: false,
      },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw httpError(
      'SOAR_ACTION_BAD_PARAM',
      `${request.caller}: put credentials in auth from a named secret, not in the URL`,
      {
        sent: false,
      },
    );
  }
  return url;
}

/** The destination for messages: no query ever, and no path for secret webhook URLs. */
export function describeUrl(url: URL, describe: 'url' | 'origin'): string {
  return describe === 'origin'
    ? `${url.protocol}//${url.host}`
    : `${url.protocol}//${url.host}${url.pathname}`;
}

interface Target {
  address: string;
  family: number;
}

/** Applies the allow list and the address policy; returns the checked address to connect to. */
async function checkedTarget(
  request: OutboundRequest,
  url: URL,
  policy: OutboundPolicy,
  resolve: NonNullable<OutboundHttpOptions['resolve']>,
): Promise<Target> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const where = describeUrl(url, request.describe);
  if (policy.allowHosts !== null && !hostAllowed(host, policy.allowHosts)) {
    throw httpError(
      'SOAR_HTTP_HOST_NOT_ALLOWED',
      `${request.caller}: ${host} is not on TALON_HTTP_ALLOW_HOSTS (${where})`,
      {
        sent: false,
      },
    );
  }
  let targets: Target[];
  if (isIP(host) !== 0) {
    targets = [{ address: host, family: isIP(host) }];
  } else {
    try {
      targets = await resolve(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw httpError(
        'SOAR_HTTP_UNREACHABLE',
        `${request.caller}: cannot resolve ${host}${typeof code === 'string' ? ` (${code})` : ''}`,
        {
          sent: false,
        },
      );
    }
  }
  if (targets.length === 0) {
    throw httpError('SOAR_HTTP_UNREACHABLE', `${request.caller}: ${host} resolved to no address`, {
      sent: false,
    });
  }
  if (!policy.allowPrivate) {
    for (const target of targets) {
      const reason = internalAddressReason(target.address);
      if (reason !== null) {
        throw httpError(
          'SOAR_HTTP_ADDRESS_BLOCKED',
          `${request.caller}: ${where} refused: ${host === target.address ? host : `${host} resolves to ${target.address}, which`} is ${reason === 'not an IP address' ? 'not a usable address' : `a ${reason} address`} (set TALON_HTTP_ALLOW_PRIVATE=true on the workers to allow internal addresses)`,
          { sent: false },
        );
      }
    }
  }
  return targets[0] as Target;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

async function exchange(
  request: OutboundRequest,
  url: URL,
  method: string,
  body: Buffer | undefined,
  policy: OutboundPolicy,
  resolve: NonNullable<OutboundHttpOptions['resolve']>,
): Promise<Answer> {
  const target = await checkedTarget(request, url, policy, resolve);
  const where = describeUrl(url, request.describe);
  const pinned: LookupFunction = (_host, opts, callback) => {
    if ((opts as { all?: boolean }).all === true) {
      (callback as unknown as (e: null, a: Target[]) => void)(null, [target]);
    } else {
      callback(null, target.address, target.family);
    }
  };
  return await new Promise<Answer>((resolvePromise, reject) => {
    let connected = false;
    let timedOut = false;
    let settled = false;
    const fail = (error: SoarError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send({
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method,
      headers: {
        ...request.headers,
        ...(body === undefined ? {} : { 'content-length': String(body.length) }),
      },
      lookup: pinned,
      agent: false,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      fail(
        httpError(
          'SOAR_HTTP_TIMEOUT',
          `${request.caller}: ${method} ${where} did not answer within ${request.timeoutMs} ms`,
          { sent: connected },
        ),
      );
    }, request.timeoutMs);
    const onAbort = () =>
      fail(
        httpError(
          'SOAR_HTTP_TIMEOUT',
          `${request.caller}: ${method} ${where} was cancelled`,
          { sent: connected },
          false,
        ),
      );
    request.signal.addEventListener('abort', onAbort, { once: true });
    if (request.signal.aborted) onAbort();
    req.on('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        connected = true;
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (timedOut) return;
      const code = typeof error.code === 'string' ? ` (${error.code})` : '';
      fail(
        httpError('SOAR_HTTP_UNREACHABLE', `${request.caller}: ${method} ${where} failed${code}`, {
          sent: connected,
        }),
      );
    });
    req.on('response', (response: IncomingMessage) => {
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > request.maxResponseBytes) {
        fail(tooLarge(request, where, response.statusCode ?? 0));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) {
          fail(tooLarge(request, where, response.statusCode ?? 0));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', () =>
        fail(
          httpError('SOAR_HTTP_UNREACHABLE', `${request.caller}: ${where} broke off its answer`, {
            sent: true,
          }),
        ),
      );
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal.removeEventListener('abort', onAbort);
        resolvePromise({
          status: response.statusCode ?? 0,
          headers: flatHeaders(response.headers),
          body: Buffer.concat(chunks),
        });
      });
    });
    req.end(body);
  });
}

function tooLarge(request: OutboundRequest, where: string, status: number): SoarError {
  return httpError(
    'SOAR_HTTP_RESPONSE_TOO_LARGE',
    `${request.caller}: the answer of ${where} is larger than ${request.maxResponseBytes} bytes`,
    { sent: true, status },
  );
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** An outbound HTTP error: `sent` says whether the request may have reached the service. */
export function httpError(
  code: ErrorCode,
  message: string,
  facts: { sent: boolean; status?: number },
  retryable?: boolean,
): SoarError {
  const details = { sent: facts.sent, ...(facts.status === undefined ? {} : { status: facts.status }) };
  return new SoarError(code, message, retryable === undefined ? { details } : { details, retryable });
}

async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(
        new SoarError('SOAR_HTTP_TIMEOUT', 'cancelled while waiting to retry', {
          details: { sent: false },
          retryable: false,
        }),
      );
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
