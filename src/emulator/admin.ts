/**
 * The in-process steering surface of a running emulator (tests and benchmarks use it directly; the
 * same operations are served over HTTP under /_admin, see admin-routes.ts and docs/emulator.md).
 */
import type { DetectionGenerator } from './detection-generator.ts';
import type { EmulatorServices } from './exchange.ts';
import { type FaultSpec, validateFaultSpec } from './faults.ts';
import type { AuditEntry, EmulatorStats, RequestLogEntry } from './journal.ts';
import type { ChildLink } from './state/seed-children.ts';
import type { OnlineState } from './state/devices.ts';
import { SoarError } from '../shared/index.ts';

/** What `info()` reports. */
export interface EmulatorInfo {
  cid: string;
  seed: number;
  anchorTime: string;
  cloudToday: boolean;
  rateLimitPerMinute: number;
  counts: Record<string, number>;
}

/** Steering and inspection of a running emulator. */
export interface EmulatorAdmin {
  /** Every write since start or reset (optionally only entries after `sinceSeq`). */
  audit(sinceSeq?: number): AuditEntry[];
  /** The bounded log of Falcon and OAuth2 requests (admin calls are not logged). */
  requests(sinceSeq?: number): RequestLogEntry[];
  /** Queues a fault for the next `count` calls of an operation ('*' = any). */
  injectFault(fault: FaultSpec): void;
  /** Pending faults. */
  faults(): (FaultSpec & { remaining: number })[];
  clearFaults(): void;
  /** Expires every issued token now; returns how many. */
  expireTokens(): number;
  /** Forgets every issued token; returns how many. */
  revokeTokens(): number;
  /**
   * Re-seeds the world (same sizes; the given seed or the current one) and clears the audit log,
   * request log, counters, faults and rate budgets. Issued tokens stay valid.
   */
  reset(seed?: number): void;
  stats(): EmulatorStats;
  /** Changes the per-CID budget per minute. */
  setRateLimit(perMinute: number): void;
  info(): EmulatorInfo;
  /** The MSSP child customers of the emulator's CID (Flight Control), as getChildren answers them. */
  children(): ChildLink[];
  /** Sets a host's online state (RTR tests need offline hosts); unknown ids are an error. */
  setHostOnline(deviceId: string, online: OnlineState): void;
  /**
   * Creates detections now, or at `atMs` (tests make several share one created_timestamp), each
   * streamed as an EppDetectionSummaryEvent; returns their ids.
   */
  createDetections(count: number, atMs?: number): string[];
  /** New detections per second from now on (0 stops). */
  setEventRate(perSecond: number): void;
  /** Event Streams state: events so far, partitions, open feeds, the generator's rate. */
  streamInfo(): { events: number; partitions: number; openFeeds: number; eventRate: number };
  /** Fault: destroys every open feed connection; returns how many. */
  dropStreams(): number;
  /** Fault: open feeds send nothing (not even keep-alives) for `ms`; events are held, not lost. */
  stallStreams(ms: number): void;
  /** Fault: every stream session expires now (feeds close, refresh answers 404); returns how many. */
  expireStreamSessions(): number;
  /**
   * Adds records to the world (`talon test` fixtures): each is laid over a seeded record of its kind,
   * so fields a record leaves out keep a realistic value; the id field is required. Detections also
   * appear as endpoint alerts. Returns the ids.
   */
  addFixtures(kind: FixtureKind, records: readonly Record<string, unknown>[]): string[];
}

/** What `addFixtures` can add, by the id field each kind needs. */
export const FIXTURE_ID_FIELDS = {
  devices: 'device_id',
  detections: 'detection_id',
  indicators: 'id',
} as const;
export type FixtureKind = keyof typeof FIXTURE_ID_FIELDS;

