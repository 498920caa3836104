/**
 * The HTTP front of the emulator (node:http, no framework, so malformed input is handled exactly):
 * builds an Exchange per request, sends it to the admin, OAuth2 or Falcon pipeline, writes the
 * envelope, and logs the request. Nothing a client sends can crash the process: every failure
 * becomes an answer in the envelope (unexpected ones a 500), and the state is only changed by
 * handlers that have finished validating.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { newUuid } from '../shared/index.ts';
import type { EmulatorAdmin } from './admin.ts';
import { ADMIN_PREFIX, handleAdmin } from './admin-routes.ts';
import type { EmulatorServices, Exchange } from './exchange.ts';
import { type ServedRoute, dispatchFalcon } from './falcon-dispatch.ts';
import { type Reply, writeReply } from './http/envelope.ts';
import { QueryParams } from './http/query-params.ts';
import { parseJsonBody, readRawBody } from './http/read-body.ts';
import { FalconReplyError } from './http/reply-error.ts';
import { REVOKE_PATH, TOKEN_PATH, handleOAuth } from './oauth-routes.ts';
import { isFeedRequest, serveFeed } from './stream-feed.ts';

/** Thrown by an injected dropConnection fault: the socket is destroyed without an answer. */
class DropConnection extends Error {}

/** A served route whose path has `{name}` parts (e.g. the Event Streams refresh route). */
export interface TemplateRoute {
  method: string;
  pattern: RegExp;
  /** Names of the `{name}` parts, in order. */
  names: readonly string[];
  served: ServedRoute;
}

/** Routes served, keyed by `METHOD path`, plus the set of known paths (for 405 vs 404). */
export interface RouteIndex {
  byRoute: ReadonlyMap<string, ServedRoute>;
  paths: ReadonlySet<string>;
  /** Routes with path parameters, matched when no exact route does. */
  templates: readonly TemplateRoute[];
}

