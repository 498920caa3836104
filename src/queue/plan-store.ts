/**
 * Compiled plans by reference. A run job used to carry its whole plan (2-6 KB of JSON for the example
 * playbooks, the same for every run of a playbook): every add, every fetch, every parse and every
 * signature check paid for it again. A job now names its plan by the SHA-256 of the plan's JSON; that
 * JSON is stored once per deployment under the digest (`keys.plan`, written by the enqueue script), and
 * a worker keeps the plans it read in memory. Every read is checked against the digest, so a plan
 * edited in Redis is refused, as an edited inline plan was by its signature.
 *
 * Lifetime: PLAN_TTL_MS after the last run queued with the plan (every enqueue renews it), twice as
 * long as the run records and finished jobs that can lead back to it (`talon runs resume`).
 */
import { createHash } from 'node:crypto';
import type { CompiledPlaybook } from '../playbook/compiled.ts';
import { SoarError } from '../shared/index.ts';
import type { RedisClient } from './bullmq.ts';
import { type KeyLayout, RUN_RECORD_TTL_MS } from './names.ts';

export const PLAN_TTL_MS = 2 * RUN_RECORD_TTL_MS;

/** A plan as stored: its JSON and the digest jobs name it by. */
export interface PlanReference {
  digest: string;
  json: string;
}

/** Plans are compiled once and enqueued many times: each is serialized and hashed once. */
const references = new WeakMap<CompiledPlaybook, PlanReference>();

export function planReference(plan: CompiledPlaybook): PlanReference {
  let reference = references.get(plan);
  if (reference === undefined) {
    const json = JSON.stringify(plan);
    reference = { digest: sha256(json), json };
    references.set(plan, reference);
  }
  return reference;
}

/** True for what planReference gives as a digest (64 lower-case hex characters). */
export function isPlanDigest(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

export interface PlanCache {
  /**
   * The plan stored under `digest`, for job `jobId`.
   * @throws SoarError SOAR_QUEUE_PLAN_MISSING (not in Redis any more), SOAR_QUEUE_PLAN_HASH (the
   *   stored JSON is not the one the digest names), SOAR_QUEUE_BAD_JOB_DATA (not a compiled plan).
   */
  get(digest: string, jobId: string): Promise<CompiledPlaybook>;
}

/** Plans a worker keeps in memory; a fleet runs a handful of playbook versions at a time. */
const MAX_CACHED_PLANS = 256;

/** The plans of one deployment, read through a cache of this process. */
export function createPlanCache(redis: RedisClient, keys: KeyLayout): PlanCache {
  // Promises, so jobs of one new plan taken at once read it once.
  const known = new Map<string, Promise<CompiledPlaybook>>();
  const read = async (digest: string, jobId: string): Promise<CompiledPlaybook> => {
    const details = { jobId, plan: digest };
    const json = await redis.call('GET', keys.plan(digest));
    if (typeof json !== 'string') {
      throw new SoarError(
        'SOAR_QUEUE_PLAN_MISSING',
        `job ${jobId}: its plan ${digest.slice(0, 12)} is no longer in Redis (plans are kept ${Math.round(PLAN_TTL_MS / 86_400_000)} days after the last run queued with them)`,
        { details },
      );
    }
    if (sha256(json) !== digest) {
      throw new SoarError(
        'SOAR_QUEUE_PLAN_HASH',
        `job ${jobId}: the plan stored for it is not the one it was queued with; refused`,
        { details },
      );
    }
    const plan: unknown = JSON.parse(json);
    if (!isCompiledPlan(plan)) {
      throw new SoarError('SOAR_QUEUE_BAD_JOB_DATA', `job ${jobId}: its plan is not a compiled playbook`, {
        details,
      });
    }
    return plan;
  };
  return {
    get(digest, jobId) {
      let plan = known.get(digest);
      if (plan === undefined) {
        if (known.size >= MAX_CACHED_PLANS) known.delete(known.keys().next().value as string);
        plan = read(digest, jobId);
        // A failed read is not kept: the next job tries again (and gets its own error).
        plan.catch(() => known.delete(digest));
        known.set(digest, plan);
      }
      return plan;
    },
  };
}

/** The shape checks a job's inline plan got (job-data.ts); the digest vouches for the rest. */
export function isCompiledPlan(value: unknown): value is CompiledPlaybook {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Array.isArray((value as { steps?: unknown }).steps) &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
