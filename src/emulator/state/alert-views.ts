/**
 * Alerts as the successor API shows them (docs/falcon-successors.md): every seeded endpoint
 * detection IS an alert with product 'epp' (one record, two views), plus a few Identity Protection
 * alerts (product 'idp') that exist only in Alerts, so a migrated filter must say `product:'epp'`.
 * Detection status maps onto alert status + resolution: true_positive, false_positive and ignored
 * become status 'closed' with that resolution; updates through either API show in both.
 */
import type { Entity } from './entity-store.ts';
import { SeededRandom } from './random.ts';
import { toIso } from './seed-context.ts';
import type { Detection } from './seed-detections.ts';
import type { IdpSensor } from './seed-idp.ts';
import { SEVERITY_BANDS, TECHNIQUES } from './vocabulary.ts';

export type AlertView = Entity & { composite_id: string; status: string; tags: string[]; product: string };

/** Alert-only state of an alert (detections have no field for these). */
export interface AlertExtras {
  tags: string[];
  linkedCaseIds: string[];
  assignedToUserId: string;
}

const RESOLUTIONS = new Set(['true_positive', 'false_positive', 'ignored']);

/** The composite id of a detection's alert: `<cid>:ind:<aid>:<n>` (opaque to clients). */
export function compositeIdOf(cid: string, detectionId: string): string {
  const [, aid, n] = detectionId.split(':');
  return `${cid}:ind:${aid}:${n}`;
}

/** The detection id behind an epp composite id, or undefined for other alerts. */
export function detectionIdOfComposite(compositeId: string): string | undefined {
  const parts = compositeId.split(':');
  return parts.length === 4 && parts[1] === 'ind' ? `ldt:${parts[2]}:${parts[3]}` : undefined;
}

/** Alert status and resolution for a detection status. */
export function alertStatusOf(detectionStatus: string): { status: string; resolution: string } {
  if (RESOLUTIONS.has(detectionStatus)) return { status: 'closed', resolution: detectionStatus };
  return { status: detectionStatus, resolution: '' };
}

/** Builds the alert view of a detection (shares the device and behavior objects). */
export function alertOfDetection(
  cid: string,
  detection: Detection,
  extras: AlertExtras | undefined,
): AlertView {
  const top = detection.behaviors[0] ?? ({} as Record<string, unknown>);
  const { status, resolution } = alertStatusOf(detection.status);
  const aid = detection.device.device_id;
  const compositeId = compositeIdOf(cid, detection.detection_id);
  return {
    composite_id: compositeId,
    id: compositeId.slice(cid.length + 1),
    aggregate_id: `aggind:${aid}:${detection.detection_id.split(':')[2]}`,
    cid,
    origin_cid: cid,
    agent_id: aid,
    product: 'epp',
    type: 'ldt',
    platform: detection.device.platform_name,
    name: top['display_name'],
    display_name: top['display_name'],
    description: top['description'],
    scenario: top['scenario'],
    pattern_id: Number.parseInt(String(top['behavior_id'] ?? '0'), 10),
    severity: detection['max_severity'],
    severity_name: detection['max_severity_displayname'],
    confidence: detection['max_confidence'],
    status,
    resolution,
    show_in_ui: detection['show_in_ui'],
    email_sent: detection['email_sent'],
    external: false,
    assigned_to_name: detection['assigned_to_name'] ?? '',
    assigned_to_uid: extras?.assignedToUserId ?? '',
    assigned_to_uuid: detection['assigned_to_uid'] ?? '',
    tags: extras?.tags ?? [],
    tactic: top['tactic'],
    tactic_id: top['tactic_id'],
    technique: top['technique'],
    technique_id: top['technique_id'],
    objective: top['objective'],
    mitre_attack: [
      {
        tactic_id: top['tactic_id'],
        technique_id: top['technique_id'],
        tactic: top['tactic'],
        technique: top['technique'],
      },
    ],
    linked_case_ids: extras?.linkedCaseIds ?? [],
    linked_behavioral_detections: [],
    data_domains: ['Endpoint'],
    source_products: ['Falcon Insight'],
    source_vendors: ['CrowdStrike'],
    seconds_to_triaged: detection['seconds_to_triaged'],
    seconds_to_resolved: detection['seconds_to_resolved'],
    timestamp: detection['first_behavior'],
    created_timestamp: detection['created_timestamp'],
    updated_timestamp: detection['date_updated'],
    crawled_timestamp: detection['date_updated'],
    device: detection.device,
    filename: top['filename'],
    filepath: top['filepath'],
    cmdline: top['cmdline'],
    sha256: top['sha256'],
    md5: top['md5'],
    user_name: top['user_name'],
    parent_details: top['parent_details'],
    behaviors_processed: detection['behaviors_processed'],
  };
}

/** Identity Protection alerts: alerts that have no detection behind them. */
export function seedIdpAlerts(
  seed: number,
  cid: string,
  anchorMs: number,
  sensors: readonly IdpSensor[],
  count: number,
): AlertView[] {
  const rng = new SeededRandom(seed ^ 0x5eed);
  const out: AlertView[] = [];
  for (let i = 0; i < count && sensors.length > 0; i++) {
    const sensor = rng.pick(sensors);
    const technique = rng.pick(TECHNIQUES);
    const band = rng.pick(SEVERITY_BANDS);
    const at = toIso(anchorMs - rng.int(0, 30 * 86_400) * 1000);
    const id = `${rng.hex(32)}:idp:${rng.digits(10)}`;
    out.push({
      composite_id: `${cid}:${id}`,
      id,
      aggregate_id: `aggidp:${rng.hex(32)}`,
      cid,
      origin_cid: cid,
      agent_id: sensor.device_id,
      product: 'idp',
      type: 'idp-user-endpoint-app-access',
      platform: 'Windows',
      name: 'AccessFromUnusualLocation',
      display_name: 'Access from an unusual location',
      description: 'A user authenticated from a location never seen before.',
      scenario: 'credential_theft',
      pattern_id: rng.int(51_000, 51_999),
      severity: band.score,
      severity_name: band.name,
      confidence: rng.int(1, 10) * 10,
      status: rng.pick(['new', 'new', 'in_progress', 'closed']),
      resolution: '',
      show_in_ui: true,
      email_sent: false,
      external: false,
      assigned_to_name: '',
      assigned_to_uid: '',
      assigned_to_uuid: '',
      tags: [],
      tactic: technique.tactic,
      tactic_id: technique.tacticId,
      technique: technique.technique,
      technique_id: technique.techniqueId,
      objective: technique.objective,
      mitre_attack: [
        {
          tactic_id: technique.tacticId,
          technique_id: technique.techniqueId,
          tactic: technique.tactic,
          technique: technique.technique,
        },
      ],
      linked_case_ids: [],
      linked_behavioral_detections: [],
      data_domains: ['Identity'],
      source_products: ['Falcon Identity Protection'],
      source_vendors: ['CrowdStrike'],
      seconds_to_triaged: 0,
      seconds_to_resolved: 0,
      timestamp: at,
      created_timestamp: at,
      updated_timestamp: at,
      crawled_timestamp: at,
    });
  }
  return out;
}
