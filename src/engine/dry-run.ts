/**
 * Dry runs that follow the whole playbook: a write step sends nothing, so its answer is made of
 * placeholders (ids marked `dry-run:<step>/<n>`) shaped like the real answer, and a later read that
 * would be sent with such a placeholder is not sent either: it answers with placeholders in turn.
 * A person reading the dry run sees every request the playbook would make, chains included, and the
 * marked ids show which values only exist once the writes happen.
 */
import type { OperationSpec } from '../falcon/operations/index.ts';
import type { WritePlan } from './write-plan.ts';

/** Prefix of every placeholder id; nothing Falcon returns starts with it. */
export const PLACEHOLDER_PREFIX = 'dry-run:';

export function placeholderId(stepId: string, n: number): string {
  return `${PLACEHOLDER_PREFIX}${stepId}/${n}`;
}

/** True when any string inside `value` holds a placeholder id. */
export function holdsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(PLACEHOLDER_PREFIX);
  if (Array.isArray(value)) return value.some(holdsPlaceholder);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsPlaceholder);
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What the write of one foreach item would answer: for each target it carries, an entity (the object
 * sent, with a placeholder id when it had none) or an id, as the operation's resources are.
 */
export function placeholderResources(
  spec: OperationSpec,
  stepId: string,
  plan: WritePlan,
  item: number,
  counter: { next: number },
): unknown[] {
  const resources: unknown[] = [];
  for (const unit of plan.units) {
    unit.targets.forEach((target, k) => {
      if ((unit.owners[k] ?? 0) !== item) return;
      const id = isRecord(target) && typeof target.id === 'string' ? target.id : undefined;
      const made = typeof target === 'string' ? target : (id ?? placeholderId(stepId, counter.next++));
      if (spec.resources === 'ids') resources.push(made);
      else resources.push(isRecord(target) ? { ...target, id: made } : { id: made });
    });
  }
  // A write with no id-carrying parameter (an on-demand scan) still creates one thing per item.
  if (resources.length === 0 && spec.resources !== 'none' && plan.units.length > 0 && !spec.ids) {
    const made = placeholderId(stepId, counter.next++);
    resources.push(spec.resources === 'ids' ? made : { id: made });
  }
  return resources;
}

/** What a read sent with placeholder ids would answer: the placeholders it was asked about. */
export function placeholderReadResources(spec: OperationSpec, params: Record<string, unknown>): unknown[] {
  const idsParam = spec.ids?.param ?? 'ids';
  const raw = params[idsParam];
  const ids = (Array.isArray(raw) ? raw : [raw]).filter(
    (v): v is string => typeof v === 'string' && v.startsWith(PLACEHOLDER_PREFIX),
  );
  return spec.resources === 'ids' ? ids : ids.map((id) => ({ id }));
}
