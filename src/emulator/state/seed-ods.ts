/**
 * Seeded on-demand scans (§6.6-6.8): scheduled scans (scan profiles), scans (some run by a profile),
 * one scan-host record per targeted host and malicious files found there (hashes from the shared pool).
 */
import type { Entity } from './entity-store.ts';
import { type SeedContext, pastMs, toIso } from './seed-context.ts';
import type { HashEntry } from './seed-detections.ts';
import type { Device } from './seed-devices.ts';

export type Scan = Entity & { id: string; status: string; hosts: string[] };
export type ScheduledScan = Entity & { id: string; deleted: boolean };
export type ScanHost = Entity & { id: string; scan_id: string; host_id: string };
export type MaliciousFile = Entity & { id: string; scan_id: string };

export interface OdsSeed {
  scans: Scan[];
  scheduledScans: ScheduledScan[];
  scanHosts: ScanHost[];
  maliciousFiles: MaliciousFile[];
}

const INTERVALS = [0, 1, 7, 14, 28, 30];

/** Settings every scan and scan profile carries (defaults of a "moderate" scan). */
export function defaultScanSettings(): Record<string, unknown> {
  return {
    file_paths: ['C:\\Users\\**'],
    scan_inclusions: ['**'],
    scan_exclusions: [],
    mac_scan_inclusions: [],
    mac_scan_exclusions: [],
    quarantine: true,
    endpoint_notification: true,
    cpu_priority: 2,
    max_duration: 2,
    pause_duration: 2,
    preemption_priority: 1,
    cloud_ml_level_detection: 2,
    cloud_ml_level_prevention: 2,
    sensor_ml_level_detection: 2,
    sensor_ml_level_prevention: 2,
    cloud_pup_adware_level_detection: 0,
    cloud_pup_adware_level_prevention: 0,
    policy_setting: [],
    mac_policy_setting: [],
  };
}

/** Generates scan profiles, scans, scan hosts and malicious files. */
export function seedOds(
  ctx: SeedContext,
  sizes: { scans: number; scheduledScans: number },
  devices: readonly Device[],
  hashes: readonly HashEntry[],
): OdsSeed {
  const { rng } = ctx;
  const out: OdsSeed = { scans: [], scheduledScans: [], scanHosts: [], maliciousFiles: [] };
  for (let i = 0; i < sizes.scheduledScans; i++) {
    const created = pastMs(ctx, 60);
    const targets = rng.sample(devices, rng.int(1, 4));
    out.scheduledScans.push({
      id: rng.hex(32),
      cid: ctx.cid,
      deleted: false,
      status: 'active',
      channel_file_status: 0,
      description: `Weekly scan ${i + 1}`,
      initiated_from: 'cloud_scheduled',
      created_on: toIso(created),
      created_by: 'seed@example.com',
      last_updated: toIso(created),
      schedule: {
        start_timestamp: toIso(created + 86_400_000).slice(0, 16),
        interval: rng.pick(INTERVALS),
        ignored_by_channelfile: false,
      },
      host_groups: [rng.hex(32)],
      hosts: targets.map((d) => d.device_id),
      targeted_host_count: targets.length,
      targeted_platforms: [...new Set(targets.map((d) => d.platform_name.toLowerCase()))],
      max_file_size: 60,
      ...defaultScanSettings(),
      metadata: targets.map((d) => ({
        host_id: d.device_id,
        status: 'completed',
        last_updated: toIso(created),
      })),
    });
  }
  for (let i = 0; i < sizes.scans; i++) {
    const profile = out.scheduledScans.length > 0 && rng.bool(0.4) ? rng.pick(out.scheduledScans) : undefined;
    seedScan(ctx, out, profile, rng.sample(devices, rng.int(1, 5)), hashes);
  }
  return out;
}