/** Builds the admin surface over the emulator's services. */
export function createAdmin(services: EmulatorServices, generator: DetectionGenerator): EmulatorAdmin {
  let seed = services.options.seed;
  const { state, journal, faults, auth, limiters, options } = services;
  return {
    audit: (sinceSeq) => journal.audits(sinceSeq),
    requests: (sinceSeq) => journal.requests(sinceSeq),
    injectFault(fault) {
      const problem = validateFaultSpec(fault);
      if (problem) throw new SoarError('SOAR_EMULATOR_OPTIONS_INVALID', `invalid fault: ${problem}`);
      faults.add(fault);
    },
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    expireTokens: () => auth.expireAll(options.clock.now()),
    revokeTokens: () => auth.revokeAll(),
    reset(newSeed) {
      if (newSeed !== undefined) {
        if (!Number.isInteger(newSeed) || newSeed < 0 || newSeed > 2 ** 32 - 1) {
          throw new SoarError(
            'SOAR_EMULATOR_OPTIONS_INVALID',
            `seed must be an integer from 0 to 2^32-1 (got ${newSeed})`,
          );
        }
        seed = newSeed;
      }
      state.seed(seed, options.sizes, options.anchorMs, options.cid);
      services.queries.clear();
      journal.clear();
      faults.clear();
      limiters.cid.clear();
      limiters.unauthenticated.clear();
      limiters.token.clear();
    },
    stats: () => journal.stats(),
    setHostOnline(deviceId, online) {
      if (!state.devices.has(deviceId))
        throw new SoarError('SOAR_EMULATOR_OPTIONS_INVALID', `no device with id ${deviceId}`);
      state.hosts.setOnline(deviceId, online);
    },
    createDetections(count, atMs) {
      countOf('count', count, 100_000);
      return state.createDetections(count, atMs ?? options.clock.now()).map((d) => d.detection_id);
    },
    setEventRate(perSecond) {
      countOf('perSecond', perSecond, 1_000_000);
      generator.setRate(perSecond);
    },
    streamInfo: () => ({
      events: state.events.size,
      partitions: state.events.partitions,
      openFeeds: services.feeds.open.size,
      eventRate: generator.rate,
    }),
    dropStreams: () => services.feeds.dropAll(),
    stallStreams(ms) {
      countOf('ms', ms, 3_600_000);
      services.feeds.stall(ms, options.clock.now());
    },
    expireStreamSessions: () => state.streamSessions.expireAll(options.clock.now()),
    addFixtures(kind, records) {
      const store = state[kind] as unknown as {
        values(): IterableIterator<Record<string, unknown>>;
        put(entity: Record<string, unknown>): void;
      };
      const template = store.values().next().value ?? {};
      const idField = FIXTURE_ID_FIELDS[kind];
      const ids = records.map((record) => {
        const id = record[idField];
        if (typeof id !== 'string' || id === '') {
          throw new SoarError('SOAR_EMULATOR_OPTIONS_INVALID', `a ${kind} fixture needs ${idField}`);
        }
        store.put({ ...structuredClone(template), ...structuredClone(record) });
        return id;
      });
      if (kind === 'detections') state.detectionsChanged(ids);
      return ids;
    },
    setRateLimit(perMinute) {
      if (!Number.isInteger(perMinute) || perMinute < 1) {
        throw new SoarError(
          'SOAR_EMULATOR_OPTIONS_INVALID',
          `perMinute must be an integer of 1 or more (got ${perMinute})`,
        );
      }
      limiters.cid.setLimit(perMinute);
    },
    children: () => [...state.children.values()].map((c) => ({ ...c, domains: [...c.domains] })),
    info: () => ({
      cid: state.cid,
      seed,
      anchorTime: new Date(state.anchorMs).toISOString(),
      cloudToday: options.cloudToday,
      rateLimitPerMinute: limiters.cid.limit,
      counts: {
        detections: state.detections.size,
        devices: state.devices.size,
        incidents: state.incidents.size,
        behaviors: state.incidentBehaviors.size,
        iocs: state.indicators.size,
        scans: state.scans.size,
        scheduledScans: state.scheduledScans.size,
        scanHosts: state.scanHosts.size,
        maliciousFiles: state.maliciousFiles.size,
        idpSensors: state.idpSensors.size,
        policyRules: state.policyRules.size,
      },
    }),
  };
}

function countOf(name: string, value: unknown, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new SoarError(
      'SOAR_EMULATOR_OPTIONS_INVALID',
      `${name} must be an integer from 0 to ${max} (got ${String(value)})`,
    );
  }
}
