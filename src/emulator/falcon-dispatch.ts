/**
 * The pipeline of a Falcon API call, in the order the real gateway applies it:
 * route -> bearer token (401, per-IP budget) -> per-CID budget (429) -> scope (403) ->
 * decommissioned in --cloud-today mode (410) -> injected faults -> body + parameter validation (4xx)
 * -> the route handler -> the envelope with meta.pagination / meta.writes.
 */
import type { OperationSpec } from '../falcon/operations/index.ts';
import { AuthRegistry, type Session } from './auth.ts';
import type { EmulatorServices, Exchange } from './exchange.ts';
import type { Reply } from './http/envelope.ts';
import { parseJsonBody, readRawBody } from './http/read-body.ts';
import { FalconReplyError } from './http/reply-error.ts';
import { validateRequest } from './http/validate-request.ts';
import { rateHeaders } from './rate-limit.ts';
import type { RouteHandler } from './routes/types.ts';
import { AUDIT_EVENT, auditEvent } from './state/stream-events.ts';

/** A served route: the operation from the table and its handler. */
export interface ServedRoute {
  op: OperationSpec;
  handler: RouteHandler;
}

/** Answers one Falcon API call. */
export async function dispatchFalcon(
  services: EmulatorServices,
  exchange: Exchange,
  route: ServedRoute,
  applyFault: (operationId: string) => Promise<void>,
  pathParams: Readonly<Record<string, string>> = {},
): Promise<Reply> {
  const { op } = route;
  exchange.operationId = op.operationId;
  const session = authorize(services, exchange, op);
  if (services.options.cloudToday && op.deprecated) throw decommissioned(op);
  // The body is read before faults so a dropped connection or a 5xx never leaves unread bytes behind.
  const raw = await readRawBody(exchange.req, services.options.maxBodyBytes);
  exchange.poweredBy = poweredBy(op);
  await applyFault(op.operationId);
  const body = op.bodyShape === 'none' ? undefined : parseJsonBody(raw);
  exchange.loggedBody = body;
  validateRequest(op, exchange.query, body);
  const nowMs = services.options.clock.now();
  const result = route.handler({
    op,
    query: exchange.query,
    pathParams,
    body,
    session,
    state: services.state,
    queries: services.queries,
    nowMs,
    cloudToday: services.options.cloudToday,
    stream: {
      origin: `http://${exchange.req.headers.host ?? `${services.options.host}:${services.options.port}`}`,
      sessionSeconds: services.options.streamSessionSeconds,
    },
    recordWrite: (ids, action) => {
      services.journal.audit({
        ...(action === undefined ? {} : { action }),
        at: new Date(nowMs).toISOString(),
        operationId: op.operationId,
        method: exchange.method,
        path: exchange.path,
        ids: [...ids],
        clientId: session.clientId,
        cid: session.cid,
      });
      // As on a real tenant, every write through the API shows up on the stream as an audit event.
      services.state.events.append(
        services.state.cid,
        AUDIT_EVENT,
        auditEvent({
          operationId: op.operationId,
          method: exchange.method,
          path: exchange.path,
          ids,
          ...(action === undefined ? {} : { action }),
          clientId: session.clientId,
          ip: exchange.ip,
          atMs: nowMs,
        }),
        nowMs,
      );
    },
  });
  return {
    status: result.status ?? op.successStatus,
    meta: {
      queryTimeSeconds: 0,
      poweredBy: exchange.poweredBy,
      traceId: exchange.traceId,
      pagination: result.pagination,
      writes: result.writes,
    },
    resources: result.resources,
    errors: result.errors,
    extra: result.extra,
    rawBody: result.raw,
  };
}

function authorize(services: EmulatorServices, exchange: Exchange, op: OperationSpec): Session {
  const nowMs = services.options.clock.now();
  const lookup = services.auth.lookup(exchange.req.headers.authorization, nowMs);
  if (lookup.kind === 'invalid') {
    exchange.poweredBy = 'crowdstrike-api-gateway';
    const decision = services.limiters.unauthenticated.take(exchange.ip, nowMs);
    exchange.rateHeaders = rateHeaders(decision);
    if (!decision.allowed) throw new FalconReplyError(429, 'API rate limit exceeded.');
    throw new FalconReplyError(401, 'access denied, invalid bearer token');
  }
  const { session } = lookup;
  exchange.clientId = session.clientId;
  const decision = services.limiters.cid.take(session.cid, nowMs);
  exchange.rateHeaders = rateHeaders(decision);
  if (!decision.allowed) throw new FalconReplyError(429, 'API rate limit exceeded.');
  if (!AuthRegistry.allows(session, op.scope)) {
    throw new FalconReplyError(403, 'access denied, authorization failed');
  }
  return session;
}

// The reference does not record what the real cloud answers for a decommissioned route; the
// emulator answers 410 Gone in the envelope, naming the successor (docs/emulator.md explains).
function decommissioned(op: OperationSpec): FalconReplyError {
  const deprecation = op.deprecated;
  const successor = deprecation?.successor ? ` Use ${deprecation.successor} instead.` : '';
  return new FalconReplyError(
    410,
    `${op.operationId} was decommissioned on ${deprecation?.decommissioned ?? 'an earlier date'}.${successor} ${deprecation?.note ?? ''}`.trim(),
  );
}

function poweredBy(op: OperationSpec): string {
  return `${op.collection.replaceAll('_', '-')}-api`;
}
