/**
 * The HTTP server of `talon serve`: webhooks, health, Prometheus metrics, runs and the Bull Board dashboard.
 * The only importer of fastify, @bull-board/* and prom-client.
 *
 *   POST /hooks/<path>     webhook trigger (signed, no token) -> 202 {runId}; 4xx {error}, nothing enqueued
 *   GET  /healthz          open: 200 {status: 'ok'} when Redis answers, 503 otherwise
 *   GET  /metrics          scrape: Prometheus text (runs, steps, API calls, 429s fleet-wide, queue depth)
 *   GET  /runs             viewer: the newest run records (?limit=, at most 200)
 *   GET  /runs/<id>        viewer: one run record as JSON
 *   POST /runs             operator: {playbook, inputs} -> 202 {runId} (a playbook loaded by the server)
 *   GET  /approvals[/<run>/<step>]   viewer; POST /approvals/<run>/<step> operator {choice, reason}
 *   GET|POST /approvals/links/<token> a signed one-time link: GET confirms, only POST decides
 *   GET  /admin/queues     Bull Board: viewer reads; its write actions need admin (and --dashboard-writable)
 *   GET  /                 the run console (viewer; a session cookie from POST /login): see console-handlers.ts
 * Metrics come from the counters every worker writes to Redis, so one server reports the whole fleet.
 *
 * Access: every route declares what it needs in its config, `{ config: access('viewer') }` (see
 * auth.ts for the roles). An onRoute hook refuses a route without a declaration, so the server does
 * not start with an unprotected route. Every request is rate-limited per client address; bodies are
 * limited (webhooks: bodyLimitBytes, other routes: 16 KiB). Answers >= 500 carry a code and a request
 * id, never the internal message.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { createApprovalStore, parseTenantStatField, queryRuns, type TalonQueue } from '../queue/index.ts';
import {
  type Clock,
  type Logger,
  newUuid,
  type Secret,
  SoarError,
  silentLogger,
  systemClock,
  toSoarError,
} from '../shared/index.ts';
import {
  DEFAULT_WEBHOOK_BODY_LIMIT,
  handleWebhook,
  readStreamStatus,
  WEBHOOK_HTTP_STATUS,
  type WebhookHandlerOptions,
} from '../triggers/index.ts';
import { CONSOLE_HEADERS, consolePage, loginPage } from '../console/pages.ts';
import { createApprovalHandlers, LINK_ROUTE } from './approval-handlers.ts';
import { APPROVAL_PAGE_HEADERS } from './approval-pages.ts';
import {
  access,
  authorize,
  type Principal,
  type RouteAccess,
  type StoredToken,
  verifyApiToken,
} from './auth.ts';
import { consoleAssets } from './console-assets.ts';
import {
  authorizationFromCookie,
  clearedSessionCookie,
  type LoadedPlaybooks,
  parseRunQuery,
  playbookCatalogue,
  sessionCookie,
} from './console-handlers.ts';
import { createRateLimiter, type RateLimiter, type RateLimitOptions } from './rate-limit.ts';

export interface TalonServerOptions {
  talon: TalonQueue;
  /** The API tokens (hashed) that may use the protected routes; see token-store.ts tokenSource(). */
  tokens: () => Promise<readonly StoredToken[]>;
  /** Webhook routing; null serves no webhooks (every /hooks path answers 404). */
  webhooks: Omit<WebhookHandlerOptions, 'talon' | 'clock'> | null;
  /** Playbooks an operator may start with POST /runs; null or absent: POST /runs answers 404. */
  manualRuns?: {
    playbooks: readonly CompiledPlaybook[];
    resolveInputs(plan: CompiledPlaybook, given: Record<string, unknown>): Record<string, unknown>;
  } | null;
  /** The playbooks the server loaded and the problems found loading them (the console's Playbooks page). */
  loaded?: LoadedPlaybooks | null;
  /** The HMAC key of approval links (TALON_APPROVAL_KEY); null or absent: link routes answer 404. */
  approvalLinkKey?: Secret | null;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Largest webhook body. @default 262144 */
  bodyLimitBytes?: number;
  /** Allow admins to retry/remove jobs from the dashboard. @default false */
  dashboardWritable?: boolean;
  rateLimit?: RateLimitOptions;
  /** Tenant of the stream trigger: /healthz then reports the stream's state. */
  streamTenant?: string | null;
  logger?: Logger;
  clock?: Clock;
}

