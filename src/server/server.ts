/**
 * The HTTP server of `talon serve`: webhooks, health, Prometheus metrics and the Bull Board dashboard.
 * The only importer of fastify, @bull-board/* and prom-client.
 *
 *   POST /hooks/<path>     webhook trigger -> 202 {runId}; 4xx {error: {code, message, hint}}, nothing enqueued
 *   GET  /healthz          200 {status: 'ok'} when Redis answers, 503 otherwise
 *   GET  /metrics          Prometheus text: runs, steps, API calls, 429s (fleet-wide, from Redis), queue depth
 *   GET  /runs/<id>        the run record as JSON
 *   GET  /admin/queues     Bull Board (read-only unless asked otherwise)
 * Metrics come from the counters every worker writes to Redis, so one server reports the whole fleet.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { TalonQueue } from '../queue/index.ts';
import {
  type Clock,
  type Logger,
  SoarError,
  silentLogger,
  systemClock,
  toSoarError,
} from '../shared/index.ts';
import {
  DEFAULT_WEBHOOK_BODY_LIMIT,
  handleWebhook,
  WEBHOOK_HTTP_STATUS,
  type WebhookHandlerOptions,
} from '../triggers/index.ts';

export interface TalonServerOptions {
  talon: TalonQueue;
  /** Webhook routing; null serves no webhooks (every /hooks path answers 404). */
  webhooks: Omit<WebhookHandlerOptions, 'talon' | 'clock'> | null;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default 262144 */
  bodyLimitBytes?: number;
  /** Allow retrying/removing jobs from the dashboard. @default false */
  dashboardWritable?: boolean;
  logger?: Logger;
  clock?: Clock;
}

export interface TalonServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the server and resolves when it listens. */
export async function startTalonServer(options: TalonServerOptions): Promise<TalonServer> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_WEBHOOK_BODY_LIMIT;
  const app = Fastify({ logger: false, bodyLimit });
  // Webhook signatures are over the raw bytes: keep every body as a Buffer and parse it ourselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const soar = toHttpError(error, bodyLimit);
    const status = Number(soar.details['status'] ?? 500);
    if (status >= 500) logger.error({ code: soar.code, error: soar.message }, 'request failed');
    void reply.status(status).send({ error: { code: soar.code, message: soar.message, hint: soar.hint } });
  });

  const { talon } = options;
  const webhooks = options.webhooks;
  app.post('/hooks/*', async (request, reply) => {
    if (webhooks === null) {
      throw new SoarError('SOAR_TRIGGERS_WEBHOOK_UNKNOWN', 'this server has no webhook triggers', {
        details: { status: 404 },
      });
    }
    const path = (request.params as { '*': string })['*'];
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = await handleWebhook(
      { path, headers: request.headers, body },
      { ...webhooks, talon, clock },
    ).catch(async (error: unknown) => {
      await talon.records.incrementStat(`webhook_${toSoarError(error).code}`).catch(() => undefined);
      throw error;
    });
    await talon.records.incrementStat(result.duplicate ? 'webhook_duplicate' : 'webhook_accepted');
    logger.info({ path, runId: result.runId, duplicate: result.duplicate }, 'webhook accepted');
    return reply.status(202).send({ runId: result.runId, duplicate: result.duplicate });
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await talon.redis.call('PING');
      return { status: 'ok', queue: await talon.queue.counts() };
    } catch (error) {
      return reply.status(503).send({ status: 'unavailable', error: toSoarError(error).message });
    }
  });

  const metrics = createMetrics(talon);
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics();
    return reply.type('text/plain; version=0.0.4').send(text);
  });

  app.get('/runs/:id', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const record = await talon.records.get(id);
    if (!record)
      return reply.status(404).send({ error: { code: 'SOAR_QUEUE_RUN_NOT_FOUND', message: `no run ${id}` } });
    return record;
  });

  await mountDashboard(app, talon, options.dashboardWritable ?? false);
  const url = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  logger.info({ url }, 'server listening');
  return {
    url,
    async close() {
      await app.close();
    },
  };
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
function createMetrics(talon: TalonQueue): () => Promise<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'talon_process_' });
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const runs = gauge('talon_runs_total', 'Playbook runs by outcome, fleet-wide', ['status']);
  const steps = gauge('talon_steps_total', 'Steps finished by outcome, fleet-wide', ['status']);
  const apiCalls = gauge('talon_falcon_api_calls_total', 'Falcon API calls made by steps, fleet-wide');
  const limited = gauge('talon_falcon_rate_limited_total', 'Falcon 429 answers, fleet-wide');
  const depth = gauge('talon_queue_jobs', 'Run jobs in the queue by state', ['state']);
  const cron = gauge('talon_cron_ticks_total', 'Cron ticks by outcome, summed over schedulers', ['outcome']);
  const hooks = gauge('talon_webhooks_total', 'Webhook requests by outcome (accepted or error code)', [
    'outcome',
  ]);
  return async () => {
    const stats = await talon.records.stats();
    for (const status of ['queued', 'started', 'succeeded', 'failed', 'cancelled', 'retried']) {
      runs.set({ status }, stats[`runs_${status}`] ?? 0);
    }
    for (const status of ['succeeded', 'failed', 'skipped'])
      steps.set({ status }, stats[`steps_${status}`] ?? 0);
    apiCalls.set(stats['api_calls'] ?? 0);
    limited.set(stats['falcon_429'] ?? 0);
    for (const [name, value] of Object.entries(stats)) {
      if (name.startsWith('cron_')) cron.set({ outcome: name.slice(5) }, value);
      if (name.startsWith('webhook_')) hooks.set({ outcome: name.slice(8) }, value);
    }
    for (const [state, count] of Object.entries(await talon.queue.counts())) depth.set({ state }, count);
    return (await registry.metrics()) + (await talon.queue.prometheus());
  };
}

function toHttpError(error: FastifyError, bodyLimit: number): SoarError {
  if (error instanceof SoarError) {
    const status = WEBHOOK_HTTP_STATUS[error.code] ?? (error.details['status'] as number | undefined) ?? 500;
    return new SoarError(error.code, error.message, { details: { ...error.details, status } });
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) {
    return new SoarError('SOAR_TRIGGERS_WEBHOOK_TOO_LARGE', `body is larger than ${bodyLimit} bytes`, {
      details: { status: 413 },
    });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new SoarError('SOAR_TRIGGERS_WEBHOOK_MALFORMED', error.message, {
      details: { status: error.statusCode },
    });
  }
  const soar = toSoarError(error);
  return new SoarError(soar.code, soar.message, {
    details: { status: soar.code === 'SOAR_QUEUE_REDIS_UNAVAILABLE' ? 503 : 500 },
  });
}