/** Creates the node:http server for the emulator. */
export function createEmulatorServer(
  services: EmulatorServices,
  routes: RouteIndex,
  admin: EmulatorAdmin,
): Server {
  const server = createServer((req, res) => {
    handleRequest(services, routes, admin, req, res).catch((error: unknown) => {
      services.options.logger.error({ err: String(error) }, 'emulator failed to answer a request');
      if (!res.headersSent) res.destroy();
    });
  });
  // Garbage that is not HTTP at all: answer 400 and close, never throw.
  server.on('clientError', (_error, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function handleRequest(
  services: EmulatorServices,
  routes: RouteIndex,
  admin: EmulatorAdmin,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const exchange = newExchange(services, req, res);
  const isAdmin = exchange.path.startsWith(`${ADMIN_PREFIX}/`);
  let reply: Reply;
  try {
    if (!isAdmin && isFeedRequest(exchange)) {
      await serveFeed(services, exchange, (operationId) => applyFaults(services, operationId));
      logRequest(services, exchange, 200);
      return;
    }
    reply = await route(services, routes, admin, exchange, isAdmin);
  } catch (error) {
    if (error instanceof DropConnection) {
      res.socket?.destroy();
      if (!isAdmin) logRequest(services, exchange, 0);
      return;
    }
    reply = errorReply(services, exchange, error);
  }
  reply.headers = { ...exchange.rateHeaders, ...reply.headers };
  reply.meta.queryTimeSeconds = Math.max(
    0.000001,
    (services.options.clock.now() - exchange.startedMs) / 1000,
  );
  if (!req.complete) {
    // An early answer (401, 413, ...) leaves body bytes unread; drain them and do not reuse the socket.
    reply.headers = { ...reply.headers, Connection: 'close' };
    req.resume();
  }
  writeReply(res, reply);
  if (!isAdmin) logRequest(services, exchange, reply.status);
}

function newExchange(services: EmulatorServices, req: IncomingMessage, res: ServerResponse): Exchange {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://emulator.invalid');
  } catch {
    url = new URL('http://emulator.invalid/');
  }
  return {
    req,
    res,
    traceId: newUuid(),
    startedMs: services.options.clock.now(),
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: new QueryParams(url.searchParams),
    ip: req.socket.remoteAddress ?? 'unknown',
    loggedBody: undefined,
    operationId: undefined,
    clientId: undefined,
    rateHeaders: {},
    poweredBy: 'crowdstrike-api-gateway',
  };
}

async function route(
  services: EmulatorServices,
  routes: RouteIndex,
  admin: EmulatorAdmin,
  exchange: Exchange,
  isAdmin: boolean,
): Promise<Reply> {
  const applyFault = (operationId: string) => applyFaults(services, operationId);
  if (isAdmin) {
    const body = parseJsonBody(await readRawBody(exchange.req, services.options.maxBodyBytes));
    return handleAdmin(admin, exchange, body);
  }
  if (exchange.path === TOKEN_PATH || exchange.path === REVOKE_PATH) {
    return handleOAuth(services, exchange, applyFault);
  }
  const served = routes.byRoute.get(`${exchange.method} ${exchange.path}`);
  if (!served) {
    const templated = matchTemplate(routes.templates, exchange.method, exchange.path);
    if (templated) return dispatchFalcon(services, exchange, templated.served, applyFault, templated.params);
    if (routes.paths.has(exchange.path) || matchTemplate(routes.templates, null, exchange.path)) {
      throw new FalconReplyError(405, `method ${exchange.method} not allowed on ${exchange.path}`);
    }
    throw new FalconReplyError(404, `no route for ${exchange.method} ${exchange.path}`);
  }
  return dispatchFalcon(services, exchange, served, applyFault);
}

function matchTemplate(
  templates: readonly TemplateRoute[],
  method: string | null,
  path: string,
): { served: ServedRoute; params: Record<string, string> } | undefined {
  for (const template of templates) {
    if (method !== null && template.method !== method) continue;
    const match = template.pattern.exec(path);
    if (!match) continue;
    const params: Record<string, string> = {};
    template.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? '');
    });
    return { served: template.served, params };
  }
  return undefined;
}

async function applyFaults(services: EmulatorServices, operationId: string): Promise<void> {
  const action = services.faults.take(operationId, services.options.clock.now());
  if (!action) return;
  if (action.latencyMs > 0) await services.options.clock.sleep(action.latencyMs);
  if (action.dropConnection) throw new DropConnection();
  if (action.error) throw action.error;
}

function errorReply(services: EmulatorServices, exchange: Exchange, error: unknown): Reply {
  const meta = { queryTimeSeconds: 0, poweredBy: exchange.poweredBy, traceId: exchange.traceId };
  if (error instanceof FalconReplyError) {
    return {
      status: error.status,
      meta,
      errors: [{ code: error.status, message: error.message }],
      headers: error.headers,
    };
  }
  services.options.logger.error(
    {
      err: error instanceof Error ? error.message : String(error),
      path: exchange.path,
      traceId: exchange.traceId,
    },
    'emulator route failed',
  );
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, meta, errors: [{ code: 500, message: `internal emulator error: ${message}` }] };
}

function logRequest(services: EmulatorServices, exchange: Exchange, status: number): void {
  // Method, path and outcome only: query strings and bodies stay in the request log, headers nowhere.
  services.options.logger.debug(
    {
      method: exchange.method,
      path: exchange.path,
      operationId: exchange.operationId ?? null,
      status,
      traceId: exchange.traceId,
    },
    'emulator request',
  );
  services.journal.request({
    at: new Date(exchange.startedMs).toISOString(),
    method: exchange.method,
    path: exchange.path,
    query: exchange.query.toObject(),
    body: exchange.loggedBody,
    operationId: exchange.operationId,
    status,
    clientId: exchange.clientId,
    traceId: exchange.traceId,
  });
}
