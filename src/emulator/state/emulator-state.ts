/**
 * Everything the emulator serves, in one object: a store per entity collection, seeded from
 * (seed, sizes, anchor) so the same inputs always produce the same world. Routes read and write
 * these stores; every write goes through a store method, which bumps its version.
 */
import {
  type AlertExtras,
  type AlertView,
  type AnyAlert,
  EppAlert,
  compositeIdOf,
  seedIdpAlerts,
} from './alert-views.ts';
import { EntityStore } from './entity-store.ts';
import { EventLog } from './events.ts';
import { DETECTION_EVENT, detectionEvent } from './stream-events.ts';
import { StreamSessions } from './stream-sessions.ts';
import { SeededRandom } from './random.ts';
import { type ChildLink, seedChildren } from './seed-children.ts';
import type { SeedContext } from './seed-context.ts';
import {
  type Behavior,
  type Detection,
  type HashEntry,
  detectionMaker,
  seedAnalysts,
  seedDetections,
  seedHashPool,
} from './seed-detections.ts';
import { type Device, seedDevices } from './seed-devices.ts';
import { HostStates, enrichDevices } from './devices.ts';
import { type IdpSensor, type PolicyRule, seedIdpSensors, seedPolicyRules } from './seed-idp.ts';
import {
  type CrowdScore,
  type Incident,
  type IncidentBehavior,
  seedCrowdScores,
  seedIncidents,
} from './seed-incidents.ts';
import { CaseAdminState } from './case-admin.ts';
import { RtrState } from './rtr-sessions.ts';
import { type CaseRecord, seedCases } from './seed-cases.ts';
import { type Indicator, seedIndicators } from './seed-iocs.ts';
import { type MaliciousFile, type Scan, type ScanHost, type ScheduledScan, seedOds } from './seed-ods.ts';

/** How many entities of each kind to seed. */
export interface EmulatorSizes {
  /** @default 500 */
  detections?: number;
  /** Endpoints detections and incidents point at. @default detections / 10, clamped to 10..5000 */
  hosts?: number;
  /** @default 40 */
  incidents?: number;
  /** @default 100 */
  iocs?: number;
  /** @default 20 */
  scans?: number;
  /** @default 8 */
  scheduledScans?: number;
  /** @default 12 */
  idpSensors?: number;
  /** @default 6 */
  policyRules?: number;
  /** Cases (Case Management). @default 10 */
  cases?: number;
  /** Identity Protection alerts (alerts with no detection behind them). @default detections / 20, at most 200 */
  idpAlerts?: number;
  /** Flight Control (MSSP) child CIDs of the emulator's CID. @default 3 */
  children?: number;
}

export type ResolvedSizes = Required<EmulatorSizes>;

/** Applies the documented defaults. */
export function resolveSizes(sizes: EmulatorSizes = {}): ResolvedSizes {
  const detections = sizes.detections ?? 500;
  return {
    detections,
    hosts: sizes.hosts ?? Math.min(5000, Math.max(10, Math.ceil(detections / 10))),
    incidents: sizes.incidents ?? 40,
    iocs: sizes.iocs ?? 100,
    scans: sizes.scans ?? 20,
    scheduledScans: sizes.scheduledScans ?? 8,
    idpSensors: sizes.idpSensors ?? 12,
    policyRules: sizes.policyRules ?? 6,
    cases: sizes.cases ?? 10,
    idpAlerts: sizes.idpAlerts ?? Math.min(200, Math.ceil(detections / 20)),
    children: sizes.children ?? 3,
  };
}

