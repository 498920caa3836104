/**
 * CONTRACT: the payload of a run job (queue "talon-runs"), version 2 (written) and 1 (still read).
 *
 *   v2: { v: 2, runId, playbook: { name, file, hash, planDigest }, inputs, trigger, dryRun, enqueuedAt,
 *         tenant?, child?, sig? }
 *   v1: { v: 1, ...the same, playbook: { name, file, hash, plan } }
 *
 * - JSON only. The plan is the CompiledPlaybook pinned at enqueue time, so a run executes the version it
 *   was queued with even when the file changes later. v2 names it by `planDigest`, the SHA-256 of its
 *   JSON stored once under keys.plan (plan-store.ts); v1 carried it inline. A worker resolves the
 *   digest and hands the rest of Talon a RunJobData with the plan in it, whichever version it read.
 *   Upgrade workers before producers: a worker of an older version refuses v2 jobs.
 * - `tenant` names a tenant of the worker's configuration (absent: `default`); `child` is the MSSP child
 *   CID the run acts in (its token is locked to it). Names and CIDs only, never credentials.
 * - NO secrets: credentials live in the worker's configuration, never in the job. Webhook signatures
 *   and headers are not copied into `trigger`.
 * - Validated by `parseRunJobData` when a worker takes the job; anything else is
 *   SOAR_QUEUE_BAD_JOB_DATA (not retryable).
 * A new incompatible shape gets `v: 2` and both are accepted until the old one has drained.
 */
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { SoarError } from '../shared/index.ts';
import { isValidRunId } from './names.ts';
import { isCompiledPlan, isPlanDigest } from './plan-store.ts';

/** The version of RunJobData, the job with its plan inline (what v1 jobs stored, what Talon runs). */
export const RUN_JOB_VERSION = 1;
/** The version of the jobs written now (StoredRunJob). */
export const STORED_JOB_VERSION = 2;

export type RunTriggerType = 'manual' | 'cron' | 'webhook' | 'poll' | 'stream';

/** What started a run. `data` is what expressions see as `trigger` (a webhook body, poll items...). */
export interface RunTrigger {
  type: RunTriggerType;
  /** Epoch ms the trigger fired (the scheduled slot for cron). */
  at: number;
  /** Free-form facts: webhook path, cron schedule, poll operation... */
  source: string;
  data: unknown;
}

export interface RunJobData {
  v: 1;
  runId: string;
  playbook: { name: string; file: string; hash: string; plan: CompiledPlaybook };
  inputs: Record<string, unknown>;
  trigger: RunTrigger;
  dryRun: boolean;
  enqueuedAt: number;
  /** The tenant (TALON_TENANTS_FILE name) the run acts in; absent = `default`. */
  tenant?: string;
  /** MSSP: the child CID the run acts in (lower case); absent = the tenant itself. */
  child?: string;
  /** Set by a producer holding the job signing key (job-signature.ts). */
  sig?: { v: 1; plan: string; mac: string };
}

const TRIGGER_TYPES: readonly RunTriggerType[] = ['manual', 'cron', 'webhook', 'poll', 'stream'];

/** A run job as stored in the queue (version 2): the plan named by its digest. */
export interface StoredRunJob extends Omit<RunJobData, 'v' | 'playbook'> {
  v: 2;
  playbook: { name: string; file: string; hash: string; planDigest: string };
}

/** The members of a run job besides its version, playbook and signature: the same in every shape. */
type RunFields = Omit<RunJobData, 'v' | 'playbook' | 'sig'>;

/**
 * Copies the members every shape shares, member by member: object rest and spread take a slow path in
 * Node 20 (several µs per object), and jobs are converted once per enqueue and once per job taken.
 */
function runFields(from: RunFields): RunFields {
  const fields: RunFields = {
    runId: from.runId,
    inputs: from.inputs,
    trigger: from.trigger,
    dryRun: from.dryRun,
    enqueuedAt: from.enqueuedAt,
  };
  if (from.tenant !== undefined) fields.tenant = from.tenant;
  if (from.child !== undefined) fields.child = from.child;
  return fields;
}

/** The job to store for `data`, whose plan is stored under `planDigest`. */
export function toStoredRunJob(data: RunJobData, planDigest: string): StoredRunJob {
  const { playbook } = data;
  const stored: StoredRunJob = Object.assign(runFields(data), {
    v: STORED_JOB_VERSION,
    playbook: { name: playbook.name, file: playbook.file, hash: playbook.hash, planDigest },
  } as const);
  if (data.sig !== undefined) stored.sig = data.sig;
  return stored;
}

