/**
 * Deletes by id: re-sending a delete of ids that are already gone is refused by Falcon, so the
 * read-back asks which ids still exist (through the operation's readBack lookup) and deletes only
 * those. None left: the delete was applied.
 */
import type { OperationSpec } from '../falcon/operations/types.ts';
import { type ReadBack, type ReadBackContext, readEntities } from './read-back.ts';
import { idList, type WriteParams } from './write-params.ts';

/** True for a delete this read-back can check: ids in a parameter and a lookup by id. */
export function isCheckableDelete(spec: OperationSpec): boolean {
  return spec.method === 'DELETE' && spec.ids !== undefined && spec.readBack !== undefined;
}

/** Delete by ids: done when none of the ids exists any more; otherwise delete the ones left. */
export async function readBackDelete(
  spec: OperationSpec,
  write: WriteParams,
  context: ReadBackContext,
): Promise<ReadBack> {
  const param = spec.ids?.param ?? 'ids';
  const ids = idList(write.fields[param]);
  const lookup = spec.readBack ?? '';
  const left = new Set((await readEntities(lookup, ids, context)).map((e) => String(e['id'])));
  const remaining = ids.filter((id) => left.has(id));
  if (remaining.length === 0) {
    return { kind: 'done', resources: [], note: `${ids.length} ids already deleted` };
  }
  const note =
    remaining.length === ids.length
      ? null
      : `${ids.length - remaining.length} ids already deleted; deleted ${remaining.length}`;
  return { kind: 'write', params: write.withTargets(param, remaining), found: [], note };
}
