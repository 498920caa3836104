/**
 * Seeded detections (`domain.APIDetectionDocument` with `detects.Behavior`s, falcon-api.md §6.1-6.2).
 * Every detection points at a seeded device; every behavior carries a hash from a shared pool of
 * "malware", so the same hash shows up on several hosts and in the seeded IOCs. Devices and
 * disposition objects are shared references to keep 100,000 detections small in memory.
 */
import type { SeededRandom } from './random.ts';
import type { Device } from './seed-devices.ts';
import type { Entity } from './entity-store.ts';
import { type SeedContext, pastMs, toIso } from './seed-context.ts';
import {
  ANALYSTS,
  COMMAND_LINES,
  DETECTION_STATUSES,
  FILE_NAMES,
  FIRST_NAMES,
  SEVERITY_BANDS,
  TECHNIQUES,
} from './vocabulary.ts';

export type Detection = Entity & {
  detection_id: string;
  status: string;
  device: Device;
  behaviors: Behavior[];
};

export type Behavior = Entity & { behavior_id: string; sha256: string; timestamp: string };

/** A malicious file that behaviors, IOCs and ODS findings share. */
export interface HashEntry {
  sha256: string;
  md5: string;
  filename: string;
  filepath: string;
  cmdline: string;
}

const DISPOSITION_FLAGS = [
  'detect',
  'indicator',
  'inddet_mask',
  'sensor_only',
  'policy_disabled',
  'kill_process',
  'kill_parent',
  'kill_subprocess',
  'kill_action_failed',
  'quarantine_file',
  'quarantine_machine',
  'operation_blocked',
  'process_blocked',
  'registry_operation_blocked',
  'fs_operation_blocked',
  'handle_operation_downgraded',
  'suspend_process',
  'suspend_parent',
  'rooting',
  'critical_process_disabled',
  'bootup_safeguard_enabled',
  'blocking_unsupported_or_disabled',
  'containment_file_system',
  'mfa_required',
  'prevention_provisioning_enabled',
  'response_action_already_applied',
  'response_action_failed',
  'response_action_triggered',
] as const;

function disposition(on: readonly string[]): Readonly<Record<string, boolean>> {
  return Object.freeze(Object.fromEntries(DISPOSITION_FLAGS.map((flag) => [flag, on.includes(flag)])));
}

/** Shared disposition variants: [pattern_disposition value, details]. */
export const DISPOSITIONS: readonly (readonly [number, Readonly<Record<string, boolean>>])[] = [
  [0, disposition(['detect'])],
  [2048, disposition(['detect', 'kill_process'])],
  [512, disposition(['detect', 'quarantine_file'])],
  [16, disposition(['detect', 'operation_blocked'])],
];

const STATUS_WEIGHTS = [50, 15, 10, 8, 5, 10, 2];

const USERS = FIRST_NAMES.map((name, i) => ({
  name,
  sid: `S-1-5-21-3623811015-3361044348-30300820-${1101 + i}`,
}));

/** A pool of `count` malicious files. */
export function seedHashPool(rng: SeededRandom, count: number): HashEntry[] {
  return Array.from({ length: count }, () => {
    const filename = rng.pick(FILE_NAMES);
    return {
      sha256: rng.hex(64),
      md5: rng.hex(32),
      filename,
      filepath: `\\Device\\HarddiskVolume3\\Users\\${rng.pick(FIRST_NAMES)}\\Downloads\\${filename}`,
      cmdline: rng.pick(COMMAND_LINES),
    };
  });
}

/** Analysts detections and incidents get assigned to: stable UUIDs per seed. */
export function seedAnalysts(rng: SeededRandom): { uid: string; name: string }[] {
  return ANALYSTS.map((name) => ({ uid: rng.uuid(), name }));
}

/** Generates `count` detections spread over the 30 days before the anchor. */
export function seedDetections(
  ctx: SeedContext,
  count: number,
  devices: readonly Device[],
  hashes: readonly HashEntry[],
  analysts: readonly { uid: string; name: string }[],
): Detection[] {
  const out: Detection[] = new Array(count);
  const local: DetectionContext = { ...ctx, parents: new Map(), hostinfos: new Map() };
  for (let i = 0; i < count; i++) out[i] = seedDetection(local, i, local.rng.pick(devices), hashes, analysts);
  return out;
}

/**
 * A maker of detections beyond the seeded ones (the emulator's "new detections over time"): same
 * shapes and vocabulary, drawn from its own PRNG so the seeded world is unchanged.
 */
export function detectionMaker(
  ctx: SeedContext,
  hashes: readonly HashEntry[],
  analysts: readonly { uid: string; name: string }[],
): (index: number, device: Device) => Detection {
  const local: DetectionContext = { ...ctx, parents: new Map(), hostinfos: new Map() };
  return (index, device) => seedDetection(local, index, device, hashes, analysts);
}

