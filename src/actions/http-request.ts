// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * http.request: one call to another service's HTTP API, through the guarded client
 * (src/actions/outbound-http.ts: SSRF guard, allow list, same-host redirects, size limit, timeout).
 * Retries (transport failures, 429, 5xx) only for idempotent methods; a POST or PATCH is sent once,
 * and after a crash between sending it and saving its checkpoint the run fails with
 * SOAR_ENGINE_UNKNOWN_OUTCOME unless the step accepts a resend (resend_if_unknown: true).
 */
import { SoarError, toSoarError } from '../shared/index.ts';
import {
  badParam,
  optionalBoolean,
  optionalDurationMs,
  optionalInteger,
  optionalMap,
  optionalText,
  requiredText,
} from './params.ts';
import type { ActionContext, ActionDefinition } from './types.ts';

const NAME = 'http.request';
const METHODS = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Methods whose repetition has the effect of one call (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const MAX_REQUEST_BYTES = 1024 * 1024;
const DEFAULT_RESPONSE_BYTES = 1024 * 1024;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Headers Talon sets itself; authorization only from `auth` (a named secret). */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'authorization',
]);

export const httpRequest: ActionDefinition = {
  declaration: {
    name: NAME,
    summary: 'Call an HTTP API of another service (SSRF-guarded; retries only idempotent methods).',
    params: [
      { name: 'url', required: true, description: 'Absolute http(s) URL; may interpolate ${{ }}.' },
      { name: 'method', required: false, enum: [...METHODS], description: 'Default GET.' },
      {
        name: 'headers',
        required: false,
        description: 'A mapping of header names to text (not Authorization: use auth).',
      },
      { name: 'query', required: false, description: 'A mapping added to the URL query string.' },
      { name: 'json', required: false, description: 'A body sent as JSON.' },
      { name: 'form', required: false, description: 'A mapping sent as application/x-www-form-urlencoded.' },
      { name: 'body', required: false, description: 'A text body (with content_type); at most 1 MiB.' },
      {
        name: 'content_type',
        required: false,
        description: 'Content-Type of a text body; default text/plain.',
      },
      {
        name: 'auth',
        required: false,
        description:
          '{bearer: secret}, {basic: {username, password: secret}} or {header: Name, value: secret}.',
      },
      { name: 'timeout', required: false, description: 'Per attempt; default 10s, at most 5m.' },
      {
        name: 'retries',
        required: false,
        description: 'Extra attempts for idempotent methods after 429, 5xx, timeouts; default 2, at most 5.',
      },
      {
        name: 'max_response_bytes',
        required: false,
        description: 'Largest answer read; default 1 MiB, at most 16 MiB.',
      },
      {
        name: 'fail_on_status',
        required: false,
        description: 'Fail the step on a non-2xx answer; default true.',
      },
      {
        name: 'resend_if_unknown',
        required: false,
        description:
          'After a crash mid-call, send a non-idempotent request again instead of failing; default false.',
      },
    ],
    secretSlots: ['auth.bearer', 'auth.basic.password', 'auth.value'],
    output: '{status, ok, headers, body, url}: body parsed when the answer is JSON, else text.',
  },
  whenOutcomeUnknown(params) {
    const method = String(params['method'] ?? 'GET').toUpperCase();
    return IDEMPOTENT.has(method) || params['resend_if_unknown'] === true ? 'resend' : 'fail';
  },
  async run(params, context) {
    const method = methodOf(params);
    const idempotent = IDEMPOTENT.has(method);
    const url = urlOf(params);
    const { headers, body } = bodyOf(params);
    Object.assign(headers, await authHeaders(params, context));
    const maxResponseBytes = optionalInteger(NAME, params, 'max_response_bytes', DEFAULT_RESPONSE_BYTES, {
      min: 1,
      max: MAX_RESPONSE_BYTES,
    });
    try {
      const response = await context.http.send({
        method,
        url,
        headers,
        ...(body === undefined ? {} : { body }),
        timeoutMs: optionalDurationMs(NAME, params, 'timeout', 10_000, 300_000),
        maxResponseBytes,
        retries: idempotent ? optionalInteger(NAME, params, 'retries', 2, { min: 0, max: 5 }) : 0,
        signal: context.signal,
        describe: 'url',
        caller: NAME,
      });
      const ok = response.status >= 200 && response.status < 300;
      const parsed = parseBody(response.body, response.headers['content-type']);
      if (!ok && optionalBoolean(NAME, params, 'fail_on_status', true)) {
        const excerpt = (typeof parsed === 'string' ? parsed : (JSON.stringify(parsed) ?? ''))
          .slice(0, 200)
          .replace(/\s+/g, ' ');
        throw new SoarError(
          'SOAR_HTTP_STATUS',
          `${NAME}: ${method} ${response.url} answered ${response.status}${excerpt === '' ? '' : `: ${excerpt}`}`,
          {
            details: { sent: true, status: response.status },
            retryable: idempotent && (response.status === 429 || response.status >= 500),
          },
        );
      }
      return { status: response.status, ok, headers: response.headers, body: parsed, url: response.url };
    } catch (error) {
      // A non-idempotent request that may have reached the service is never repeated by a retry.
      const soar = toSoarError(error);
      if (!idempotent && soar.details['sent'] === true && soar.retryable) {
        throw new SoarError(soar.code, soar.message, { details: soar.details, retryable: false });
      }
      throw error;
    }
  },
};

