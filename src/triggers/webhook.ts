/**
 * Webhook triggers: signature verification and the request handler (the HTTP server lives in
 * src/server and passes raw bytes in).
 *
 * A request carries `X-Talon-Delivery: <id>` (1-128 of A-Z a-z 0-9 . _ : -, unique per event) and
 * `X-Talon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, signed text)>`, where the signed
 * text is the lines `v1`, the method, the path (`/hooks/<path>`), the timestamp and the delivery id,
 * each ended by "\n", followed by the raw body. So a signature is good for one route, one delivery and
 * one body: sent to another path, with another delivery id or another method it fails (401).
 * Each route has its own secret (the trigger's `secret_env`, at least 16 characters); there is no
 * server-wide fallback. Compared in constant time. A timestamp more than 5 minutes away from now is
 * refused (409), and a signature that already enqueued its run is refused (409) within twice that
 * window. The signature is spent only once the run is enqueued: a sender retrying after a 5xx (Redis
 * down) succeeds. The delivery id makes the run id deterministic: the same delivery signed again
 * gets the same run (202, duplicate), never a second one.
 * Nothing is enqueued unless every check passed. Headers and signatures never reach job data.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CompiledPlaybook, CompiledTrigger } from '../playbook/compiled.ts';
import { shortHash, slugify, type TalonQueue } from '../queue/index.ts';
import { type Clock, type ErrorCode, type Secret, SoarError } from '../shared/index.ts';

export const SIGNATURE_HEADER = 'x-talon-signature';
export const DELIVERY_HEADER = 'x-talon-delivery';
/** How far a signature timestamp may be from now. */
export const REPLAY_WINDOW_MS = 5 * 60_000;
/** Largest accepted body. */
export const DEFAULT_WEBHOOK_BODY_LIMIT = 256 * 1024;
/** Shortest secret a route accepts. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
const DELIVERY_RE = /^[A-Za-z0-9._:-]{1,128}$/;

type WebhookTrigger = Extract<CompiledTrigger, { type: 'webhook' }>;

/** The HTTP status each webhook error code answers with. */
export const WEBHOOK_HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  SOAR_TRIGGERS_WEBHOOK_SIGNATURE: 401,
  SOAR_TRIGGERS_WEBHOOK_REPLAY: 409,
  SOAR_TRIGGERS_WEBHOOK_TOO_LARGE: 413,
  SOAR_TRIGGERS_WEBHOOK_MALFORMED: 400,
  SOAR_TRIGGERS_WEBHOOK_UNKNOWN: 404,
  SOAR_TRIGGERS_WEBHOOK_NO_SECRET: 503,
  SOAR_ENGINE_INPUT_INVALID: 422,
};

/** What a webhook signature covers. */
export interface SignedWebhook {
  /** @default 'POST' */
  method?: string;
  /** The route path, with or without the `/hooks/` prefix ("triage" and "/hooks/triage" are the same). */
  path: string;
  deliveryId: string;
  body: string | Buffer;
  timestampSec: number;
}

/** The canonical form of a webhook path: `/hooks/<path>`. */
export function canonicalHookPath(path: string): string {
  return `/hooks/${path.replace(/^\/+/, '').replace(/^hooks\//, '')}`;
}

/** Builds the X-Talon-Signature value (for senders, tests and `talon` tooling). */
export function signWebhook(secret: Secret, request: SignedWebhook): string {
  return `t=${request.timestampSec},v1=${hmacHex(secret, request)}`;
}

/** Both headers a sender sets: the signature and the delivery id. */
export function webhookHeaders(secret: Secret, request: SignedWebhook): Record<string, string> {
  return { [SIGNATURE_HEADER]: signWebhook(secret, request), [DELIVERY_HEADER]: request.deliveryId };
}

function hmacHex(secret: Secret, request: SignedWebhook): string {
  const head = ['v1', (request.method ?? 'POST').toUpperCase(), canonicalHookPath(request.path)];
  head.push(String(request.timestampSec), request.deliveryId);
  return createHmac('sha256', secret.reveal())
    .update(`${head.join('\n')}\n`)
    .update(request.body)
    .digest('hex');
}

function webhookError(code: ErrorCode, message: string): SoarError {
  return new SoarError(code, message, { details: { status: WEBHOOK_HTTP_STATUS[code] ?? 400 } });
}

/**
 * Checks a signature header against the request it came with.
 * @returns the signature (its v1 part), used as the replay nonce.
 * @throws SoarError SOAR_TRIGGERS_WEBHOOK_SIGNATURE (missing, malformed or wrong) or
 *   SOAR_TRIGGERS_WEBHOOK_REPLAY (timestamp outside the window).
 */
