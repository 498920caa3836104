/**
 * Guard rails of response actions (docs/hosts.md, "Guard rails"), checked for every operation the
 * table marks with `response` (containment, host actions, RTR) before any request of the step:
 *
 * 1. Blast radius: a run may act on at most `limits.response_hosts` hosts (default 10) across its
 *    response steps. A playbook that means to act on more must say so; above it the run fails
 *    (SOAR_ENGINE_BLAST_RADIUS) whatever `on_error` says, and nothing is sent.
 * 2. Protected hosts: hosts matching the protected filter of the playbook (`protected_hosts`) or of
 *    the deployment (TALON_PROTECTED_HOSTS) are never contained or changed (RTR read-only commands
 *    excepted); one protected host fails the run (SOAR_ENGINE_PROTECTED_HOST) before any request.
 * 3. Dry run: the hosts are listed by id and hostname, every one of them, not a sample.
 *
 * The checks read hosts (PostDeviceDetailsV2, QueryDevicesByFilter); reads are safe to repeat.
 */
import type { ResponseActionKind } from '../falcon/operations/index.ts';
import type { OperationSpec } from '../falcon/operations/types.ts';
import type { ProtectedHosts } from '../playbook/compiled.ts';
import type { FalconPort } from './ports.ts';
import { isRecord } from './read-back.ts';
import { engineError, httpStatusOf, RunAbort } from './run-errors.ts';
import { idList } from './write-params.ts';
import { chunk } from './write-plan.ts';

/** Hosts a run may act on when the playbook does not raise `limits.response_hosts`. */
export const DEFAULT_RESPONSE_HOSTS = 10;

// Batch sizes of the reads (falconpy _hosts.py: PostDeviceDetailsV2 up to 5000 ids); FQL lists stay
// short so a filter keeps well inside URL limits.
const DETAILS_BATCH = 5000;
const FILTER_BATCH = 100;

/** One host a response step acts on. */
export interface ResponseHost {
  id: string;
  hostname: string | null;
}

/** What the guard found for one step. */
export interface ResponseGuardResult {
  kinds: ResponseActionKind[];
  hosts: ResponseHost[];
}

/** Where the guard keeps its count across the steps of a run. */
export interface ResponseBudget {
  /** Hosts acted on by response steps of this run so far (those run in this process). */
  hosts: Set<string>;
  /** Hosts of response steps resumed from checkpoints (counted, ids not kept). */
  resumed: number;
}

/** The response kind of one call of `spec` with `params`, or null when it is no response action. */
export function responseKindOf(
  spec: OperationSpec,
  params: Record<string, unknown>,
): ResponseActionKind | null {
  const marker = spec.response;
  if (!marker) return null;
  if (marker.byAction) {
    const value = params[marker.byAction.param] ?? nested(params, marker.byAction.param);
    const kind = marker.byAction.kinds[String(value ?? '').toLowerCase()];
    if (kind) return kind;
  }
  return marker.kind;
}

/** The host ids one call names, wherever the playbook put them (keyword, `body`, `parameters`). */
export function responseHostIds(spec: OperationSpec, params: Record<string, unknown>): string[] {
  const param = spec.response?.hostsParam;
  if (!param) return [];
  return idList(params[param] ?? nested(params, param));
}

function nested(params: Record<string, unknown>, name: string): unknown {
  for (const holder of [params['body'], params['parameters']]) {
    const object = Array.isArray(holder) && holder.length === 1 ? holder[0] : holder;
    if (isRecord(object) && object[name] !== undefined) return object[name];
  }
  return undefined;
}

export interface GuardInput {
  stepId: string;
  spec: OperationSpec;
  paramsList: readonly Record<string, unknown>[];
  falcon: FalconPort;
  signal: AbortSignal;
  budget: ResponseBudget;
  /** limits.response_hosts of the playbook, or undefined for the default. */
  limit: number | undefined;
  /** The playbook's and the deployment's protected hosts (either may be absent). */
  protectedHosts: readonly ProtectedHosts[];
  /** Read hostnames for the listing even when no protection is configured (dry runs). */
  listHostnames: boolean;
}

/**
 * Checks a response step before any request; returns its hosts, or null when the step is not a
 * response action. Throws RunAbort (the run fails whatever on_error says) when a rail is crossed.
 */
