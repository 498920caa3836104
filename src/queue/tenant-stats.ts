/**
 * Per-tenant counters for /metrics: fields of the fleet-wide stats hash named `t.<tenant>.<counter>`
 * (runs_started, runs_succeeded, runs_failed, runs_retried, runs_cancelled, api_calls, falcon_429).
 * Tenant names are `[a-z][a-z0-9_-]*`, so the dots cannot be part of a name. No new key: the server
 * already reads the stats hash on each scrape.
 */

/** The stats field of `counter` for `tenant`. */
export function tenantStatField(tenant: string, counter: string): string {
  return `t.${tenant}.${counter}`;
}

/** `{tenant, counter}` of a per-tenant stats field, or null for any other field. */
export function parseTenantStatField(field: string): { tenant: string; counter: string } | null {
  const match = /^t\.([a-z][a-z0-9_-]*)\.([a-z0-9_]+)$/.exec(field);
  return match === null ? null : { tenant: match[1] as string, counter: match[2] as string };
}