function seedScan(
  ctx: SeedContext,
  out: OdsSeed,
  profile: ScheduledScan | undefined,
  targets: readonly Device[],
  hashes: readonly HashEntry[],
): void {
  const { rng } = ctx;
  const scanId = rng.hex(32);
  const started = pastMs(ctx, 30);
  const completed = started + rng.int(5, 120) * 60_000;
  const status = rng.pick(['completed', 'completed', 'completed', 'running', 'pending', 'failed']);
  const done = status === 'completed' || status === 'failed';
  let malicious = 0;
  let affected = 0;
  const metadata: Record<string, unknown>[] = [];
  for (const device of targets) {
    const hostScanId = rng.hex(32);
    const found = done && rng.bool(0.3) ? rng.int(1, 2) : 0;
    const filecount = {
      scanned: rng.int(1000, 90_000),
      malicious: found,
      quarantined: found,
      skipped: rng.int(0, 30),
      traversed: rng.int(1000, 90_000),
    };
    const hostRecord: ScanHost = {
      id: rng.hex(32),
      cid: ctx.cid,
      scan_id: scanId,
      profile_id: profile?.id ?? '',
      host_id: device.device_id,
      host_scan_id: hostScanId,
      platform_name: device.platform_name,
      status: done ? 'completed' : status,
      severity: found > 0 ? 70 : 0,
      scan_control_reason: '',
      started_on: toIso(started),
      completed_on: done ? toIso(completed) : '',
      last_updated: toIso(done ? completed : started),
      filecount,
    };
    out.scanHosts.push(hostRecord);
    metadata.push({
      host_id: device.device_id,
      host_name: device.hostname,
      host_scan_id: hostScanId,
      scan_host_metadata_id: hostRecord.id,
      status: hostRecord['status'],
      severity: hostRecord['severity'],
      started_on: toIso(started),
      completed_on: hostRecord['completed_on'],
      last_updated: hostRecord['last_updated'],
      scan_control_reason: '',
      filecount,
    });
    for (let f = 0; f < found; f++) {
      const file = rng.pick(hashes);
      out.maliciousFiles.push({
        id: rng.hex(32),
        cid: ctx.cid,
        scan_id: scanId,
        host_id: device.device_id,
        host_scan_id: hostScanId,
        filepath: file.filepath,
        filename: file.filename,
        hash: file.sha256,
        pattern_id: rng.int(10_000, 99_999),
        severity: 70,
        quarantined: true,
        last_updated: toIso(completed),
      });
    }
    malicious += found;
    if (found > 0) affected++;
  }
  out.scans.push(
    buildScan(ctx, scanId, profile, targets, { status, started, completed, malicious, affected, metadata }),
  );
}

function buildScan(
  ctx: SeedContext,
  scanId: string,
  profile: ScheduledScan | undefined,
  targets: readonly Device[],
  run: {
    status: string;
    started: number;
    completed: number;
    malicious: number;
    affected: number;
    metadata: Record<string, unknown>[];
  },
): Scan {
  const done = run.status === 'completed' || run.status === 'failed';
  return {
    id: scanId,
    cid: ctx.cid,
    profile_id: profile?.id ?? '',
    description: profile ? String(profile['description']) : 'On-demand scan',
    initiated_from: profile ? 'cloud_scheduled' : 'falcon_api',
    created_on: toIso(run.started - 60_000),
    created_by: 'seed@example.com',
    last_updated: toIso(done ? run.completed : run.started),
    status: run.status,
    scan_scheduled_on: toIso(run.started - 60_000),
    scan_started_on: toIso(run.started),
    scan_completed_on: done ? toIso(run.completed) : '',
    hosts: targets.map((d) => d.device_id),
    host_groups: [],
    targeted_platforms: [...new Set(targets.map((d) => d.platform_name.toLowerCase()))],
    ...defaultScanSettings(),
    severity: run.malicious > 0 ? 70 : 0,
    filecount: { scanned: 0, malicious: run.malicious, quarantined: run.malicious, skipped: 0, traversed: 0 },
    ...hostCounts(targets.length, run.status, run.affected),
    metadata: run.metadata,
    hosts_created: true,
    rollup_version: 1,
  };
}

/** The seven host counters of a scan (required in ScanV2). */
export function hostCounts(targeted: number, status: string, affected: number): Record<string, number> {
  const done = status === 'completed' || status === 'failed' || status === 'cancelled';
  return {
    affected_hosts_count: affected,
    targeted_host_count: targeted,
    completed_host_count: status === 'completed' ? targeted : 0,
    incomplete_host_count: status === 'failed' || status === 'cancelled' ? targeted : 0,
    missing_host_count: 0,
    not_started_host_count: status === 'pending' ? targeted : 0,
    started_host_count: done || status === 'pending' ? 0 : targeted,
  };
}
