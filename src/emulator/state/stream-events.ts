/**
 * The bodies of the stream events the emulator emits. Field names follow the Event Streams
 * documentation as the public consumers read them (falcon-integration-gateway: event.Severity,
 * event.SensorId; SIEM connectors: event.CompositeId, event.SeverityName, event.Hostname); see
 * docs/event-streams.md for what is and is not modelled.
 */
import { compositeIdOf } from './alert-views.ts';
import type { Detection } from './seed-detections.ts';

export const DETECTION_EVENT = 'EppDetectionSummaryEvent';
export const AUDIT_EVENT = 'UserActivityAuditEvent';

/** An EppDetectionSummaryEvent body for a newly created detection. */
export function detectionEvent(cid: string, detection: Detection): Record<string, unknown> {
  const behavior = detection.behaviors[0];
  const device = detection.device;
  const severity = detection['max_severity'];
  const compositeId = compositeIdOf(cid, detection.detection_id);
  return {
    AgentId: device.device_id,
    SensorId: device.device_id,
    CompositeId: compositeId,
    DetectId: detection.detection_id,
    AggregateId: `aggind:${device.device_id}:${detection.detection_id.split(':')[2]}`,
    Hostname: device.hostname,
    ComputerName: device.hostname,
    LocalIP: device['local_ip'],
    Platform: device.platform_name,
    UserName: behavior?.['user_name'] ?? '',
    Name: behavior?.['display_name'] ?? '',
    Description: behavior?.['description'] ?? '',
    Severity: severity,
    SeverityName: detection['max_severity_displayname'],
    Confidence: detection['max_confidence'],
    Tactic: behavior?.['tactic'] ?? '',
    Technique: behavior?.['technique'] ?? '',
    Objective: behavior?.['objective'] ?? '',
    FileName: behavior?.['filename'] ?? '',
    FilePath: behavior?.['filepath'] ?? '',
    CommandLine: behavior?.['cmdline'] ?? '',
    SHA256String: behavior?.sha256 ?? '',
    MD5String: behavior?.['md5'] ?? '',
    PatternDispositionValue: behavior?.['pattern_disposition'] ?? 0,
    FalconHostLink: `https://falcon.crowdstrike.com/activity-v2/detections/${encodeURIComponent(compositeId)}`,
  };
}

/** What the API layer knows about one write. */
export interface AuditFacts {
  operationId: string;
  method: string;
  path: string;
  ids: readonly string[];
  /** The response action (contain, an RTR command) when the write was one. */
  action?: string;
  clientId: string;
  ip: string;
  atMs: number;
}

/** A UserActivityAuditEvent body for one write made through the API. */
export function auditEvent(facts: AuditFacts): Record<string, unknown> {
  return {
    UserId: `api-client-id:${facts.clientId}`,
    UserIp: facts.ip,
    OperationName: facts.operationId,
    ServiceName: facts.path.split('/')[1] ?? '',
    Success: true,
    UTCTimestamp: Math.floor(facts.atMs / 1000),
    AuditKeyValues: [
      { Key: 'method', ValueString: facts.method },
      { Key: 'path', ValueString: facts.path },
      { Key: 'ids', ValueString: facts.ids.join(',') },
      ...(facts.action === undefined ? [] : [{ Key: 'action', ValueString: facts.action }]),
    ],
  };
}