/** The emulator's world. */
export class EmulatorState {
  /** MSSP child customers of `cid` (Flight Control). */
  readonly children = new EntityStore<ChildLink>({ name: 'children', idOf: (c) => c.child_cid });
  readonly devices = new EntityStore<Device>({ name: 'devices', idOf: (d) => d.device_id });
  /** Online state, hidden hosts and containment in progress (the device lookup RTR uses too). */
  readonly hosts = new HostStates(this.devices);
  readonly detections = new EntityStore<Detection>({
    name: 'detections',
    idOf: (d) => d.detection_id,
    aliases: { 'devices.hostname': 'device.hostname', adversary_id: 'adversary_ids' },
    extraFields: ['assigned_to_uid', 'assigned_to_name'],
  });
  readonly incidents = new EntityStore<Incident>({
    name: 'incidents',
    idOf: (i) => i.incident_id,
    aliases: { final_score: 'fine_score' },
    extraFields: ['assigned_to', 'assigned_to_name'],
  });
  readonly incidentBehaviors = new EntityStore<IncidentBehavior>({
    name: 'behaviors',
    idOf: (b) => b.behavior_id,
  });
  readonly crowdScores = new EntityStore<CrowdScore>({ name: 'crowdscores', idOf: (c) => c.id });
  readonly indicators = new EntityStore<Indicator>({
    name: 'indicators',
    idOf: (i) => i.id,
    extraFields: [
      'severity_number',
      'metadata.filename',
      'metadata.av_hits',
      'metadata.company_name',
      'metadata.original_filename',
      'metadata.product_name',
      'metadata.product_version',
    ],
  });
  readonly scans = new EntityStore<Scan>({ name: 'scans', idOf: (s) => s.id });
  readonly scheduledScans = new EntityStore<ScheduledScan>({ name: 'scheduled-scans', idOf: (s) => s.id });
  readonly scanHosts = new EntityStore<ScanHost>({ name: 'scan-hosts', idOf: (s) => s.id });
  readonly maliciousFiles = new EntityStore<MaliciousFile>({ name: 'malicious-files', idOf: (m) => m.id });
  readonly idpSensors = new EntityStore<IdpSensor>({ name: 'idp-sensors', idOf: (s) => s.device_id });
  readonly policyRules = new EntityStore<PolicyRule>({ name: 'policy-rules', idOf: (r) => r.id });
  readonly cases = new EntityStore<CaseRecord>({ name: 'cases', idOf: (c) => c.id });
  /** Case templates, SLAs, notification groups and access tags. */
  readonly caseAdmin = new CaseAdminState();
  /** Real Time Response sessions, batches, commands, host contents and scripts. */
  readonly rtr = new RtrState();
  /** Alert-only fields (tags, linked cases) per detection id or idp composite id. */
  readonly alertExtras = new Map<string, AlertExtras>();
  /** Alerts of other products than epp (they have no detection behind them). */
  private idpAlerts: AlertView[] = [];
  /** Alert views, built on first use so a Detects-only run never pays for them. */
  private alertViews: EntityStore<AnyAlert> | undefined;
  /** Comments added by write routes, per entity id (the read models have no field for them). */
  readonly comments = new Map<string, string[]>();
  /** Analysts (uid, name) that seeded assignments use. */
  analysts: { uid: string; name: string }[] = [];
  cid = '';
  anchorMs = 0;
  /** Bumped so a re-created IOC gets a fresh id. */
  indicatorGeneration = 0;
  /** What the Event Streams feed serves (docs/event-streams.md). */
  events = new EventLog();
  readonly streamSessions = new StreamSessions();
  /** Detections made after seeding (admin route, --event-rate): their own PRNG and id range. */
  private makeDetection: ((index: number, device: Device) => Detection) | undefined;
  private madeDetections = 0;
  private makerRng = new SeededRandom(0);
  private seededDetections = 0;

  /** Replaces all state with the world for (seed, sizes, anchor). */
  seed(seed: number, sizes: ResolvedSizes, anchorMs: number, cid?: string): void {
    this.clear();
    const rng = new SeededRandom(seed);
    this.cid = (cid ?? rng.hex(32)).toLowerCase();
    this.anchorMs = anchorMs;
    const ctx: SeedContext = { rng, cid: this.cid, anchorMs };
    this.analysts = seedAnalysts(rng);
    const devices = seedDevices(ctx, sizes.hosts);
    const deviceWorld = enrichDevices(ctx, seed, devices);
    const hashes = seedHashPool(rng, Math.min(5000, Math.max(50, Math.ceil(sizes.detections / 5))));
    const detections = seedDetections(ctx, sizes.detections, devices, hashes, this.analysts);
    const byAid = new Map<string, Detection[]>();
    for (const detection of detections) {
      const list = byAid.get(detection.device.device_id);
      if (list) list.push(detection);
      else byAid.set(detection.device.device_id, [detection]);
    }
    const { incidents, behaviors } = seedIncidents(ctx, sizes.incidents, byAid, this.analysts);
    const ods = seedOds(ctx, sizes, devices, hashes);
    putAll(this.devices, devices);
    this.hosts.reset(deviceWorld.groups, deviceWorld.online);
    putAll(this.detections, detections);
    putAll(this.incidents, incidents);
    putAll(this.incidentBehaviors, behaviors);
    putAll(this.crowdScores, seedCrowdScores(ctx));
    putAll(this.indicators, seedIndicators(ctx, sizes.iocs, hashes));
    putAll(this.scans, ods.scans);
    putAll(this.scheduledScans, ods.scheduledScans);
    putAll(this.scanHosts, ods.scanHosts);
    putAll(this.maliciousFiles, ods.maliciousFiles);
    putAll(this.idpSensors, seedIdpSensors(ctx, sizes.idpSensors, devices));
    putAll(this.policyRules, seedPolicyRules(ctx, sizes.policyRules));
    const sampleAlerts = detections.slice(0, 500).map((d) => compositeIdOf(this.cid, d.detection_id));
    const cases = seedCases(ctx, sizes.cases, sampleAlerts, this.analysts);
    putAll(this.cases, cases);
    for (const record of cases) {
      for (const { id } of record.evidence.alerts.records) {
        const detectionId = `ldt:${id.split(':')[2]}:${id.split(':')[3]}`;
        this.extrasFor(detectionId).linkedCaseIds.push(record.id);
      }
    }
    this.idpAlerts = seedIdpAlerts(seed, this.cid, anchorMs, [...this.idpSensors.values()], sizes.idpAlerts);
    this.caseAdmin.seed(seed, this.cid, anchorMs);
    putAll(this.children, seedChildren(seed, this.cid, sizes.children, anchorMs));
    this.rtr.seed(seed, anchorMs);
    this.prepareDetectionMaker(seed, hashes, sizes.detections);
  }

