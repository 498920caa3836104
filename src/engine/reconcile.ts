/**
 * Read-back reconcilers, keyed by operationId. After a crash between a write request and its
 * checkpoint the engine does not know whether Falcon applied the write; a reconciler reads the
 * targets' state and says which targets still need the write. IOC create is reconciled before EVERY
 * request (check-then-act), so an indicator that already exists is found, not duplicated.
 *
 * A target already in the desired state counts as written: the state is what the playbook asked for,
 * even if a side field (a detection comment) was not added. Operations without a reconciler are
 * re-issued only when the table marks them idempotent; otherwise the outcome stays unknown and the
 * step fails for a person to check (SOAR_ENGINE_UNKNOWN_OUTCOME).
 */
import type { OperationSpec } from '../falcon/operations/types.ts';
import {
  readBackAlerts,
  readBackCaseFields,
  readBackCaseTags,
  readBackDetects,
  readBackIncidents,
} from './read-back-entities.ts';
import { readBackCaseCreate, readBackPolicyRuleCreate } from './read-back-creates.ts';
import { readBackDeviceTags, readBackHostAction } from './read-back-hosts.ts';
import { isCheckableDelete, readBackDelete } from './read-back-deletes.ts';
import { readBackIndicatorCreate } from './read-back-ioc.ts';
import { readBackScanCreate } from './read-back-scans.ts';
import type { ReadBack, ReadBackContext } from './read-back.ts';
import { type WriteParams, writeParams } from './write-params.ts';

export type { ReadBack, ReadBackContext } from './read-back.ts';

interface Reconciler {
  /** Run before every request, not only after a crash (check-then-act). */
  beforeEveryWrite: boolean;
  readBack(write: WriteParams, context: ReadBackContext): Promise<ReadBack>;
}

const RECONCILERS: Readonly<Record<string, Reconciler>> = {
  UpdateDetectsByIdsV2: { beforeEveryWrite: false, readBack: readBackDetects },
  PerformIncidentAction: { beforeEveryWrite: false, readBack: readBackIncidents },
  PatchEntitiesAlertsV3: { beforeEveryWrite: false, readBack: readBackAlerts },
  entities_case_tags_post_v1: { beforeEveryWrite: false, readBack: readBackCaseTags },
  entities_cases_patch_v2: { beforeEveryWrite: false, readBack: readBackCaseFields },
  indicator_create_v1: { beforeEveryWrite: true, readBack: readBackIndicatorCreate },
  create_scan: { beforeEveryWrite: false, readBack: readBackScanCreate },
  entities_cases_put_v2: { beforeEveryWrite: false, readBack: readBackCaseCreate },
  post_policy_rules: { beforeEveryWrite: false, readBack: readBackPolicyRuleCreate },
  PerformActionV2: { beforeEveryWrite: false, readBack: readBackHostAction },
  UpdateDeviceTags: { beforeEveryWrite: false, readBack: readBackDeviceTags },
};

/** Whether `operationId` is checked against Falcon before every request. */
export function checksBeforeEveryWrite(operationId: string): boolean {
  return RECONCILERS[operationId]?.beforeEveryWrite === true;
}

/**
 * Decides what to send for a write whose earlier request may or may not have been applied.
 * `readBatch` is the id limit of the read-back operation.
 */
export async function reconcileWrite(
  spec: OperationSpec,
  params: Record<string, unknown>,
  context: ReadBackContext,
): Promise<ReadBack> {
  const reconciler = RECONCILERS[spec.operationId];
  const write = writeParams(spec, params);
  if (reconciler) return reconciler.readBack(write, context);
  if (isCheckableDelete(spec)) return readBackDelete(spec, write, context);
  if (spec.idempotent) {
    return { kind: 'write', params, found: [], note: `re-issued idempotent ${spec.operationId}` };
  }
  return {
    kind: 'unknown',
    note: `${spec.operationId} cannot be read back and is not idempotent; its outcome is unknown`,
  };
}
