/**
 * The operations registry: every operation Talon knows, and the lookups the client, the playbook
 * checker and the emulator share. Names resolve in this order: exact operationId, `collection.name`
 * (operationId, PEP 8 name or alias inside that collection), bare PEP 8 name, bare alias. A bare PEP 8
 * name or alias that two collections share is ambiguous and resolves to nothing (suggestions then
 * list the qualified forms).
 */
import { ALERTS_OPERATIONS } from './alerts.ts';
import { CASE_ADMIN_OPERATIONS } from './case-admin.ts';
import { CASES_OPERATIONS } from './cases.ts';
import { DETECTS_OPERATIONS } from './detects.ts';
import { HOSTS_OPERATIONS } from './hosts.ts';
import { EVENT_STREAMS_OPERATIONS } from './event-streams.ts';
import { IDENTITY_PROTECTION_OPERATIONS } from './identity-protection.ts';
import { INCIDENTS_OPERATIONS } from './incidents.ts';
import { IOC_OPERATIONS } from './ioc.ts';
import { IOCS_LEGACY_OPERATIONS, IOCS_LEGACY_REMOVED } from './iocs-legacy.ts';
import { MSSP_OPERATIONS } from './mssp.ts';
import { ODS_OPERATIONS } from './ods.ts';
import { RTR_OPERATIONS } from './rtr.ts';
import { RTR_ADMIN_OPERATIONS } from './rtr-admin.ts';
import type { HttpMethod, OperationSpec } from './types.ts';

/** Every operation the real API (or its documented past) serves: what the client calls and the emulator serves. */
export const ALL_OPERATIONS: readonly OperationSpec[] = [
  ...DETECTS_OPERATIONS,
  ...INCIDENTS_OPERATIONS,
  ...IOC_OPERATIONS,
  ...IOCS_LEGACY_OPERATIONS,
  ...ODS_OPERATIONS,
  ...IDENTITY_PROTECTION_OPERATIONS,
  ...ALERTS_OPERATIONS,
  ...CASES_OPERATIONS,
  ...CASE_ADMIN_OPERATIONS,
  ...HOSTS_OPERATIONS,
  ...EVENT_STREAMS_OPERATIONS,
  ...RTR_OPERATIONS,
  ...RTR_ADMIN_OPERATIONS,
  ...MSSP_OPERATIONS,
];

/**
 * Operations whose routes no longer exist (`deprecated.removed`). findOperation still resolves them
 * so the checker can name the successor; the client refuses them; the emulator must not serve them.
 */
export const REMOVED_OPERATIONS: readonly OperationSpec[] = [...IOCS_LEGACY_REMOVED];

/** Collection keys as used in playbooks (`<collection>.<operation>`). */
export const COLLECTIONS: readonly string[] = [...new Set(ALL_OPERATIONS.map((op) => op.collection))];

const EVERY: readonly OperationSpec[] = [...ALL_OPERATIONS, ...REMOVED_OPERATIONS];

/** Index of names to operations; a name mapped to several operations is ambiguous. */
function indexBy(ops: readonly OperationSpec[], names: (op: OperationSpec) => readonly string[]) {
  const map = new Map<string, OperationSpec[]>();
  for (const op of ops) {
    for (const name of names(op)) {
      const list = map.get(name) ?? [];
      if (!list.includes(op)) list.push(op);
      map.set(name, list);
    }
  }
  return map;
}

const BY_ID = indexBy(EVERY, (op) => [op.operationId]);
const BY_PEP8 = indexBy(EVERY, (op) => [op.pep8]);
const BY_ALIAS = indexBy(EVERY, (op) => op.aliases ?? []);
const BY_QUALIFIED = indexBy(EVERY, (op) =>
  [op.operationId, op.pep8, ...(op.aliases ?? [])].map((n) => `${op.collection}.${n}`),
);

function unique(list: OperationSpec[] | undefined): OperationSpec | undefined {
  return list?.length === 1 ? list[0] : undefined;
}

/**
 * Finds an operation by operationId, PEP 8 name, alias, or `collection.name` (e.g.
 * `detects.query_detects`, `ioc.indicator_create`, `ods.get_scans`). Also finds removed operations
 * (check `deprecated?.removed`). Returns undefined for unknown or ambiguous names.
 */
export function findOperation(name: string): OperationSpec | undefined {
  const trimmed = name.trim();
  return (
    unique(BY_ID.get(trimmed)) ??
    unique(BY_QUALIFIED.get(trimmed)) ??
    unique(BY_PEP8.get(trimmed)) ??
    unique(BY_ALIAS.get(trimmed))
  );
}

/** The operations of one collection, in table order (removed ones excluded). */
export function operationsByCollection(collection: string): readonly OperationSpec[] {
  return ALL_OPERATIONS.filter((op) => op.collection === collection);
}

/** `collection.pep8`, the canonical playbook form of an operation's name. */
export function qualifiedName(op: OperationSpec): string {
  return `${op.collection}.${op.pep8}`;
}

/** Levenshtein distance between two strings (case-insensitive callers lower-case first). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * "Did you mean" candidates for an unknown or ambiguous name: qualified names (`collection.pep8`)
 * of the closest operations, best first. Ambiguous bare names list every matching operation.
 */
export function suggestOperations(name: string, max = 3): string[] {
  const wanted = name.trim().toLowerCase();
  const exact = [...(BY_PEP8.get(name.trim()) ?? []), ...(BY_ALIAS.get(name.trim()) ?? [])];
  if (exact.length > 1) return [...new Set(exact.map(qualifiedName))];
  const bare = wanted.includes('.') ? wanted.slice(wanted.indexOf('.') + 1) : wanted;
  const scored = ALL_OPERATIONS.map((op) => {
    const names = [op.operationId, op.pep8, ...(op.aliases ?? [])].map((n) => n.toLowerCase());
    const candidates = [...names, ...names.map((n) => `${op.collection}.${n}`)];
    const distance = Math.min(
      ...candidates.map((c) => editDistance(wanted, c)),
      ...names.map((n) => editDistance(bare, n)),
    );
    return { op, distance };
  });
  const limit = Math.max(3, Math.floor(wanted.length / 3));
  return scored
    .filter((s) => s.distance <= limit)
    .sort((x, y) => x.distance - y.distance || qualifiedName(x.op).localeCompare(qualifiedName(y.op)))
    .slice(0, max)
    .map((s) => qualifiedName(s.op));
}

/** One route the emulator serves. */
export interface OperationRoute {
  method: HttpMethod;
  path: string;
  operation: OperationSpec;
}

/** Every served route (removed operations excluded), for the emulator's router. */
export function operationRoutes(): readonly OperationRoute[] {
  return ALL_OPERATIONS.map((operation) => ({ method: operation.method, path: operation.path, operation }));
}

const BY_ROUTE = new Map(ALL_OPERATIONS.map((op) => [`${op.method} ${op.path}`, op]));

/** The served operation for a method and path (no query string), if any. */
export function findOperationByRoute(method: string, path: string): OperationSpec | undefined {
  return BY_ROUTE.get(`${method.toUpperCase()} ${path}`);
}
