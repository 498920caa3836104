/**
 * startEmulator: seeds the world, builds the route index from the operations table (so client and
 * emulator share one source of routes, scopes and limits) and listens on a port.
 */
import type { AddressInfo } from 'node:net';
import { ALL_OPERATIONS } from '../falcon/operations/index.ts';
import { SoarError } from '../shared/index.ts';
import { type EmulatorAdmin, createAdmin } from './admin.ts';
import { AuthRegistry } from './auth.ts';
import type { EmulatorServices } from './exchange.ts';
import { startDetectionGenerator } from './detection-generator.ts';
import { FaultBook } from './faults.ts';
import { Journal } from './journal.ts';
import { type EmulatorOptions, resolveEmulatorOptions } from './options.ts';
import { QueryEngine } from './query/run-query.ts';
import { SlidingWindowLimiter } from './rate-limit.ts';
import { ROUTE_HANDLERS } from './routes/index.ts';
import type { RouteTable } from './routes/types.ts';
import { type RouteIndex, type TemplateRoute, createEmulatorServer } from './server.ts';
import { EmulatorState } from './state/emulator-state.ts';
import { EventLog } from './state/events.ts';
import { FeedRegistry } from './feed-registry.ts';

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:8081 (no trailing slash). */
  url: string;
  port: number;
  /** The first configured client (by default the well-known all-scopes client). */
  credentials: { clientId: string; clientSecret: string };
  admin: EmulatorAdmin;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts an emulator. Resolves once it listens.
 * @throws SoarError SOAR_EMULATOR_OPTIONS_INVALID for bad options, SOAR_EMULATOR_START_FAILED when it cannot listen.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const resolved = resolveEmulatorOptions(options);
  const state = new EmulatorState();
  state.events = new EventLog(resolved.streamPartitions);
  state.seed(resolved.seed, resolved.sizes, resolved.anchorMs, resolved.cid);
  state.hosts.containmentDelayMs = resolved.containmentDelayMs;
  const services: EmulatorServices = {
    options: resolved,
    state,
    auth: new AuthRegistry(resolved.clients, state.cid, resolved.tokenTtlSeconds),
    journal: new Journal(resolved.requestLogSize),
    faults: new FaultBook(),
    queries: new QueryEngine(),
    feeds: new FeedRegistry(),
    limiters: {
      cid: new SlidingWindowLimiter(resolved.rateLimitPerMinute),
      unauthenticated: new SlidingWindowLimiter(resolved.unauthenticatedRateLimitPerMinute),
      token: new SlidingWindowLimiter(resolved.tokenRateLimitPerMinute),
    },
  };
  const generator = startDetectionGenerator(services, resolved.eventRate);
  const admin = createAdmin(services, generator);
  const server = createEmulatorServer(services, buildRouteIndex(ROUTE_HANDLERS), admin);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new SoarError(
          'SOAR_EMULATOR_START_FAILED',
          `cannot listen on ${resolved.host}:${resolved.port}: ${error.message}`,
        ),
      ),
    );
    server.listen(resolved.port, resolved.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const first = resolved.clients[0] as { clientId: string; clientSecret: string };
  resolved.logger.info({ port, cid: state.cid, detections: state.detections.size }, 'emulator listening');
  return {
    url: `http://${resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host}:${port}`,
    port,
    credentials: { clientId: first.clientId, clientSecret: first.clientSecret },
    admin,
    close: () =>
      new Promise<void>((resolve) => {
        generator.setRate(0);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Pairs every operation of the table with its handler (operations without one are not served). */
export function buildRouteIndex(handlers: RouteTable): RouteIndex {
  const byRoute = new Map<string, { op: (typeof ALL_OPERATIONS)[number]; handler: RouteTable[string] }>();
  for (const op of ALL_OPERATIONS) {
    const key = `${op.method} ${op.path}`;
    const handler = handlers[key];
    if (handler) byRoute.set(key, { op, handler });
  }
  const templates: TemplateRoute[] = [];
  for (const [key, served] of byRoute) {
    if (!served.op.path.includes('{')) continue;
    byRoute.delete(key);
    const names: string[] = [];
    const source = served.op.path
      .split(/(\{[A-Za-z0-9_]+\})/)
      .map((part) => {
        const name = /^\{([A-Za-z0-9_]+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([^/]+)';
      })
      .join('');
    templates.push({ method: served.op.method, pattern: new RegExp(`^${source}$`), names, served });
  }
  return { byRoute, paths: new Set([...byRoute.values()].map((r) => r.op.path)), templates };
}

/** Operations of the table the emulator has no handler for (a test keeps this empty). */
export function unservedOperations(handlers: RouteTable = ROUTE_HANDLERS): string[] {
  return ALL_OPERATIONS.filter((op) => !handlers[`${op.method} ${op.path}`]).map((op) => op.operationId);
}