export interface TalonServer {
  url: string;
  /** Every route served and the access it declared (Bull Board's included), for audits and tests. */
  routes: readonly { method: string; url: string; access: RouteAccess }[];
  close(): Promise<void>;
}

/** Largest body of a route that is not a webhook. */
const API_BODY_LIMIT = 16 * 1024;
const DASHBOARD_PREFIX = '/admin/queues';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who made the request (null on open and webhook routes). */
    principal: Principal | null;
  }
}

/** The caller of a request that passed a role check. */
export function principalOf(request: FastifyRequest): Principal | null {
  return request.principal;
}

/** Starts the server and resolves when it listens. */
export async function startTalonServer(options: TalonServerOptions): Promise<TalonServer> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT;
  // Signed approval links carry their token in one path segment (about 150 characters).
  const app = Fastify({ logger: false, bodyLimit: Math.max(bodyLimit, API_BODY_LIMIT), maxParamLength: 512 });
  app.decorateRequest('principal', null);
  // Webhook signatures are over the raw bytes: keep every body as a Buffer and parse it ourselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const replyError = errorReplier(logger, bodyLimit);
  app.setErrorHandler((error: FastifyError, request, reply) => replyError(error, request, reply));
  app.setNotFoundHandler((_request, reply) => {
    void reply.status(404).send({ error: { code: 'SOAR_SERVER_NOT_FOUND', message: 'no such route' } });
  });
  const limiter = createRateLimiter(options.rateLimit);
  const routes = installAccessControl(app, options, clock, replyError, limiter);

  const { talon } = options;
  const webhooks = options.webhooks;
  app.post('/hooks/*', { config: access('webhook'), bodyLimit }, async (request, reply) => {
    if (webhooks === null) {
      throw new SoarError('SOAR_TRIGGERS_WEBHOOK_UNKNOWN', 'this server has no webhook triggers', {
        details: { status: 404 },
      });
    }
    const path = (request.params as { '*': string })['*'];
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = await handleWebhook(
      { method: request.method, path, headers: request.headers, body },
      { ...webhooks, talon, clock },
    ).catch(async (error: unknown) => {
      await talon.records.incrementStat(`webhook_${toSoarError(error).code}`).catch(() => undefined);
      throw error;
    });
    await talon.records.incrementStat(result.duplicate ? 'webhook_duplicate' : 'webhook_accepted');
    logger.info({ path, runId: result.runId, duplicate: result.duplicate }, 'webhook accepted');
    return reply.status(202).send({ runId: result.runId, duplicate: result.duplicate });
  });

  app.get('/healthz', { config: access('public') }, async (_request, reply) => {
    try {
      await talon.redis.call('PING');
      if (!options.streamTenant) return { status: 'ok' };
      return { status: 'ok', stream: await streamHealth(talon, options.streamTenant, clock.now()) };
    } catch (error) {
      logger.warn({ error: toSoarError(error).message }, 'health check: Redis does not answer');
      return reply.status(503).send({ status: 'unavailable' });
    }
  });

  const metrics = createMetrics(talon, options.streamTenant ?? null, clock);
  app.get('/metrics', { config: access('scrape') }, async (_request, reply) => {
    const text = await metrics();
    return reply.type('text/plain; version=0.0.4').send(text);
  });

  app.get('/runs', { config: access('viewer') }, async (request) => {
    const limit = Number((request.query as { limit?: string }).limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new SoarError('SOAR_SERVER_BAD_REQUEST', 'limit must be an integer from 1 to 200', {
        details: { status: 400 },
      });
    }
    return { runs: await talon.records.list({ limit }) };
  });

  app.get('/runs/:id', { config: access('viewer') }, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const record = await talon.records.get(id);
    if (!record)
      return reply.status(404).send({ error: { code: 'SOAR_QUEUE_RUN_NOT_FOUND', message: 'no such run' } });
    return record;
  });

  const manual = options.manualRuns ?? null;
  app.post('/runs', { config: access('operator') }, async (request, reply) => {
    const body = parseJsonObject(request.body);
    const plan = manual?.playbooks.find((p) => p.name === body['playbook']);
    if (manual === null || plan === undefined) {
      throw new SoarError('SOAR_SERVER_NOT_FOUND', 'no playbook of that name is loaded by this server', {
        details: { status: 404 },
      });
    }
    const given = body['inputs'] ?? {};
    if (typeof given !== 'object' || given === null || Array.isArray(given)) {
      throw new SoarError('SOAR_SERVER_BAD_REQUEST', '"inputs" must be a JSON object', {
        details: { status: 400 },
      });
    }
    const inputs = manual.resolveInputs(plan, given as Record<string, unknown>);
    const caller = principalOf(request)?.name ?? '?';
    const result = await talon.enqueue({
      plan,
      inputs,
      trigger: { type: 'manual', at: clock.now(), source: `api:${caller}`, data: null },
    });
    logger.info({ runId: result.runId, playbook: plan.name, by: caller }, 'run started over the API');
    return reply.status(202).send({ runId: result.runId });
  });

  registerApprovalRoutes(app, options, clock, logger);
  registerConsoleRoutes(app, options, clock, limiter);
  await mountDashboard(app, talon, options.dashboardWritable ?? false);
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  logger.info({ url }, 'server listening');
  return {
    url,
    routes,
    async close() {
      await app.close();
    },
  };
}

