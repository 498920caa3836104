/**
 * Signed run jobs. Anyone who can write to Redis can put a job on the queue; a worker that holds the
 * job signing key (TALON_JOB_SIGNING_KEY, known only to Talon processes) runs only jobs signed with it.
 *
 *   sig: { v: 1, plan: <the plan's digest>, mac: <HMAC-SHA256(key, canonical job without sig)> }
 *
 * The plan's digest: for a v2 job the `planDigest` it names its stored plan by (SHA-256 of the plan's
 * JSON; the worker checks the stored JSON against it, plan-store.ts), for a v1 job the SHA-256 of the
 * canonical inline plan. A v2 job's MAC covers the digest, so the plan is covered through it without
 * being hashed again for every job.
 *
 * Canonical JSON: object keys sorted, undefined members left out (as JSON.stringify does), so the
 * signature survives the trip through BullMQ's JSON. The MAC covers everything a run depends on: the
 * plan (its steps, its envAllowed list: the env names a run may read come from the signed plan only),
 * inputs, trigger data, run id and dry-run flag. The plan digest is checked first so an edited plan is
 * named as such.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type Secret, SoarError } from '../shared/index.ts';
import type { RunJobData, StoredRunJob } from './job-data.ts';

/** A job as it is signed and checked: as stored (v2) or with its plan inline (v1). */
type SignedShape = RunJobData | StoredRunJob;

export interface JobSignature {
  v: 1;
  plan: string;
  mac: string;
}

/** JSON with sorted keys: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function planDigest(data: SignedShape): string {
  if (data.v === 2) return data.playbook.planDigest;
  return createHash('sha256').update(canonicalJson(data.playbook.plan)).digest('hex');
}

function mac(data: SignedShape, key: Secret): string {
  const { sig: _sig, ...unsigned } = data;
  return createHmac('sha256', key.reveal()).update(canonicalJson(unsigned)).digest('hex');
}

/** The job with its signature. */
export function signRunJob<T extends SignedShape>(data: T, key: Secret): T {
  const { sig: _old, ...unsigned } = data;
  return { ...unsigned, sig: { v: 1, plan: planDigest(data), mac: mac(data, key) } } as T;
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Checks a job's signature with the worker's key.
 * @throws SoarError SOAR_QUEUE_JOB_UNSIGNED (no signature), SOAR_QUEUE_PLAN_HASH (the plan is not
 *   the one signed) or SOAR_QUEUE_JOB_SIGNATURE (any other change, or another key). Not retryable.
 */
export function verifyRunJob(data: SignedShape, key: Secret): void {
  const sig = data.sig;
  const details = { jobId: data.runId };
  if (
    sig === undefined ||
    typeof sig !== 'object' ||
    typeof sig.plan !== 'string' ||
    typeof sig.mac !== 'string'
  ) {
    throw new SoarError('SOAR_QUEUE_JOB_UNSIGNED', `job ${data.runId} carries no signature; refused`, {
      details,
    });
  }
  if (!sameHex(sig.plan, planDigest(data))) {
    throw new SoarError(
      'SOAR_QUEUE_PLAN_HASH',
      `job ${data.runId}: the plan is not the one that was signed; refused`,
      {
        details,
      },
    );
  }
  if (!sameHex(sig.mac, mac(data, key))) {
    throw new SoarError(
      'SOAR_QUEUE_JOB_SIGNATURE',
      `job ${data.runId}: signature does not verify (edited job data or another signing key); refused`,
      { details },
    );
  }
}