function seedDetection(
  ctx: DetectionContext,
  index: number,
  device: Device,
  hashes: readonly HashEntry[],
  analysts: readonly { uid: string; name: string }[],
): Detection {
  const { rng } = ctx;
  const aid = device.device_id;
  const first = pastMs(ctx);
  const behaviors: Behavior[] = [];
  const count = rng.int(1, 3);
  let last = first;
  for (let b = 0; b < count; b++) {
    last = first + b * rng.int(1, 600) * 1000;
    behaviors.push(seedBehavior(ctx, aid, last, rng.pick(hashes)));
  }
  const top = behaviors.reduce((a, b) => ((b['severity'] as number) > (a['severity'] as number) ? b : a));
  const severity = top['severity'] as number;
  const status = weightedStatus(rng);
  const analyst = status === 'new' ? undefined : rng.pick(analysts);
  const detection: Detection = {
    detection_id: `ldt:${aid}:${1_000_000_000 + index * 8 + rng.int(0, 7)}`,
    cid: ctx.cid,
    created_timestamp: toIso(last + 5000),
    date_updated: toIso(last + rng.int(5, 7200) * 1000),
    first_behavior: toIso(first),
    last_behavior: toIso(last),
    status,
    show_in_ui: true,
    email_sent: rng.bool(0.3),
    max_severity: severity,
    max_severity_displayname: SEVERITY_BANDS.find((band) => band.score === severity)?.name ?? 'Medium',
    max_confidence: Math.max(...behaviors.map((b) => b['confidence'] as number)),
    seconds_to_triaged: status === 'new' ? 0 : rng.int(60, 86_400),
    seconds_to_resolved: ['closed', 'true_positive', 'false_positive'].includes(status)
      ? rng.int(600, 172_800)
      : 0,
    adversary_ids: rng.bool(0.1) ? [rng.int(1, 200)] : NONE,
    behaviors_processed: behaviors.map((b) => `${b['triggering_process_graph_id']}:${b.behavior_id}`),
    behaviors,
    device,
    hostinfo: hostinfoOf(ctx, device),
    quarantined_files: NONE,
  };
  if (analyst) {
    detection['assigned_to_uid'] = analyst.uid;
    detection['assigned_to_name'] = analyst.name;
  }
  return detection;
}

function seedBehavior(ctx: DetectionContext, aid: string, atMs: number, file: HashEntry): Behavior {
  const { rng } = ctx;
  const technique = rng.pick(TECHNIQUES);
  const [dispositionValue, dispositionDetails] = rng.pick(DISPOSITIONS);
  const user = rng.pick(USERS);
  return {
    behavior_id: rng.digits(4),
    device_id: aid,
    timestamp: toIso(atMs),
    display_name: technique.displayName,
    description: technique.description,
    scenario: technique.scenario,
    objective: technique.objective,
    tactic: technique.tactic,
    tactic_id: technique.tacticId,
    technique: technique.technique,
    technique_id: technique.techniqueId,
    severity: rng.pick(SEVERITY_BANDS).score,
    confidence: rng.int(1, 10) * 10,
    filename: file.filename,
    filepath: file.filepath,
    alleged_filetype: file.filename.split('.').pop() ?? 'exe',
    cmdline: file.cmdline,
    md5: file.md5,
    sha256: file.sha256,
    ioc_type: 'hash_sha256',
    ioc_value: file.sha256,
    ioc_source: 'library_load',
    ioc_description: file.filepath,
    user_name: user.name,
    user_id: user.sid,
    control_graph_id: `ctg:${aid}:${rng.digits(11)}`,
    triggering_process_graph_id: `pid:${aid}:${rng.digits(11)}`,
    parent_details: parentOf(ctx, aid),
    pattern_disposition: dispositionValue,
    pattern_disposition_details: dispositionDetails,
  };
}

/** The seed context plus the per-host parent processes and host infos. */
type DetectionContext = SeedContext & {
  parents: Map<string, Readonly<Record<string, string>>>;
  hostinfos: Map<string, Readonly<Record<string, unknown>>>;
};

// Never written by any route: one frozen empty list serves every detection.
const NONE: readonly never[] = Object.freeze([]);

function hostinfoOf(ctx: DetectionContext, device: Device): Readonly<Record<string, unknown>> {
  let info = ctx.hostinfos.get(device.device_id);
  if (!info) {
    info = Object.freeze({ domain: device['machine_domain'], active_directory_dn_display: NONE });
    ctx.hostinfos.set(device.device_id, info);
  }
  return info;
}

// One parent process (explorer.exe) per host, shared by its behaviors: a realistic shape that saves
// an object and a string per behavior at 100,000 detections.
function parentOf(ctx: DetectionContext, aid: string): Readonly<Record<string, string>> {
  let parent = ctx.parents.get(aid);
  if (!parent) {
    parent = Object.freeze({
      parent_cmdline: 'C:\\Windows\\explorer.exe',
      parent_md5: 'c5e5b1b5f3e7e9d1b8a1f0c3d2e4f6a8',
      parent_sha256: 'a3f1e5c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7',
      parent_process_graph_id: `pid:${aid}:${ctx.rng.digits(11)}`,
    });
    ctx.parents.set(aid, parent);
  }
  return parent;
}

function weightedStatus(rng: SeededRandom): string {
  let roll = rng.int(0, 99);
  for (let i = 0; i < STATUS_WEIGHTS.length; i++) {
    roll -= STATUS_WEIGHTS[i] as number;
    if (roll < 0) return DETECTION_STATUSES[i] as string;
  }
  return 'new';
}
