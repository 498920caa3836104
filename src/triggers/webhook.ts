/**
 * Webhook triggers: signature verification and the request handler (the HTTP server lives in
 * src/server and passes raw bytes in).
 *
 * Signature: `X-Talon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * Compared in constant time. A timestamp more than 5 minutes away from now is refused, and a signature
 * seen before (within twice that window) is refused, so a captured request cannot be replayed.
 * An optional `X-Talon-Delivery: <id>` makes the run id deterministic: a sender retrying the same
 * delivery (signed again) gets the same run, not a second one.
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

/** Builds the X-Talon-Signature value for `body` (for senders, tests and `talon` tooling). */
export function signWebhook(secret: Secret, body: string | Buffer, timestampSec: number): string {
  return `t=${timestampSec},v1=${hmacHex(secret, timestampSec, body)}`;
}

function hmacHex(secret: Secret, timestampSec: number, body: string | Buffer): string {
  return createHmac('sha256', secret.reveal()).update(`${timestampSec}.`).update(body).digest('hex');
}

function webhookError(code: ErrorCode, message: string): SoarError {
  return new SoarError(code, message, { details: { status: WEBHOOK_HTTP_STATUS[code] ?? 400 } });
}

/**
 * Checks a signature header against the raw body.
 * @returns the signature (its v1 part), used as the replay nonce.
 * @throws SoarError SOAR_TRIGGERS_WEBHOOK_SIGNATURE (missing, malformed or wrong) or
 *   SOAR_TRIGGERS_WEBHOOK_REPLAY (timestamp outside the window).
 */
export function verifyWebhookSignature(input: {
  header: string | undefined;
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
  const expected = Buffer.from(hmacHex(input.secret, Number(t), input.body), 'hex');
  const given = Buffer.from(v1, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_SIGNATURE', 'signature does not match the body and secret');
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
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

export interface WebhookHandlerOptions {
  routes: Map<string, WebhookRoute>;
  talon: TalonQueue;
  /** The secret for a trigger (by its secret_env, null = the default TALON_WEBHOOK_SECRET). */
  secretFor(secretEnv: string | null): Secret | null;
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
  const route = options.routes.get(request.path.replace(/^\/+/, ''));
  if (!route)
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_UNKNOWN',
      `no playbook listens on webhook path "${request.path}"`,
    );
  const secret = options.secretFor(route.trigger.secretEnv);
  if (secret === null || secret.isEmpty()) {
    throw webhookError(
      'SOAR_TRIGGERS_WEBHOOK_NO_SECRET',
      `no secret is configured for webhook "${request.path}" (${route.trigger.secretEnv ?? 'TALON_WEBHOOK_SECRET'})`,
    );
  }
  const now = options.clock.now();
  const signature = verifyWebhookSignature({
    header: headerValue(request.headers[SIGNATURE_HEADER]),
    body: request.body,
    secret,
    nowMs: now,
  });
  const body = parseWebhookBody(request.body);
  const given = body['inputs'];
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_MALFORMED', '"inputs" must be a JSON object when present');
  }
  const inputs = options.resolveInputs(route.plan, (given ?? {}) as Record<string, unknown>);
  // Burn the signature only now: a request refused for bad inputs can be fixed and signed again.
  const nonce = await options.talon.redis.call(
    'SET',
    options.talon.keys.webhookNonce(signature),
    '1',
    'PX',
    REPLAY_WINDOW_MS * 2,
    'NX',
  );
  if (nonce === null)
    throw webhookError('SOAR_TRIGGERS_WEBHOOK_REPLAY', 'this signed request was already delivered');
  const delivery = headerValue(request.headers[DELIVERY_HEADER]);
  const result = await options.talon.enqueue({
    plan: route.plan,
    inputs,
    trigger: { type: 'webhook', at: now, source: route.trigger.path, data: body },
    ...(delivery === undefined ? {} : { runId: `run-wh-${slugify(route.plan.name)}-${shortHash(delivery)}` }),
  });
  return { runId: result.runId, duplicate: result.outcome === 'duplicate' };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