type ReplyError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/**
 * Sends an error answer: `{ error: { code, message, hint } }` with the code's status. Answers >= 500
 * keep their message in the log (it may name hosts, keys or library internals) and send a request id.
 */
function errorReplier(logger: Logger, bodyLimit: number): ReplyError {
  return (error, request, reply) => {
    const soar = toHttpError(
      error as FastifyError,
      request.url,
      (request.routeOptions.config ?? {}) as { access?: RouteAccess },
      bodyLimit,
    );
    const status = Number(soar.details['status'] ?? 500);
    // A browser opening a console page without a session goes to the sign-in form; API clients
    // (no text/html in Accept) get the 401 like on every other route.
    const consolePage = (request.routeOptions.config as { consolePage?: boolean } | undefined)?.consolePage;
    if (status === 401 && consolePage === true && (request.headers.accept ?? '').includes('text/html')) {
      return reply.status(303).header('location', '/login').send();
    }
    if (status === 401) {
      void reply.header(
        'www-authenticate',
        request.url.startsWith(DASHBOARD_PREFIX) ? 'Basic realm="talon"' : 'Bearer',
      );
    }
    if (typeof soar.details['retryAfter'] === 'number')
      void reply.header('retry-after', soar.details['retryAfter']);
    if (status < 500) {
      return reply
        .status(status)
        .send({ error: { code: soar.code, message: soar.message, hint: soar.hint } });
    }
    const requestId = newUuid();
    logger.error(
      { requestId, code: soar.code, error: soar.message, url: request.routeOptions.url },
      'request failed',
    );
    const code =
      soar.code === 'SOAR_TRIGGERS_WEBHOOK_NO_SECRET' || soar.code === 'SOAR_QUEUE_REDIS_UNAVAILABLE'
        ? soar.code
        : 'SOAR_SERVER_INTERNAL';
    const message = code === 'SOAR_SERVER_INTERNAL' ? `internal error (request ${requestId})` : soar.message;
    return reply.status(status).send({ error: { code, message, hint: new SoarError(code, '').hint } });
  };
}