  private prepareDetectionMaker(seed: number, hashes: readonly HashEntry[], seeded: number): void {
    this.makerRng = new SeededRandom((seed ^ 0x5eed_e7e5) >>> 0);
    this.makeDetection = detectionMaker(
      { rng: this.makerRng, cid: this.cid, anchorMs: this.anchorMs },
      hashes,
      this.analysts,
    );
    this.seededDetections = seeded;
    this.madeDetections = 0;
  }

  /**
   * Creates `count` new detections happening at `nowMs` (status new, unassigned) on seeded hosts,
   * visible through Detects and Alerts, and streams an EppDetectionSummaryEvent for each.
   */
  createDetections(count: number, nowMs: number): Detection[] {
    const devices = [...this.devices.values()];
    if (!this.makeDetection || devices.length === 0 || count <= 0) return [];
    const out: Detection[] = [];
    const stamp = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (let i = 0; i < count; i++) {
      const index = this.seededDetections + this.madeDetections++;
      const detection = this.makeDetection(index, this.makerRng.pick(devices));
      detection.status = 'new';
      delete detection['assigned_to_uid'];
      delete detection['assigned_to_name'];
      for (const field of ['created_timestamp', 'date_updated', 'first_behavior', 'last_behavior'])
        detection[field] = stamp;
      for (const behavior of detection.behaviors) behavior.timestamp = stamp;
      detection['seconds_to_triaged'] = 0;
      detection['seconds_to_resolved'] = 0;
      this.detections.put(detection);
      this.alertViews?.put(new EppAlert(this.cid, detection, this.alertExtras));
      out.push(detection);
      this.events.append(this.cid, DETECTION_EVENT, detectionEvent(this.cid, detection), nowMs);
    }
    this.detectionsChanged(out.map((d) => d.detection_id));
    return out;
  }

  /** Alert-only fields of an alert, keyed by detection id (epp) or composite id (other products). */
  extrasFor(key: string): AlertExtras {
    let extras = this.alertExtras.get(key);
    if (!extras) {
      extras = { tags: [], linkedCaseIds: [], assignedToUserId: '' };
      this.alertExtras.set(key, extras);
    }
    return extras;
  }

  /** The alerts collection: one view per detection plus the idp alerts. */
  alerts(): EntityStore<AnyAlert> {
    if (this.alertViews) return this.alertViews;
    const store = new EntityStore<AnyAlert>({
      name: 'alerts',
      idOf: (a) => String(a['composite_id']),
      shapeOf: (a) => (a instanceof EppAlert ? a.toJSON() : a),
    });
    for (const detection of this.detections.values())
      store.put(new EppAlert(this.cid, detection, this.alertExtras));
    for (const alert of this.idpAlerts) store.put(alert);
    this.alertViews = store;
    return store;
  }

  /** Call after changing detections (or their alert extras): bumps versions and refreshes alert views. */
  detectionsChanged(_ids: readonly string[]): void {
    this.detections.touch();
    // Alert views read their detection live; only the query cache needs to know.
    this.alertViews?.touch();
  }

  /** Detection ids linked to an incident through its behaviors. */
  detectionIdsOfIncident(incidentId: string): string[] {
    const ids = new Set<string>();
    for (const behavior of this.incidentBehaviors.values()) {
      if (behavior.incident_id === incidentId) for (const id of behavior.detection_ids) ids.add(id);
    }
    return [...ids];
  }

  /** Every behavior of every detection, for the "ran on" IOC routes. */
  *detectionBehaviors(): Generator<Behavior> {
    for (const detection of this.detections.values()) yield* detection.behaviors;
  }

  private clear(): void {
    for (const store of [
      this.children,
      this.devices,
      this.detections,
      this.incidents,
      this.incidentBehaviors,
      this.crowdScores,
      this.indicators,
      this.scans,
      this.scheduledScans,
      this.scanHosts,
      this.maliciousFiles,
      this.idpSensors,
      this.policyRules,
      this.cases,
    ] as unknown as EntityStore<Record<string, unknown>>[]) {
      store.clear();
    }
    this.comments.clear();
    this.alertExtras.clear();
    this.alertViews = undefined;
    this.idpAlerts = [];
    this.indicatorGeneration = 0;
    this.events.clear();
    this.streamSessions.clear();
  }
}

function putAll<T extends Record<string, unknown>>(store: EntityStore<T>, entities: readonly T[]): void {
  for (const entity of entities) store.put(entity);
}