function methodOf(params: Readonly<Record<string, unknown>>): string {
  const method = (optionalText(NAME, params, 'method') ?? 'GET').toUpperCase();
  if (!(METHODS as readonly string[]).includes(method))
    throw badParam(NAME, `method must be one of ${METHODS.join(', ')}`);
  return method;
}

function urlOf(params: Readonly<Record<string, unknown>>): string {
  const text = requiredText(NAME, params, 'url');
  const query = optionalMap(NAME, params, 'query');
  if (query === undefined) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badParam(NAME, 'url is not an absolute URL');
  }
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null)
        url.searchParams.append(key, typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  return url.toString();
}

function bodyOf(params: Readonly<Record<string, unknown>>): {
  headers: Record<string, string>;
  body: Buffer | undefined;
} {
  const headers: Record<string, string> = {
    'user-agent': 'talon',
    accept: 'application/json, text/*;q=0.9, */*;q=0.5',
  };
  for (const [name, value] of Object.entries(optionalMap(NAME, params, 'headers') ?? {})) {
    const lower = name.toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw badParam(NAME, `headers: "${name}" is not a header name`);
    if (RESERVED_HEADERS.has(lower)) {
      throw badParam(
        NAME,
        lower === 'authorization'
          ? 'headers: use auth with a named secret instead of an Authorization header'
          : `headers: ${name} is set by Talon`,
      );
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (/[\r\n\0]/.test(text)) throw badParam(NAME, `headers: the value of ${name} holds a line break`);
    headers[lower] = text;
  }
  const given = ['json', 'form', 'body'].filter((k) => params[k] !== undefined && params[k] !== null);
  if (given.length > 1) throw badParam(NAME, `give one of json, form and body (got ${given.join(', ')})`);
  let body: Buffer | undefined;
  if (given[0] === 'json') {
    body = Buffer.from(JSON.stringify(params['json']), 'utf8');
    headers['content-type'] ??= 'application/json';
  } else if (given[0] === 'form') {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(optionalMap(NAME, params, 'form') ?? {})) {
      form.append(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
    body = Buffer.from(form.toString(), 'utf8');
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (given[0] === 'body') {
    body = Buffer.from(optionalText(NAME, params, 'body') ?? '', 'utf8');
    headers['content-type'] ??= optionalText(NAME, params, 'content_type') ?? 'text/plain; charset=utf-8';
  }
  if (body !== undefined && body.length > MAX_REQUEST_BYTES) {
    throw badParam(NAME, `the request body is ${body.length} bytes; at most ${MAX_REQUEST_BYTES} are sent`);
  }
  return { headers, body };
}

async function authHeaders(
  params: Readonly<Record<string, unknown>>,
  context: ActionContext,
): Promise<Record<string, string>> {
  const auth = optionalMap(NAME, params, 'auth');
  if (auth === undefined) return {};
  if (auth['bearer'] !== undefined) {
    return { authorization: `Bearer ${(await context.secret(auth['bearer'], 'auth.bearer')).reveal()}` };
  }
  if (auth['basic'] !== undefined) {
    const basic = auth['basic'] as { username?: unknown; password?: unknown } | null;
    if (typeof basic?.username !== 'string' || basic.username.includes(':')) {
      throw badParam(NAME, 'auth.basic needs a username (without ":") and a password secret');
    }
    const password = (await context.secret(basic.password, 'auth.basic.password')).reveal();
    // The encoded pair hides the password from a scrub of the password alone: it is a secret of its own.
    const encoded = context.derivedSecret(
      Buffer.from(`${basic.username}:${password}`, 'utf8').toString('base64'),
    );
    return { authorization: `Basic ${encoded.reveal()}` };
  }
  if (typeof auth['header'] === 'string') {
    const name = auth['header'];
    if (
      !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ||
      (RESERVED_HEADERS.has(name.toLowerCase()) && name.toLowerCase() !== 'authorization')
    ) {
      throw badParam(NAME, `auth.header: "${name}" cannot carry a secret`);
    }
    return { [name.toLowerCase()]: (await context.secret(auth['value'], 'auth.value')).reveal() };
  }
  throw badParam(
    NAME,
    'auth must be {bearer: secret}, {basic: {username, password: secret}} or {header: Name, value: secret}',
  );
}

function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (contentType !== undefined && /[/+]json\b/i.test(contentType) && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}