/** Bull Board's own routes cannot carry our config: reads need viewer, anything else admin. */
function dashboardAccess(route: RouteOptions): RouteAccess | undefined {
  if (!route.url.startsWith(DASHBOARD_PREFIX)) return undefined;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.every((m) => m === 'GET' || m === 'HEAD') ? 'viewer' : 'admin';
}

/**
 * Rate limits on every request, and a role check on every route by its declared access. A route
 * that declares nothing makes registration throw.
 */
export function installAccessControl(
  app: FastifyInstance,
  options: TalonServerOptions,
  clock: Clock,
  replyError: ReplyError = errorReplier(silentLogger, DEFAULT_WEBHOOK_BODY_LIMIT),
  limiter: RateLimiter = createRateLimiter(options.rateLimit),
): TalonServer['routes'] {
  const routes: { method: string; url: string; access: RouteAccess }[] = [];
  const refuse = (code: 'SOAR_SERVER_RATE_LIMITED', message: string, retryAfter: number) =>
    new SoarError(code, message, { details: { status: 429, retryAfter } });

  // Refusals are sent from the hooks themselves: a plugin's own error handler (Bull Board has one)
  // would turn a thrown 401/403/429 into a 500.
  app.addHook('onRequest', async (request, reply) => {
    const wait = limiter.hit(request.ip, clock.now());
    if (wait > 0) {
      return replyError(
        refuse('SOAR_SERVER_RATE_LIMITED', 'too many requests from this address', wait),
        request,
        reply,
      );
    }
  });

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: RouteAccess };
    const declared = config.access ?? dashboardAccess(route);
    if (declared === undefined) {
      throw new Error(
        `route ${String(route.method)} ${route.url} declares no access: add { config: access(...) }`,
      );
    }
    route.config = { ...config, access: declared } as NonNullable<typeof route.config>;
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({ method, url: route.url, access: declared });
    }
    if (declared !== 'webhook') route.bodyLimit = Math.min(route.bodyLimit ?? API_BODY_LIMIT, API_BODY_LIMIT);
    if (declared === 'webhook' || declared === 'signed-link' || declared === 'public') return;
    const guard = async (request: FastifyRequest, reply: FastifyReply) => {
      const now = clock.now();
      try {
        const blocked = limiter.authBlocked(request.ip, now);
        if (blocked > 0) {
          throw refuse(
            'SOAR_SERVER_RATE_LIMITED',
            'too many failed authentications from this address',
            blocked,
          );
        }
        // A console session carries its token in a cookie; an Authorization header wins over it.
        const authorization =
          request.headers.authorization ?? authorizationFromCookie(request.headers.cookie);
        request.principal = authorize(authorization, declared, await options.tokens());
        refuseCrossSite(request);
      } catch (error) {
        if (error instanceof SoarError && error.code === 'SOAR_SERVER_UNAUTHENTICATED')
          limiter.failedAuth(request.ip, now);
        return replyError(error, request, reply);
      }
    };
    const existing =
      route.onRequest === undefined
        ? []
        : Array.isArray(route.onRequest)
          ? route.onRequest
          : [route.onRequest];
    route.onRequest = [guard, ...existing];
  });
  return routes;
}

/**
 * A browser sends Basic credentials by itself, so a page on another site could make it post to the
 * dashboard: a write whose Origin is not this server is refused.
 */
function refuseCrossSite(request: FastifyRequest): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host !== request.headers.host) {
    throw new SoarError('SOAR_SERVER_FORBIDDEN', 'a write from another site is refused', {
      details: { status: 403 },
    });
  }
}

