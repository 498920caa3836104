/**
 * Per-tenant counters for /metrics: fields of the fleet-wide stats hash named `t.<tenant>.<counter>`
 * (runs_started, runs_succeeded, runs_failed, runs_retried, runs_cancelled, api_calls, falcon_429).
 * Tenant names are `[a-z][a-z0-9_-]*`, so the dots cannot be part of a name. No new key: the server
 * already reads the stats hash on each scrape.
 */
import type { StepRecord } from '../engine/ports.ts';

/** The stats field of `counter` for `tenant`. */
export function tenantStatField(tenant: string, counter: string): string {
  return `t.${tenant}.${counter}`;
}

/** `{tenant, counter}` of a per-tenant stats field, or null for any other field. */
export function parseTenantStatField(field: string): { tenant: string; counter: string } | null {
  const match = /^t\.([a-z][a-z0-9_-]*)\.([a-z0-9_]+)$/.exec(field);
  return match === null ? null : { tenant: match[1] as string, counter: match[2] as string };
}

/**
 * Falcon calls made by the steps of one attempt, from the step records the engine reports (each
 * record carries the step's calls so far; a step resumed from its checkpoint made none now).
 */
export function stepCallCounter(): { observe(step: StepRecord): void; total(): number } {
  const byStep = new Map<string, number>();
  return {
    observe(step) {
      if (step.resumed) return;
      byStep.set(step.id, Math.max(byStep.get(step.id) ?? 0, step.apiCalls ?? 0));
    },
    total: () => [...byStep.values()].reduce((sum, n) => sum + n, 0),
  };
}
