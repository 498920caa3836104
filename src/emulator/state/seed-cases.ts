/**
 * Seeded cases (Case Management, `SdkCaseVM`, docs/falcon-successors.md): each holds a few epp
 * alerts as evidence; the alerts list the case in linked_case_ids. Case status vocabulary is not
 * enumerated by the SDKs; the emulator uses new, in_progress, closed.
 */
import type { Entity } from './entity-store.ts';
import { type SeedContext, pastMs, toIso } from './seed-context.ts';

export type CaseRecord = Entity & { id: string; version: number; tags: string[]; evidence: CaseEvidence };

/** One evidence record as cases show it (falconjs SdkAlertEvidenceRecordVM and siblings). */
export interface EvidenceRecord {
  id: string;
  selector: { id: string };
}

/**
 * Evidence as the case read model carries it: each kind is `{records: [...]}` (falconjs
 * SdkEvidenceVM), while the create body sends plain `[{id}]` lists.
 */
export interface CaseEvidence {
  alerts: { records: EvidenceRecord[] };
  events: { records: EvidenceRecord[] };
  leads: { records: EvidenceRecord[] };
  custom_evidence: { records: EvidenceRecord[] };
  users: { records: EvidenceRecord[] };
}

/** An evidence record for an id. */
export function evidenceRecord(id: string): EvidenceRecord {
  return { id, selector: { id } };
}

/** Empty evidence of every kind. */
export function emptyEvidence(): CaseEvidence {
  return {
    alerts: { records: [] },
    events: { records: [] },
    leads: { records: [] },
    custom_evidence: { records: [] },
    users: { records: [] },
  };
}

/** Case status values the emulator accepts. */
export const CASE_STATUSES = ['new', 'in_progress', 'closed'] as const;

/** A user reference as cases show it. */
export interface CaseUser {
  uuid: string;
  full_name: string;
  email: string;
}

/** The `{uuid, full_name, email}` form of an analyst. */
export function caseUser(analyst: { uid: string; name: string }): CaseUser {
  return {
    uuid: analyst.uid,
    full_name: analyst.name,
    email: `${analyst.name.toLowerCase().replaceAll(' ', '.')}@example.com`,
  };
}

/** Generates `count` cases over the given alert composite ids. */
export function seedCases(
  ctx: SeedContext,
  count: number,
  alertIds: readonly string[],
  analysts: readonly { uid: string; name: string }[],
): CaseRecord[] {
  const { rng } = ctx;
  return Array.from({ length: count }, (_, i) => {
    const created = pastMs(ctx, 20);
    const owner = caseUser(rng.pick(analysts));
    const status = rng.pick(CASE_STATUSES);
    return {
      id: rng.uuid(),
      readable_case_id: `CASE-${String(1000 + i)}`,
      cid: ctx.cid,
      name: `Case ${1000 + i}: ${rng.pick(['Suspicious PowerShell', 'Credential dumping', 'Phishing follow-up', 'Malware on server'])}`,
      description: 'Seeded case.',
      status,
      severity: rng.pick([20, 50, 70, 90]),
      severity_info: {},
      assigned_to: status === 'new' ? null : owner,
      created_by: owner,
      last_updated_by: owner,
      created_timestamp: toIso(created),
      updated_timestamp: toIso(created + 3_600_000),
      start_timestamp: toIso(created),
      end_timestamp: status === 'closed' ? toIso(created + 86_400_000) : toIso(created + 3_600_000),
      evidence: {
        ...emptyEvidence(),
        alerts: { records: rng.sample(alertIds, rng.int(1, 3)).map(evidenceRecord) },
      },
      tags: [],
      access_tags: [],
      fields: [],
      analysis_results: {},
      read_only: { is_read_only: false },
      consistency: { version: 1 },
      version: 1,
    };
  });
}
