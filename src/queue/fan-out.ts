/**
 * MSSP fan-out: a playbook with `children:` runs once per child CID of its tenant. The run that a
 * trigger enqueues is the parent: the worker lists the children (Flight Control queryChildren, paged,
 * for `children: all`; the playbook's list otherwise) and enqueues one child run each, with the same
 * pinned plan, inputs and trigger, its tenant and `child` set. Each child run then gets a token locked
 * to its child (member_cid) from the worker's per-tenant clients. Child run ids derive from the parent
 * run id and the child CID, so a parent that is retried or resumed enqueues no child twice.
 */
import type { FalconPort, RunEvents } from '../engine/ports.ts';
import { SoarError } from '../shared/index.ts';
import type { EnqueueRequest, EnqueueResult } from './enqueue.ts';
import { type RunJobData, runTenant } from './job-data.ts';
import type { RunOutcome } from './processor.ts';

/** Children listed per page (queryChildren's limit; the SDKs state no maximum, Talon caps at 1000). */
const PAGE = 1000;

/** A child CID as a job and a token take it: 32 lower-case hex, without the console's "-xx" checksum. */
export function normalizeCid(cid: string): string {
  return cid.trim().toLowerCase().slice(0, 32);
}

/** The run id of the child run of `parentRunId` in `cid`. */
export function childRunId(parentRunId: string, cid: string): string {
  return `${parentRunId}-${normalizeCid(cid)}`;
}

/** The child CIDs a parent run fans out to. */
export async function listChildren(data: RunJobData, parent: FalconPort): Promise<string[]> {
  const wanted = data.playbook.plan.children;
  if (Array.isArray(wanted)) return [...new Set(wanted.map(normalizeCid))];
  const found: string[] = [];
  for await (const page of parent.pages('queryChildren', { limit: PAGE })) {
    for (const id of page.resources) if (typeof id === 'string') found.push(normalizeCid(id));
  }
  return [...new Set(found)].sort();
}

export interface FanOutDeps {
  /** The parent tenant's client (its own CID, no member_cid). */
  parent: FalconPort;
  /** Whether the tenant's token is itself locked to a member CID (then it has no children to run in). */
  lockedToMember: string | null;
  enqueue(request: EnqueueRequest): Promise<EnqueueResult>;
  now(): number;
}

/** Enqueues the child runs of a parent run and records the parent as done, listing them. */
export async function fanOut(data: RunJobData, events: RunEvents, deps: FanOutDeps): Promise<RunOutcome> {
  const tenant = runTenant(data);
  if (deps.lockedToMember !== null) {
    throw new SoarError(
      'SOAR_TENANT_CHILDREN',
      `playbook "${data.playbook.name}" runs per child CID, but tenant "${tenant}" is locked to member CID ${deps.lockedToMember}; use a tenant with the parent's own API client (no member_cid)`,
      { details: { tenant } },
    );
  }
  await events.runStarted(data.runId, deps.now());
  const children = await listChildren(data, deps.parent);
  const runs: string[] = [];
  for (const cid of children) {
    const result = await deps.enqueue({
      plan: data.playbook.plan,
      inputs: data.inputs,
      trigger: data.trigger,
      dryRun: data.dryRun,
      runId: childRunId(data.runId, cid),
      tenant,
      child: cid,
    });
    runs.push(result.runId);
  }
  const outputs = { children, runs };
  await events.runFinished(data.runId, 'succeeded', outputs, null);
  return { status: 'succeeded', error: null, outputs };
}
