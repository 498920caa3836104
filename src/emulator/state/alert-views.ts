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

type Top = Record<string, unknown>;
type FieldReader = (d: Detection, top: Top, extras: AlertExtras | undefined, cid: string) => unknown;

// Every field of an endpoint alert, read live from its detection (and the alert-only extras), so the
// two views can never disagree and no copy of 100,000 detections is kept.
const EPP_FIELDS: Readonly<Record<string, FieldReader>> = {
  composite_id: (d, _t, _x, cid) => compositeIdOf(cid, d.detection_id),
  id: (d) => `ind:${d.device.device_id}:${d.detection_id.split(':')[2]}`,
  aggregate_id: (d) => `aggind:${d.device.device_id}:${d.detection_id.split(':')[2]}`,
  cid: (_d, _t, _x, cid) => cid,
  origin_cid: (_d, _t, _x, cid) => cid,
  agent_id: (d) => d.device.device_id,
  product: () => 'epp',
  type: () => 'ldt',
  platform: (d) => d.device.platform_name,
  name: (_d, t) => t['display_name'],
  display_name: (_d, t) => t['display_name'],
  description: (_d, t) => t['description'],
  scenario: (_d, t) => t['scenario'],
  pattern_id: (_d, t) => Number.parseInt(String(t['behavior_id'] ?? '0'), 10),
  severity: (d) => d['max_severity'],
  severity_name: (d) => d['max_severity_displayname'],
  confidence: (d) => d['max_confidence'],
  status: (d) => alertStatusOf(d.status).status,
  resolution: (d) => alertStatusOf(d.status).resolution,
  show_in_ui: (d) => d['show_in_ui'],
  email_sent: (d) => d['email_sent'],
  external: () => false,
  is_aggregated: () => false,
  is_falcon_platform_ioa: () => false,
  assigned_to_name: (d) => d['assigned_to_name'] ?? '',
  assigned_to_uid: (_d, _t, x) => x?.assignedToUserId ?? '',
  assigned_to_uuid: (d) => d['assigned_to_uid'] ?? '',
  tags: (_d, _t, x) => x?.tags ?? [],
  tactic: (_d, t) => t['tactic'],
  tactic_id: (_d, t) => t['tactic_id'],
  technique: (_d, t) => t['technique'],
  technique_id: (_d, t) => t['technique_id'],
  objective: (_d, t) => t['objective'],
  mitre_attack: (_d, t) => [
    {
      tactic_id: t['tactic_id'],
      technique_id: t['technique_id'],
      tactic: t['tactic'],
      technique: t['technique'],
    },
  ],
  linked_case_ids: (_d, _t, x) => x?.linkedCaseIds ?? [],
  linked_behavioral_detections: () => [],
  data_domains: () => ['Endpoint'],
  source_products: () => ['Falcon Insight'],
  source_vendors: () => ['CrowdStrike'],
  seconds_to_triaged: (d) => d['seconds_to_triaged'],
  seconds_to_resolved: (d) => d['seconds_to_resolved'],
  timestamp: (d) => d['first_behavior'],
  created_timestamp: (d) => d['created_timestamp'],
  updated_timestamp: (d) => d['date_updated'],
  crawled_timestamp: (d) => d['date_updated'],
  device: (d) => d.device,
  filename: (_d, t) => t['filename'],
  filepath: (_d, t) => t['filepath'],
  cmdline: (_d, t) => t['cmdline'],
  sha256: (_d, t) => t['sha256'],
  md5: (_d, t) => t['md5'],
  user_name: (_d, t) => t['user_name'],
  parent_details: (_d, t) => t['parent_details'],
  behaviors_processed: (d) => d['behaviors_processed'],
};

const EPP_ENTRIES = Object.entries(EPP_FIELDS);
const NO_BEHAVIOR: Top = Object.freeze({});

/**
 * The alert view of one detection. Fields are prototype getters (FQL, sort and aggregates read them
 * like plain properties); `toJSON` produces the wire object.
 */
export class EppAlert {
  [field: string]: unknown;
  readonly #detection: Detection;
  readonly #extras: ReadonlyMap<string, AlertExtras>;
  readonly #cid: string;

  // One getter per field on the prototype, each calling its reader directly (no lookup by name).
  static {
    for (const [field, reader] of EPP_ENTRIES) {
      if (field === 'composite_id') continue;
      Object.defineProperty(EppAlert.prototype, field, {
        get(this: EppAlert) {
          const d = this.#detection;
          return reader(d, d.behaviors[0] ?? NO_BEHAVIOR, this.#extras.get(d.detection_id), this.#cid);
        },
        enumerable: false,
        configurable: false,
      });
    }
  }

  constructor(cid: string, detection: Detection, extras: ReadonlyMap<string, AlertExtras>) {
    this.#cid = cid;
    this.#detection = detection;
    this.#extras = extras;
    // The id is read for every match when sorting and paging: compute it once.
    this['composite_id'] = compositeIdOf(cid, detection.detection_id);
  }

  toJSON(): Record<string, unknown> {
    const d = this.#detection;
    const top = d.behaviors[0] ?? NO_BEHAVIOR;
    const extras = this.#extras.get(d.detection_id);
    const out: Record<string, unknown> = {};
    for (const [field, reader] of EPP_ENTRIES) out[field] = reader(d, top, extras, this.#cid);
    return out;
  }
}

/** An epp alert, or a plain idp alert object. */
export type AnyAlert = AlertView | EppAlert;

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
      is_aggregated: false,
      is_falcon_platform_ioa: false,
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
