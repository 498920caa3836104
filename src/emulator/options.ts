/**
 * startEmulator options: input (all optional, documented defaults) -> resolved (validated).
 * A bad option is a SOAR_EMULATOR_OPTIONS_INVALID naming the option and the value received.
 */
import { type Clock, type Logger, SoarError, silentLogger, systemClock } from '../shared/index.ts';
import type { EmulatorClient } from './auth.ts';
import { type EmulatorSizes, type ResolvedSizes, resolveSizes } from './state/emulator-state.ts';

/** The well-known client id of the default all-scopes client (never use it outside local testing). */
export const DEFAULT_CLIENT_ID = 'talon-emulator-client';
/** The well-known secret of the default all-scopes client. */
export const DEFAULT_CLIENT_SECRET = 'talon-emulator-secret';

// falconpy jumps to the public cloud when X-Cs-Region names one of these (falcon-api.md §1.4).
const REAL_REGIONS = new Set(['us1', 'us2', 'eu1', 'usgov1', 'usgov2', 'us3', 'auto']);

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Seed of the generated world. @default 1 */
  seed?: number;
  /** How many entities to generate (see EmulatorSizes for defaults). */
  sizes?: EmulatorSizes;
  /** Accepted API clients. @default one client with DEFAULT_CLIENT_ID/SECRET and every scope */
  clients?: readonly EmulatorClient[];
  /** Customer id of the tenant (32 hex). @default derived from the seed */
  cid?: string;
  /** Per-CID budget on a sliding minute. @default 6000 */
  rateLimitPerMinute?: number;
  /** Per-IP budget for calls with a missing or bad token. @default 15 (the real figure) */
  unauthenticatedRateLimitPerMinute?: number;
  /** Per-IP budget for POST /oauth2/token. @default 300 */
  tokenRateLimitPerMinute?: number;
  /** Token lifetime. @default 1799 */
  tokenTtlSeconds?: number;
  /** Decommissioned operations (Detects, Incidents) answer as the real cloud does today. @default false */
  cloudToday?: boolean;
  /** Largest request body accepted. @default 5 MiB */
  maxBodyBytes?: number;
  /** Requests kept in the request log. @default 5000 */
  requestLogSize?: number;
  /** "Now" of the seeded world (RFC 3339). @default the start of the current UTC day */
  anchorTime?: string;
  /** How long a host stays containment_pending (or lift_containment_pending). @default 2000 */
  containmentDelayMs?: number;
  /** Value of an X-Cs-Region header on token answers; real region names are refused. @default none */
  region?: string;
  /** Event Streams: refreshActiveSessionInterval, the session lifetime. @default 1800 */
  streamSessionSeconds?: number;
  /** Event Streams: an empty line is written on an idle feed this often. @default 10000 */
  streamKeepAliveMs?: number;
  /** Event Streams: partitions (one feed URL each). @default 1 */
  streamPartitions?: number;
  /** New detections created per second (each streamed as an EppDetectionSummaryEvent). @default 0 */
  eventRate?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  seed: number;
  sizes: ResolvedSizes;
  clients: readonly EmulatorClient[];
  cid: string | undefined;
  rateLimitPerMinute: number;
  unauthenticatedRateLimitPerMinute: number;
  tokenRateLimitPerMinute: number;
  tokenTtlSeconds: number;
  cloudToday: boolean;
  maxBodyBytes: number;
  requestLogSize: number;
  anchorMs: number;
  region: string | undefined;
  containmentDelayMs: number;
  streamSessionSeconds: number;
  streamKeepAliveMs: number;
  streamPartitions: number;
  eventRate: number;
  logger: Logger;
  clock: Clock;
}

const DAY_MS = 86_400_000;

/** Applies defaults and validates; throws SOAR_EMULATOR_OPTIONS_INVALID. */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const clock = options.clock ?? systemClock;
  const resolved: ResolvedEmulatorOptions = {
    port: integer('port', options.port ?? 0, 0, 65_535),
    host: options.host ?? '127.0.0.1',
    seed: integer('seed', options.seed ?? 1, 0, 2 ** 32 - 1),
    sizes: resolveSizes(options.sizes),
    clients: options.clients ?? [
      { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, scopes: '*' },
    ],
    cid: options.cid,
    rateLimitPerMinute: integer('rateLimitPerMinute', options.rateLimitPerMinute ?? 6000, 1, 10_000_000),
    unauthenticatedRateLimitPerMinute: integer(
      'unauthenticatedRateLimitPerMinute',
      options.unauthenticatedRateLimitPerMinute ?? 15,
      1,
      10_000_000,
    ),
    tokenRateLimitPerMinute: integer(
      'tokenRateLimitPerMinute',
      options.tokenRateLimitPerMinute ?? 300,
      1,
      10_000_000,
    ),
    tokenTtlSeconds: integer('tokenTtlSeconds', options.tokenTtlSeconds ?? 1799, 1, 86_400),
    cloudToday: options.cloudToday ?? false,
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes ?? 5 * 1024 * 1024, 1024, 1024 ** 3),
    requestLogSize: integer('requestLogSize', options.requestLogSize ?? 5000, 0, 1_000_000),
    anchorMs: anchor(options.anchorTime, clock),
    region: region(options.region),
    containmentDelayMs: integer('containmentDelayMs', options.containmentDelayMs ?? 2000, 0, 3_600_000),
    streamSessionSeconds: integer('streamSessionSeconds', options.streamSessionSeconds ?? 1800, 1, 86_400),
    streamKeepAliveMs: integer('streamKeepAliveMs', options.streamKeepAliveMs ?? 10_000, 10, 600_000),
    streamPartitions: integer('streamPartitions', options.streamPartitions ?? 1, 1, 64),
    eventRate: integer('eventRate', options.eventRate ?? 0, 0, 1_000_000),
    logger: options.logger ?? silentLogger,
    clock,
  };
  for (const [name, size] of Object.entries(resolved.sizes)) integer(`sizes.${name}`, size, 0, 2_000_000);
  checkClients(resolved.clients);
  if (resolved.cid !== undefined && !/^[0-9a-fA-F]{32}$/.test(resolved.cid)) {
    throw invalid(`cid must be 32 hex characters (got "${resolved.cid}")`);
  }
  return resolved;
}

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

function anchor(text: string | undefined, clock: Clock): number {
  if (text === undefined) return Math.floor(clock.now() / DAY_MS) * DAY_MS;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw invalid(`anchorTime must be an RFC 3339 time (got "${text}")`);
  return ms;
}

function region(value: string | undefined): string | undefined {
  if (value !== undefined && REAL_REGIONS.has(value.replaceAll('-', '').toLowerCase())) {
    throw invalid(`region "${value}" names a real Falcon cloud; falconpy would leave the emulator for it`);
  }
  return value;
}

function checkClients(clients: readonly EmulatorClient[]): void {
  if (clients.length === 0) throw invalid('clients must list at least one client');
  const seen = new Set<string>();
  for (const [i, client] of clients.entries()) {
    if (!client.clientId || !client.clientSecret)
      throw invalid(`clients[${i}] needs a clientId and a clientSecret`);
    if (seen.has(client.clientId))
      throw invalid(`clients[${i}].clientId "${client.clientId}" is listed twice`);
    seen.add(client.clientId);
    if (client.cid !== undefined && !/^[0-9a-fA-F]{32}$/.test(client.cid)) {
      throw invalid(`clients[${i}].cid must be 32 hex characters`);
    }
  }
}

function invalid(message: string): SoarError {
  return new SoarError('SOAR_EMULATOR_OPTIONS_INVALID', message);
}