/** Approvals: read (viewer), decide (operator, as the token's name), and signed one-time links. */
function registerApprovalRoutes(
  app: FastifyInstance,
  options: TalonServerOptions,
  clock: Clock,
  logger: Logger,
): void {
  const { talon } = options;
  const approvals = createApprovalHandlers({
    decider: {
      store: createApprovalStore(talon.redis, talon.keys),
      queue: talon.queue,
      redis: talon.redis,
      keys: talon.keys,
    },
    linkKey: options.approvalLinkKey ?? null,
    clock,
    logger,
  });
  app.get('/approvals', { config: access('viewer') }, async () => approvals.list());
  app.get('/approvals/:run/:step', { config: access('viewer') }, async (request) => {
    const { run, step } = request.params as { run: string; step: string };
    return approvals.show(run, step);
  });
  app.post('/approvals/:run/:step', { config: access('operator') }, async (request) => {
    const { run, step } = request.params as { run: string; step: string };
    const by = principalOf(request)?.name ?? '';
    return approvals.decide(run, step, by, parseJsonObject(request.body));
  });
  const html = (reply: FastifyReply, answer: { status: number; html: string }) =>
    reply.status(answer.status).headers(APPROVAL_PAGE_HEADERS).send(answer.html);
  app.get(LINK_ROUTE, { config: access('signed-link') }, async (request, reply) =>
    html(reply, await approvals.linkPage((request.params as { token: string }).token)),
  );
  app.post(LINK_ROUTE, { config: access('signed-link') }, async (request, reply) => {
    const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const answer = await approvals.linkDecide(
      (request.params as { token: string }).token,
      new URLSearchParams(text),
    );
    return html(reply, answer);
  });
}

/** The run console: sign-in, its pages and assets, and the JSON it reads besides /runs and /approvals. */
function registerConsoleRoutes(
  app: FastifyInstance,
  options: TalonServerOptions,
  clock: Clock,
  limiter: RateLimiter,
): void {
  const { talon } = options;
  const page = { access: 'viewer' as const, consolePage: true };
  const html = (reply: FastifyReply, status: number, text: string) =>
    reply.status(status).headers(CONSOLE_HEADERS).type('text/html; charset=utf-8').send(text);
  app.get('/login', { config: access('public') }, async (request, reply) => {
    const failed = (request.query as { failed?: string }).failed;
    return html(
      reply,
      200,
      loginPage(failed === 'blocked' ? 'blocked' : failed === undefined ? null : 'invalid'),
    );
  });
  app.post('/login', { config: access('public') }, async (request, reply) => {
    const now = clock.now();
    if (limiter.authBlocked(request.ip, now) > 0)
      return reply.status(303).header('location', '/login?failed=blocked').send();
    const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
    const token = new URLSearchParams(text).get('token')?.trim() ?? '';
    if (verifyApiToken(token, await options.tokens()) === null) {
      limiter.failedAuth(request.ip, now);
      return reply.status(303).header('location', '/login?failed=1').send();
    }
    return reply
      .status(303)
      .header('set-cookie', sessionCookie(token, request.protocol === 'https'))
      .header('location', '/')
      .send();
  });
  app.post('/logout', { config: access('public') }, async (_request, reply) =>
    reply.status(303).header('set-cookie', clearedSessionCookie()).header('location', '/login').send(),
  );
  app.get('/', { config: page }, async (_request, reply) => html(reply, 200, consolePage()));
  app.get('/console/app.js', { config: page }, async (_request, reply) =>
    reply
      .headers(CONSOLE_HEADERS)
      .type('text/javascript; charset=utf-8')
      .send((await consoleAssets()).script),
  );
  app.get('/console/app.css', { config: page }, async (_request, reply) =>
    reply
      .headers(CONSOLE_HEADERS)
      .type('text/css; charset=utf-8')
      .send((await consoleAssets()).style),
  );
  app.get('/console/api/me', { config: access('viewer') }, async (request) => {
    const principal = principalOf(request);
    return { name: principal?.name ?? '?', role: principal?.role ?? '?' };
  });
  app.get('/console/api/runs', { config: access('viewer') }, async (request) => {
    const { filter, page: wanted } = parseRunQuery(request.query as Record<string, string | undefined>);
    return queryRuns(talon.redis, talon.keys, filter, wanted);
  });
  app.get('/console/api/playbooks', { config: access('viewer') }, async () => ({
    playbooks: playbookCatalogue(options.loaded ?? { playbooks: [], diagnostics: [] }, clock.now()),
  }));
}

