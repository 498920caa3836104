/**
 * Seeded incidents (`domain.Incident`, §6.3), their behaviors (`domain.Behavior`, §6.4) and the
 * CrowdScore series. An incident groups detections of one host (sometimes with lateral-movement
 * hosts); each incident behavior names the detection it came from, which is what
 * `update_detects` follows.
 */
import type { Entity } from './entity-store.ts';
import type { SeededRandom } from './random.ts';
import { type SeedContext, toIso } from './seed-context.ts';
import type { Detection } from './seed-detections.ts';
import type { Device } from './seed-devices.ts';

export type Incident = Entity & { incident_id: string; status: number; state: string; tags: string[] };
export type IncidentBehavior = Entity & { behavior_id: string; incident_id: string; detection_ids: string[] };
export type CrowdScore = Entity & { id: string };

const INCIDENT_TAGS = ['Phishing', 'Ransomware', 'Red Team', 'Insider', 'Commodity'];
const STATUS_WEIGHTS: readonly (readonly [number, number])[] = [
  [20, 50],
  [25, 5],
  [30, 25],
  [40, 20],
];

/** Generates incidents over hosts that have detections; returns incidents and their behaviors. */
export function seedIncidents(
  ctx: SeedContext,
  count: number,
  detectionsByAid: ReadonlyMap<string, readonly Detection[]>,
  analysts: readonly { uid: string; name: string }[],
): { incidents: Incident[]; behaviors: IncidentBehavior[] } {
  const { rng } = ctx;
  const aids = [...detectionsByAid.keys()];
  const incidents: Incident[] = [];
  const behaviors: IncidentBehavior[] = [];
  if (aids.length === 0) return { incidents, behaviors };
  for (let k = 0; k < count; k++) {
    const hostAids = rng.sample(aids, rng.bool(0.2) ? rng.int(2, 3) : 1);
    const mainAid = hostAids[0] as string;
    const incidentId = `inc:${mainAid}:${rng.hex(32)}`;
    const linked = hostAids.flatMap((aid) => rng.sample(detectionsByAid.get(aid) ?? [], rng.int(1, 3)));
    const own = linked.map((detection) => toIncidentBehavior(rng, ctx.cid, incidentId, detection));
    behaviors.push(...own);
    incidents.push(buildIncident(ctx, incidentId, hostAids, linked, own, analysts));
  }
  return { incidents, behaviors };
}

function buildIncident(
  ctx: SeedContext,
  incidentId: string,
  hostAids: readonly string[],
  linked: readonly Detection[],
  own: readonly IncidentBehavior[],
  analysts: readonly { uid: string; name: string }[],
): Incident {
  const { rng } = ctx;
  const times = own.map((b) => Date.parse(b['timestamp'] as string)).sort((a, b) => a - b);
  const start = times[0] ?? ctx.anchorMs;
  const end = times[times.length - 1] ?? start;
  const status = weighted(rng);
  const hosts = hostAids
    .map((aid) => linked.find((d) => d.device.device_id === aid)?.device)
    .filter(isDevice);
  const analyst = status === 20 ? undefined : rng.pick(analysts);
  const incident: Incident = {
    incident_id: incidentId,
    cid: ctx.cid,
    host_ids: [...hostAids],
    hosts,
    name: `Incident on ${hosts[0]?.hostname ?? 'unknown host'} - ${own[0]?.['tactic'] ?? 'Execution'}`,
    description: `Activity across ${hosts.length} host(s) and ${own.length} behavior(s).`,
    status,
    state: status === 40 ? 'closed' : 'open',
    tags: rng.sample(INCIDENT_TAGS, rng.int(0, 2)),
    fine_score: rng.int(10, 100),
    start: toIso(start),
    end: toIso(end),
    created: toIso(start),
    modified_timestamp: toIso(end + rng.int(60, 7200) * 1000),
    incident_type: 1,
    email_state: 'NOT_SENT',
    lm_host_ids: hostAids.slice(1),
    lm_hosts_capped: false,
    objectives: unique(own.map((b) => b['objective'] as string)),
    tactics: unique(own.map((b) => b['tactic'] as string)),
    techniques: unique(own.map((b) => b['technique'] as string)),
    users: unique(own.map((b) => `${b['user_name']}@${hosts[0]?.['machine_domain'] ?? 'example.com'}`)),
    events_histogram: [
      {
        timestamp_min: Math.floor(start / 1000),
        timestamp_max: Math.floor(end / 1000),
        count: own.length,
        has_detect: true,
        has_overwatch: false,
        has_prevented: own.some((b) => (b['pattern_disposition'] as number) !== 0),
      },
    ],
  };
  if (analyst) {
    incident['assigned_to'] = analyst.uid;
    incident['assigned_to_name'] = analyst.name;
  }
  return incident;
}

function toIncidentBehavior(
  rng: SeededRandom,
  cid: string,
  incidentId: string,
  detection: Detection,
): IncidentBehavior {
  const source: Record<string, unknown> = detection.behaviors[0] ?? {};
  const aid = detection.device.device_id;
  return {
    behavior_id: `ind:${aid}:${rng.digits(9)}-${rng.int(10, 99)}-${rng.digits(6)}`,
    aid,
    cid,
    incident_id: incidentId,
    incident_ids: [incidentId],
    detection_ids: [detection.detection_id],
    alert_ids: [],
    alerts_details: [],
    pattern_id: rng.int(10_000, 99_999),
    template_instance_id: rng.int(1, 5000),
    timestamp: source['timestamp'] as string,
    display_name: source['display_name'],
    pattern_description: source['description'],
    cmdline: source['cmdline'],
    filepath: source['filepath'],
    domain: detection.device['machine_domain'],
    sha256: source['sha256'],
    user_name: source['user_name'],
    exclusion_type: '',
    compound_tto: '',
    ioc_type: source['ioc_type'],
    ioc_value: source['ioc_value'],
    ioc_source: source['ioc_source'],
    objective: source['objective'],
    tactic: source['tactic'],
    tactic_id: source['tactic_id'],
    technique: source['technique'],
    technique_id: source['technique_id'],
    confidence: source['confidence'],
    pattern_disposition: source['pattern_disposition'],
    pattern_disposition_details: source['pattern_disposition_details'],
  };
}

/** One CrowdScore point every six hours over the last week. */
export function seedCrowdScores(ctx: SeedContext): CrowdScore[] {
  const points: CrowdScore[] = [];
  const step = 6 * 3_600_000;
  const first = ctx.anchorMs - 7 * 86_400_000;
  for (let at = first; at <= ctx.anchorMs; at += step) {
    const score = ctx.rng.int(0, 100);
    points.push({
      id: `${ctx.cid}_${Math.floor(at / 1000)}`,
      cid: ctx.cid,
      timestamp: toIso(at),
      score,
      adjusted_score: Math.max(0, score - ctx.rng.int(0, 20)),
      modified_timestamp: toIso(at),
    });
  }
  return points;
}

function weighted(rng: SeededRandom): number {
  let roll = rng.int(0, 99);
  for (const [status, weight] of STATUS_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return status;
  }
  return 20;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => typeof v === 'string' && v !== ''))];
}

function isDevice(device: Device | undefined): device is Device {
  return device !== undefined;
}