/**
 * A v2 job with its plan resolved: what the rest of Talon runs. Its signature stays behind: it was
 * checked on the stored job and does not describe this shape.
 */
export function withPlan(stored: StoredRunJob, plan: CompiledPlaybook): RunJobData {
  const { playbook } = stored;
  return Object.assign(runFields(stored), {
    v: RUN_JOB_VERSION,
    playbook: { name: playbook.name, file: playbook.file, hash: playbook.hash, plan },
  } as const);
}

/** Builds job data for a run of `plan`. */
export function toRunJobData(options: {
  runId: string;
  plan: CompiledPlaybook;
  inputs: Record<string, unknown>;
  trigger: RunTrigger;
  dryRun?: boolean;
  enqueuedAt: number;
  tenant?: string | null;
  child?: string | null;
}): RunJobData {
  const { plan } = options;
  const data: RunJobData = {
    v: RUN_JOB_VERSION,
    runId: options.runId,
    playbook: { name: plan.name, file: plan.file, hash: plan.hash, plan },
    inputs: options.inputs,
    trigger: options.trigger,
    dryRun: options.dryRun ?? false,
    enqueuedAt: options.enqueuedAt,
  };
  if (options.tenant) data.tenant = options.tenant;
  if (options.child) data.child = options.child;
  return data;
}

/** The tenant a run acts in. */
export function runTenant(data: Pick<RunJobData, 'tenant'>): string {
  return data.tenant ?? 'default';
}

/**
 * Checks a job payload taken off the queue.
 * @throws SoarError SOAR_QUEUE_BAD_JOB_DATA naming the first wrong field.
 */
export function parseRunJobData(value: unknown, jobId: string): RunJobData | StoredRunJob {
  const fail = (what: string): never => {
    throw new SoarError('SOAR_QUEUE_BAD_JOB_DATA', `job ${jobId}: ${what}`, { details: { jobId } });
  };
  if (!isRecord(value)) return fail('data is not an object');
  const version = value['v'];
  if (version !== 1 && version !== STORED_JOB_VERSION) {
    return fail(`unsupported version ${JSON.stringify(version)}`);
  }
  const runId = value['runId'];
  if (typeof runId !== 'string' || !isValidRunId(runId)) return fail('runId is missing or malformed');
  const playbook = value['playbook'];
  if (!isRecord(playbook)) return fail('playbook is not an object');
  for (const key of ['name', 'file', 'hash'] as const) {
    if (typeof playbook[key] !== 'string') fail(`playbook.${key} is not a string`);
  }
  if (version === STORED_JOB_VERSION) {
    if (!isPlanDigest(playbook['planDigest'])) return fail('playbook.planDigest is not a SHA-256 digest');
  } else {
    const plan = playbook['plan'];
    if (!isCompiledPlan(plan)) return fail('playbook.plan is not a compiled playbook');
    if (plan.hash !== playbook['hash']) return fail('playbook.plan.hash differs from playbook.hash');
  }
  if (!isRecord(value['inputs'])) return fail('inputs is not an object');
  const trigger = value['trigger'];
  if (!isRecord(trigger) || !TRIGGER_TYPES.includes(trigger['type'] as RunTriggerType)) {
    return fail(`trigger.type must be one of ${TRIGGER_TYPES.join(', ')}`);
  }
  if (typeof trigger['at'] !== 'number' || typeof trigger['source'] !== 'string') {
    return fail('trigger.at or trigger.source is missing');
  }
  if (typeof value['dryRun'] !== 'boolean') return fail('dryRun is not a boolean');
  if (typeof value['enqueuedAt'] !== 'number') return fail('enqueuedAt is not a number');
  const tenant = value['tenant'];
  if (tenant !== undefined && (typeof tenant !== 'string' || !/^[a-z][a-z0-9_-]{0,63}$/.test(tenant))) {
    return fail('tenant is not a tenant name');
  }
  const child = value['child'];
  if (child !== undefined && (typeof child !== 'string' || !/^[0-9a-f]{32}$/.test(child))) {
    return fail('child is not a CID (32 lower-case hex characters)');
  }
  return value as unknown as RunJobData | StoredRunJob;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
