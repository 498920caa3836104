/**
 * What Talon knows of one Falcon tenant: where its API is, which API client to use and where the
 * client secret comes from. The secret itself is never part of a tenant read from the tenants file:
 * the file names a secret (src/secrets resolves it when a worker first needs the tenant's token), so a
 * TenantSpec can be logged, put in errors or compared without revealing anything.
 */
import type { FalconConfig } from '../config/index.ts';
import type { Secret } from '../shared/index.ts';

/** The tenant of FALCON_CLIENT_ID/SECRET (and of playbooks that name none). */
export const DEFAULT_TENANT = 'default';

/** A tenant name: lower-case letters, digits, '-' and '_', starting with a letter (as playbook names). */
export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/** A customer id: 32 hex characters (a trailing "-xx" checksum, as the console shows it, is allowed). */
export const CID_PATTERN = /^[0-9a-f]{32}(-[0-9a-f]{2})?$/i;

/** Where a tenant's client secret comes from. */
export type TenantCredential =
  /** A named secret (TALON_SECRET_<NAME>, its _FILE form or TALON_SECRETS_DIR), read at first use. */
  | { kind: 'named'; secret: string }
  /** Already read (FALCON_CLIENT_SECRET of the default tenant). */
  | { kind: 'value'; secret: Secret };

export interface TenantSpec {
  name: string;
  /** API base URL without a trailing slash. */
  baseUrl: string;
  clientId: string;
  credential: TenantCredential;
  /** MSSP: the child CID this tenant's tokens are locked to; null = the API client's own CID. */
  memberCid: string | null;
  /** Most runs of this tenant at once across the fleet; null = no limit of its own. */
  concurrency: number | null;
  /** Fleet-wide Falcon requests per minute for this tenant; null = the worker's default. */
  requestsPerMinute: number | null;
  /** The proxy for this base URL (HTTPS_PROXY unless NO_PROXY bypasses it); null = direct. */
  proxy: Secret | null;
}

/** The tenant of the FALCON_* variables, named `default`. */
export function defaultTenant(falcon: FalconConfig): TenantSpec {
  return {
    name: DEFAULT_TENANT,
    baseUrl: falcon.baseUrl,
    clientId: falcon.clientId,
    credential: { kind: 'value', secret: falcon.clientSecret },
    memberCid: falcon.memberCid,
    concurrency: null,
    requestsPerMinute: null,
    proxy: falcon.proxy ?? null,
  };
}

/**
 * The identity Falcon's rate limit is counted by (6000 requests/minute per CID): the child CID a
 * token acts in, else the API client. Tenants sharing it share one rate budget.
 */
export function budgetIdentity(
  tenant: Pick<TenantSpec, 'memberCid' | 'clientId'>,
  child?: string | null,
): string {
  return child ?? tenant.memberCid ?? tenant.clientId;
}
