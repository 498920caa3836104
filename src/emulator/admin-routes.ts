/**
 * The admin surface over HTTP, under /_admin (no token needed: the emulator binds to 127.0.0.1 by
 * default and is a test tool). Answers use the Falcon envelope so any Falcon-aware client can read
 * them. Routes are listed in docs/emulator.md.
 */
import type { EmulatorAdmin } from './admin.ts';
import type { Exchange } from './exchange.ts';
import type { Reply } from './http/envelope.ts';
import { FalconReplyError, badRequest } from './http/reply-error.ts';
import { SoarError } from '../shared/index.ts';

export const ADMIN_PREFIX = '/_admin';

type AdminAction = (admin: EmulatorAdmin, exchange: Exchange, body: unknown) => unknown[];

const ACTIONS: Readonly<Record<string, AdminAction>> = {
  'GET /_admin/info': (admin) => [admin.info()],
  'GET /_admin/audit': (admin, ex) => admin.audit(ex.query.integer('since') ?? 0),
  'GET /_admin/children': (admin) => admin.children(),
  'GET /_admin/requests': (admin, ex) => admin.requests(ex.query.integer('since') ?? 0),
  'GET /_admin/stats': (admin) => [admin.stats()],
  'GET /_admin/faults': (admin) => admin.faults(),
  'POST /_admin/faults': (admin, _ex, body) => {
    const faults = Array.isArray(body) ? body : [body];
    for (const fault of faults) admin.injectFault(fault as never);
    return admin.faults();
  },
  'DELETE /_admin/faults': (admin) => {
    admin.clearFaults();
    return [];
  },
  'POST /_admin/tokens/expire': (admin) => [{ expired: admin.expireTokens() }],
  'POST /_admin/tokens/revoke': (admin) => [{ revoked: admin.revokeTokens() }],
  'POST /_admin/reset': (admin, _ex, body) => {
    const seed = body !== null && typeof body === 'object' ? (body as { seed?: unknown }).seed : undefined;
    if (seed !== undefined && typeof seed !== 'number') throw badRequest('seed must be a number');
    admin.reset(seed);
    return [admin.info()];
  },
  'POST /_admin/detections': (admin, _ex, body) => [{ ids: admin.createDetections(field(body, 'count')) }],
  'PUT /_admin/event-rate': (admin, _ex, body) => {
    admin.setEventRate(field(body, 'perSecond'));
    return [admin.streamInfo()];
  },
  'GET /_admin/stream': (admin) => [admin.streamInfo()],
  'POST /_admin/stream/drop': (admin) => [{ dropped: admin.dropStreams() }],
  'POST /_admin/stream/stall': (admin, _ex, body) => {
    admin.stallStreams(field(body, 'ms'));
    return [admin.streamInfo()];
  },
  'POST /_admin/stream/expire': (admin) => [{ expired: admin.expireStreamSessions() }],
  'PUT /_admin/rate-limit': (admin, _ex, body) => {
    const perMinute =
      body !== null && typeof body === 'object' ? (body as { perMinute?: unknown }).perMinute : undefined;
    if (typeof perMinute !== 'number') throw badRequest('body must be {"perMinute": <integer>}');
    admin.setRateLimit(perMinute);
    return [admin.info()];
  },
};

/** A numeric field of an admin body ({"count": 5}); a 400 names it when missing. */
function field(body: unknown, name: string): number {
  const value =
    body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'number') throw badRequest(`body must be {"${name}": <integer>}`);
  return value;
}

/** Answers an admin route. */
export function handleAdmin(admin: EmulatorAdmin, exchange: Exchange, body: unknown): Reply {
  exchange.poweredBy = 'talon-emulator-admin';
  const action = ACTIONS[`${exchange.method} ${exchange.path}`];
  if (!action) {
    const known = Object.keys(ACTIONS).some((key) => key.endsWith(` ${exchange.path}`));
    if (known) throw new FalconReplyError(405, `method ${exchange.method} not allowed on ${exchange.path}`);
    throw new FalconReplyError(404, `unknown admin route ${exchange.path}; see docs/emulator.md`);
  }
  try {
    const resources = action(admin, exchange, body);
    return {
      status: 200,
      meta: { queryTimeSeconds: 0, poweredBy: exchange.poweredBy, traceId: exchange.traceId },
      resources,
    };
  } catch (error) {
    if (error instanceof SoarError && error.code === 'SOAR_EMULATOR_OPTIONS_INVALID')
      throw badRequest(error.message);
    throw error;
  }
}