function parseJsonObject(body: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new SoarError('SOAR_SERVER_BAD_REQUEST', 'the body must be a JSON object', {
    details: { status: 400 },
  });
}

async function mountDashboard(app: FastifyInstance, talon: TalonQueue, writable: boolean): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/admin/queues');
  createBullBoard({
    queues: [new BullMQAdapter(talon.queue.dashboard, { readOnlyMode: !writable })],
    // @bull-board/fastify 9.10.1 pins its own copy of @bull-board/api 9.10.1 (we have 9.10.2): same
    // runtime shape, but the private fields make the two declarations incompatible to TypeScript.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: '/admin/queues' });
}

/** Prometheus metrics refreshed from Redis on each scrape. */
function createMetrics(
  talon: TalonQueue,
  streamTenant: string | null,
  clock: { now(): number },
): () => Promise<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'talon_process_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const runs = gauge('talon_runs_total', 'Playbook runs by outcome, fleet-wide', ['status']);
  const steps = gauge('talon_steps_total', 'Steps finished by outcome, fleet-wide', ['status']);
  const apiCalls = gauge('talon_falcon_api_calls_total', 'Falcon API calls made by steps, fleet-wide');
  const limited = gauge('talon_falcon_rate_limited_total', 'Falcon 429 answers, fleet-wide');
  const refused = gauge(
    'talon_jobs_refused_total',
    'Run jobs refused: unsigned, edited or signed with another key',
  );
  const depth = gauge('talon_queue_jobs', 'Run jobs in the queue by state', ['state']);
  const cron = gauge('talon_cron_ticks_total', 'Cron ticks by outcome, summed over schedulers', ['outcome']);
  const hooks = gauge('talon_webhooks_total', 'Webhook requests by outcome (accepted or error code)', [
    'outcome',
  ]);
  const tenantRuns = gauge('talon_tenant_runs_total', 'Playbook runs by tenant and outcome', [
    'tenant',
    'status',
  ]);
  const tenantCalls = gauge(
    'talon_tenant_falcon_api_calls_total',
    'Falcon API calls made by steps, by tenant',
    ['tenant'],
  );
  const tenantLimited = gauge('talon_tenant_falcon_rate_limited_total', 'Falcon 429 answers, by tenant', [
    'tenant',
  ]);
  const stream = streamGauges(gauge);
  return async () => {
    if (streamTenant !== null) stream.set(await readStreamStatus(talon, streamTenant), clock.now());
    const stats = await talon.records.stats();
    for (const status of ['queued', 'started', 'succeeded', 'failed', 'cancelled', 'retried']) {
      runs.set({ status }, stats[`runs_${status}`] ?? 0);
    }
    for (const status of ['succeeded', 'failed', 'skipped'])
      steps.set({ status }, stats[`steps_${status}`] ?? 0);
    apiCalls.set(stats['api_calls'] ?? 0);
    limited.set(stats['falcon_429'] ?? 0);
    refused.set(stats['jobs_refused'] ?? 0);
    for (const [name, value] of Object.entries(stats)) {
      if (name.startsWith('cron_')) cron.set({ outcome: name.slice(5) }, value);
      if (name.startsWith('webhook_')) hooks.set({ outcome: name.slice(8) }, value);
      const perTenant = parseTenantStatField(name);
      if (perTenant === null) continue;
      const { tenant, counter } = perTenant;
      if (counter.startsWith('runs_')) tenantRuns.set({ tenant, status: counter.slice(5) }, value);
      else if (counter === 'api_calls') tenantCalls.set({ tenant }, value);
      else if (counter === 'falcon_429') tenantLimited.set({ tenant }, value);
    }
    for (const [state, count] of Object.entries(await talon.queue.counts())) depth.set({ state }, count);
    return (await registry.metrics()) + (await talon.queue.prometheus());
  };
}

