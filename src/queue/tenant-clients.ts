/**
 * One Falcon client per tenant (and per MSSP child CID of a tenant), built on first use and cached for
 * the life of the worker: each has its own token (a child's token is requested with its member_cid)
 * and its own fleet-wide rate budget in Redis, keyed by the CID the rate limit counts (budgetIdentity),
 * so a 429 in one tenant blocks that tenant's bucket and nobody else's.
 *
 * The client secret of a tenant of the tenants file is a named secret, read from src/secrets when the
 * client is first built; it lives inside the client (a Secret) and nowhere else.
 */
import type { FalconPort } from '../engine/ports.ts';
import { createFalconClient, type FalconClient } from '../falcon/index.ts';
import type { SecretStore } from '../secrets/index.ts';
import { type Clock, type Logger, type Secret, SoarError } from '../shared/index.ts';
import { budgetIdentity, type Tenants, type TenantSpec } from '../tenants/index.ts';
import type { RedisClient } from './bullmq.ts';
import type { KeyLayout } from './names.ts';
import { createRedisRateBudget } from './rate-budget.ts';

export interface TenantClientsOptions {
  tenants: Tenants;
  /** Where named client secrets are read (TALON_SECRET_*, TALON_SECRETS_DIR). */
  secrets: SecretStore;
  redis: RedisClient;
  keys: KeyLayout;
  logger: Logger;
  clock: Clock;
  /** Requests per minute of a tenant that sets none (requests_per_minute). @default 5400 */
  defaultPerMinute?: number;
  /** Called after Falcon answered 429 to a request of this tenant (and child). */
  onPenalty?(tenant: string, child: string | null, retryAfterMs: number): Promise<void> | void;
}

export interface TenantClients {
  /**
   * The client of `tenant`, or of its child CID `child` (MSSP). Built once, then shared by every run.
   * @throws SoarError SOAR_TENANT_UNKNOWN, SOAR_TENANT_CHILDREN (a child of a tenant that is itself
   *   locked to a member CID), SOAR_SECRET_MISSING / SOAR_SECRET_UNREADABLE (its secret).
   */
  forRun(tenant: string, child: string | null): Promise<FalconClient>;
  /** The same client as a FalconPort usable at once (built at its first call): for poll triggers. */
  port(tenant: string, child: string | null): FalconPort;
}

/** A cache of per-tenant Falcon clients over `options.tenants`. */
export function createTenantClients(options: TenantClientsOptions): TenantClients {
  const built = new Map<string, Promise<FalconClient>>();
  const build = async (spec: TenantSpec, child: string | null): Promise<FalconClient> => {
    if (child !== null && spec.memberCid !== null) {
      throw new SoarError(
        'SOAR_TENANT_CHILDREN',
        `tenant "${spec.name}" is locked to member CID ${spec.memberCid}; child runs need the parent's own API client (no member_cid)`,
        { details: { tenant: spec.name } },
      );
    }
    const secret: Secret =
      spec.credential.kind === 'value'
        ? spec.credential.secret
        : await options.secrets.get(spec.credential.secret);
    const budget = createRedisRateBudget(options.redis, options.keys, {
      tenant: budgetIdentity(spec, child),
      perMinute: spec.requestsPerMinute ?? options.defaultPerMinute ?? 5400,
      clock: options.clock,
      onPenalty: (ms) => options.onPenalty?.(spec.name, child, ms),
    });
    return createFalconClient({
      baseUrl: spec.baseUrl,
      clientId: spec.clientId,
      clientSecret: secret,
      memberCid: child ?? spec.memberCid,
      proxy: spec.proxy,
      logger: options.logger.child({ tenant: spec.name, ...(child === null ? {} : { child }) }),
      budget,
      clock: options.clock,
    });
  };
  const clients: TenantClients = {
    port(tenant, child) {
      return {
        call: async (operation, params, callOptions) =>
          (await clients.forRun(tenant, child)).call(operation, params, callOptions),
        async *pages(operation, params, callOptions) {
          yield* (await clients.forRun(tenant, child)).pages(operation, params, callOptions);
        },
      };
    },
    forRun(tenant, child) {
      const key = `${tenant}\n${child ?? ''}`;
      let client = built.get(key);
      if (client === undefined) {
        const spec = options.tenants.get(tenant);
        client = build(spec, child);
        // A secret that was missing may be defined by the next attempt: do not cache the failure.
        client.catch(() => built.delete(key));
        built.set(key, client);
      }
      return client;
    },
  };
  return clients;
}
