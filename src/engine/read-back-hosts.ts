/**
 * Read-backs of host actions (docs/hosts.md). A host counts as acted on when its device record
 * (PostDeviceDetailsV2) shows the state the action leads to: `contain` is applied once the status is
 * containment_pending or contained, `lift_containment` once it is lift_containment_pending or normal.
 * So after a crash a containment is never sent twice to a host Falcon already accepted it for.
 */
import {
  outcome,
  partition,
  type ReadBack,
  type ReadBackContext,
  readEntities,
  stringList,
} from './read-back.ts';
import { idList, type WriteParams } from './write-params.ts';

type DeviceCheck = (device: Record<string, unknown>) => boolean;

/** The device state each PerformActionV2 action leads to. */
const ACTION_STATE: Readonly<Record<string, DeviceCheck>> = {
  contain: (d) => d['status'] === 'containment_pending' || d['status'] === 'contained',
  lift_containment: (d) => d['status'] === 'lift_containment_pending' || d['status'] === 'normal',
  hide_host: (d) => d['host_hidden_status'] === 'hidden',
  unhide_host: (d) => d['host_hidden_status'] !== 'hidden',
  detection_suppress: (d) => d['detection_suppression_status'] === 'suppressed',
  detection_unsuppress: (d) => d['detection_suppression_status'] !== 'suppressed',
};

/** PerformActionV2: written when every host already shows the state the action leads to. */
export async function readBackHostAction(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const action = String(write.fields['action_name'] ?? '').toLowerCase();
  const check = ACTION_STATE[action];
  if (!check) return { kind: 'unknown', note: `host action "${action}" cannot be read back` };
  const ids = idList(write.fields['ids']);
  const devices = await readEntities('PostDeviceDetailsV2', ids, context);
  const { missing } = partition(ids, devices, 'device_id', check);
  return outcome(write, ids, missing, `hosts (${action})`);
}

/** UpdateDeviceTags: written when every host carries (add) or lacks (remove) every tag. */
export async function readBackDeviceTags(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const ids = idList(write.fields['device_ids']);
  const tags = idList(write.fields['tags']);
  const adding = String(write.fields['action'] ?? '').toLowerCase() === 'add';
  const devices = await readEntities('PostDeviceDetailsV2', ids, context);
  const { missing } = partition(ids, devices, 'device_id', (d) =>
    tags.every((tag) => stringList(d['tags']).includes(tag) === adding),
  );
  return outcome(write, ids, missing, 'hosts (tags)', 'device_ids');
}