function toHttpError(
  error: FastifyError,
  url: string,
  config: { access?: RouteAccess },
  bodyLimit: number,
): SoarError {
  const webhook = config.access === 'webhook' || url.startsWith('/hooks/');
  if (error instanceof SoarError) {
    const status = WEBHOOK_HTTP_STATUS[error.code] ?? (error.details['status'] as number | undefined) ?? 500;
    return new SoarError(error.code, error.message, { details: { ...error.details, status } });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
    return webhook
      ? new SoarError('SOAR_TRIGGERS_WEBHOOK_TOO_LARGE', `body is larger than ${bodyLimit} bytes`, {
          details: { status: 413 },
        })
      : new SoarError('SOAR_SERVER_BAD_REQUEST', `body is larger than ${API_BODY_LIMIT} bytes`, {
          details: { status: 413 },
        });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new SoarError(
      webhook ? 'SOAR_TRIGGERS_WEBHOOK_MALFORMED' : 'SOAR_SERVER_BAD_REQUEST',
      error.message,
      {
        details: { status: error.statusCode },
      },
    );
  }
  const soar = toSoarError(error);
  return new SoarError(soar.code, soar.message, {
    details: { status: soar.code === 'SOAR_QUEUE_REDIS_UNAVAILABLE' ? 503 : 500 },
  });
}

/**
 * The stream trigger's gauges (what /healthz shows, as numbers), from the state its holder last wrote
 * to Redis: the holder's counts are since it took the lease; lease changes are fleet-wide.
 */
function streamGauges(gauge: (name: string, help: string, labelNames?: string[]) => Gauge) {
  const streaming = gauge('talon_stream_streaming', '1 while a holder reads the event stream, else 0');
  const statusAge = gauge('talon_stream_status_age_seconds', 'Age of the state the stream holder last wrote');
  const received = gauge('talon_stream_events_received', 'Events read by the current holder');
  const matched = gauge('talon_stream_events_matched', 'Events that started a run (current holder)');
  const receivedRate = gauge('talon_stream_events_received_per_second', 'Events read per second');
  const matchedRate = gauge('talon_stream_events_matched_per_second', 'Matching events per second');
  const lag = gauge('talon_stream_lag_seconds', 'Now minus the creation time of the last event read');
  const offset = gauge('talon_stream_committed_offset', 'Last committed offset', ['partition']);
  const reconnects = gauge('talon_stream_reconnects', 'Reconnects of the current holder');
  const leaseChanges = gauge('talon_stream_lease_changes_total', 'Stream lease acquisitions, fleet-wide');
  return {
    set(status: Awaited<ReturnType<typeof readStreamStatus>>, nowMs: number): void {
      if (status === null) return;
      streaming.set(status.state === 'streaming' ? 1 : 0);
      statusAge.set(Math.max(0, (nowMs - status.updatedAt) / 1000));
      received.set(status.received);
      matched.set(status.matched);
      receivedRate.set(status.receivedPerSecond);
      matchedRate.set(status.matchedPerSecond);
      if (status.lagMs !== null) lag.set(status.lagMs / 1000);
      for (const [partition, value] of Object.entries(status.offsets)) offset.set({ partition }, value);
      reconnects.set(status.reconnects);
      leaseChanges.set(status.fleetLeaseChanges);
    },
  };
}

/**
 * The stream trigger's state as its holder last wrote it: enough to see that events flow (state,
 * lag, committed offsets, reconnects), nothing an unauthenticated caller could use.
 */
async function streamHealth(
  talon: TalonQueue,
  tenant: string,
  nowMs: number,
): Promise<Record<string, unknown>> {
  const status = await readStreamStatus(talon, tenant);
  if (!status) return { state: 'not started' };
  return {
    state: status.state,
    stale: nowMs - status.updatedAt > 10_000,
    lagMs: status.lagMs,
    offsets: status.offsets,
    receivedPerSecond: status.receivedPerSecond,
    matchedPerSecond: status.matchedPerSecond,
    reconnects: status.reconnects,
    leaseChanges: status.fleetLeaseChanges,
    lastError: status.lastError,
  };
}