export function verifyWebhookSignature(input: {
  header: string | undefined;
  method: string;
  path: string;
  deliveryId: string;
  body: Buffer;
  secret: Secret;
  nowMs: number;
  windowMs?: number;
}): string {
  const header = input.header;
  if (header === undefined || header === '') {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_SIGNATURE', `missing ${SIGNATURE_HEADER} header`);
  }
  const parts = new Map(
    header.split(',').map((part) => {
      const i = part.indexOf('=');
      return [part.slice(0, i).trim(), part.slice(i + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (t === undefined || !/^\d{1,12}$/.test(t) || v1 === undefined || !/^[0-9a-f]{64}$/i.test(v1)) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
      `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<64 hex characters>`,
    );
  }
  const signed = { ...input, timestampSec: Number(t) };
  const expected = Buffer.from(hmacHex(input.secret, signed), 'hex');
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
      'signature does not match this method, path, timestamp, delivery id, body and secret',
    );
  }
  const skewMs = Math.abs(input.nowMs - Number(t) * 1000);
  if (skewMs > (input.windowMs ?? REPLAY_WINDOW_MS)) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_REPLAY',
      `signature timestamp is ${Math.round(skewMs / 1000)} s away from the server clock (window ${Math.round((input.windowMs ?? REPLAY_WINDOW_MS) / 1000)} s)`,
    );
  }
  return v1.toLowerCase();
}

/**
 * Parses a webhook body: a JSON object (an empty body counts as {}).
 * @throws SoarError SOAR_TRIGGERS_WEBHOOK_MALFORMED saying what is wrong.
 */
export function parseWebhookBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_MALFORMED',
      `body is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_MALFORMED', 'body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export interface WebhookRoute {
  plan: CompiledPlaybook;
  trigger: WebhookTrigger;
}

/** Maps each webhook path (without leading slash) to its playbook. Duplicate paths: the first wins. */
export function webhookRoutes(playbooks: readonly CompiledPlaybook[]): Map<string, WebhookRoute> {
  const routes = new Map<string, WebhookRoute>();
  for (const plan of playbooks) {
    for (const trigger of plan.triggers) {
      if (trigger.type !== 'webhook') continue;
      const path = trigger.path.replace(/^\/+/, '');
      if (!routes.has(path)) routes.set(path, { plan, trigger });
    }
  }
  return routes;
}

export interface WebhookRequest {
  /** @default 'POST' */
  method?: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export interface WebhookHandlerOptions {
  routes: Map<string, WebhookRoute>;
  talon: TalonQueue;
  /** The secret named by a trigger's secret_env (null when unset). */
  secretFor(secretEnv: string): Secret | null;
  /** Validates and completes inputs (the engine's resolveInputs). */
  resolveInputs(plan: CompiledPlaybook, given: Record<string, unknown>): Record<string, unknown>;
  clock: Clock;
}

/**
 * Verifies a webhook request and enqueues its run.
 * @returns the run id (and whether it was already enqueued by an earlier delivery).
 * @throws SoarError with a SOAR_TRIGGERS_WEBHOOK_* code (details.status = HTTP status); nothing enqueued.
 */
export async function handleWebhook(
  request: WebhookRequest,
  options: WebhookHandlerOptions,
): Promise<{ runId: string; duplicate: boolean }> {
  const routePath = request.path.replace(/^\/+/, '');
  const route = options.routes.get(routePath);
  if (!route)
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_UNKNOWN',
      `no playbook listens on webhook path "${request.path}"`,
    );
  const secret = options.secretFor(route.trigger.secretEnv);
  if (secret === null || secret.reveal().length < MIN_WEBHOOK_SECRET_LENGTH) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_NO_SECRET',
      `webhook "${routePath}" has no usable secret: ${route.trigger.secretEnv} must be set to at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`,
    );
  }
  const deliveryId = headerValue(request.headers[DELIVERY_HEADER]);
  if (deliveryId === undefined || !DELIVERY_RE.test(deliveryId)) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_SIGNATURE',
      `${DELIVERY_HEADER} must be 1-128 characters of A-Z a-z 0-9 . _ : - (a unique id per event)`,
    );
  }
  const now = options.clock.now();
  const signature = verifyWebhookSignature({
    header: headerValue(request.headers[SIGNATURE_HEADER]),
    method: request.method ?? 'POST',
    path: routePath,
    deliveryId,
    body: request.body,
    secret,
    nowMs: now,
  });
  const nonceKey = options.talon.keys.webhookNonce(signature);
  if ((await options.talon.redis.call('EXISTS', nonceKey)) === 1) {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_REPLAY', 'this signed request was already delivered');
  }
  const body = parseWebhookBody(request.body);
  const given = body['inputs'];
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_MALFORMED', '"inputs" must be a JSON object when present');
  }
  const inputs = options.resolveInputs(route.plan, (given ?? {}) as Record<string, unknown>);
  // The run id comes from the route and the delivery: two requests racing with the same delivery
  // make one run (the second is a duplicate), so the signature can be spent after the enqueue.
  const result = await options.talon.enqueue({
    plan: route.plan,
    inputs,
    trigger: { type: 'webhook', at: now, source: route.trigger.path, data: body },
    runId: `run-wh-${slugify(route.plan.name)}-${shortHash(`${routePath}\n${deliveryId}`)}`,
    ...(route.trigger.tenant === undefined ? {} : { tenant: route.trigger.tenant }),
  });
  await options.talon.redis.call('SET', nonceKey, '1', 'PX', REPLAY_WINDOW_MS * 2);
  return { runId: result.runId, duplicate: result.outcome === 'duplicate' };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