export async function guardResponseStep(input: GuardInput): Promise<ResponseGuardResult | null> {
  const { spec, paramsList, stepId } = input;
  if (!spec.response) return null;
  const kinds = [...new Set(paramsList.map((p) => responseKindOf(spec, p)).filter((k) => k !== null))];
  const ids = [...new Set(paramsList.flatMap((p) => responseHostIds(spec, p)))];
  const limit = input.limit ?? DEFAULT_RESPONSE_HOSTS;
  const fresh = ids.filter((id) => !input.budget.hosts.has(id));
  const total = input.budget.hosts.size + input.budget.resumed + fresh.length;
  if (total > limit) {
    throw new RunAbort(
      engineError(
        'SOAR_ENGINE_BLAST_RADIUS',
        `step "${stepId}" would take response action ${kinds.join('/')} (${spec.operationId}) on ${ids.length} hosts, ${total} in this run, above limits.response_hosts ${limit}${input.limit === undefined ? ' (the default)' : ''}; nothing was sent`,
        { step: stepId, operation: spec.operationId, hosts: ids.length, runHosts: total, limit },
      ),
      'fail',
    );
  }
  const changesHosts = kinds.some((k) => k !== 'rtr-read');
  const protection = input.protectedHosts.filter(hasRule);
  const needDetails = input.listHostnames || (changesHosts && protection.length > 0);
  const details = needDetails && ids.length > 0 ? await readDevices(input, ids) : new Map();
  if (changesHosts && protection.length > 0) {
    const hits = await protectedAmong(input, ids, details, protection);
    if (hits.length > 0) {
      const listed = hits
        .slice(0, 20)
        .map((h) => `${h.id}${h.hostname ? ` (${h.hostname})` : ''}: ${h.rule}`)
        .join('; ');
      throw new RunAbort(
        engineError(
          'SOAR_ENGINE_PROTECTED_HOST',
          `step "${stepId}" would take response action ${kinds.join('/')} (${spec.operationId}) on ${hits.length} protected host(s): ${listed}${hits.length > 20 ? '; ...' : ''}; nothing was sent`,
          { step: stepId, operation: spec.operationId, protected: hits.map((h) => h.id) },
        ),
        'fail',
      );
    }
  }
  for (const id of fresh) input.budget.hosts.add(id);
  const hosts = ids.map((id) => {
    const hostname = details.get(id)?.['hostname'];
    return { id, hostname: typeof hostname === 'string' ? hostname : null };
  });
  return { kinds, hosts };
}

function hasRule(rules: ProtectedHosts): boolean {
  return (
    (rules.filter ?? '').trim() !== '' ||
    (rules.tags?.length ?? 0) > 0 ||
    (rules.groups?.length ?? 0) > 0 ||
    (rules.hostnames?.length ?? 0) > 0
  );
}

async function readDevices(input: GuardInput, ids: readonly string[]) {
  const out = new Map<string, Record<string, unknown>>();
  for (const slice of chunk(ids, DETAILS_BATCH)) {
    let resources: unknown[] = [];
    try {
      resources = (await input.falcon.call('PostDeviceDetailsV2', { ids: slice }, { signal: input.signal }))
        .resources;
    } catch (error) {
      // 404: none of these ids is a host; the action itself will say so.
      if (httpStatusOf(error) !== 404) throw error;
    }
    for (const r of resources)
      if (isRecord(r) && typeof r['device_id'] === 'string') out.set(r['device_id'], r);
  }
  return out;
}

interface ProtectedHit {
  id: string;
  hostname: string | null;
  rule: string;
}

async function protectedAmong(
  input: GuardInput,
  ids: readonly string[],
  details: Map<string, Record<string, unknown>>,
  protection: readonly ProtectedHosts[],
): Promise<ProtectedHit[]> {
  const rules = new Map<string, string>();
  for (const set of protection) {
    const hostnames = new Set((set.hostnames ?? []).map((h) => h.toLowerCase()));
    for (const id of ids) {
      const device = details.get(id);
      if (!device || rules.has(id)) continue;
      const tags = listOf(device['tags']);
      const groups = listOf(device['groups']);
      const tag = set.tags?.find((t) => tags.includes(t));
      const group = set.groups?.find((g) => groups.includes(g));
      const hostname = String(device['hostname'] ?? '').toLowerCase();
      if (tag) rules.set(id, `tag ${tag}`);
      else if (group) rules.set(id, `host group ${group}`);
      else if (hostnames.has(hostname)) rules.set(id, `hostname ${hostname}`);
    }
    const filter = (set.filter ?? '').trim();
    if (filter === '') continue;
    for (const slice of chunk(
      ids.filter((id) => !rules.has(id)),
      FILTER_BATCH,
    )) {
      const list = slice.map((id) => `'${id.replace(/'/g, '')}'`).join(',');
      const matched = await input.falcon.call(
        'QueryDevicesByFilter',
        { filter: `(${filter})+device_id:[${list}]`, limit: FILTER_BATCH },
        { signal: input.signal },
      );
      for (const id of matched.resources) if (typeof id === 'string') rules.set(id, `filter ${filter}`);
    }
  }
  return ids
    .filter((id) => rules.has(id))
    .map((id) => {
      const hostname = details.get(id)?.['hostname'];
      return { id, hostname: typeof hostname === 'string' ? hostname : null, rule: rules.get(id) ?? '' };
    });
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
