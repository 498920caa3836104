/**
 * Process wiring for a worker: a Falcon client sharing the fleet's Redis rate budget (a 429 also
 * pauses the run queue), the engine as executor, and the BullMQ run worker. `talon worker`, the demo
 * and the e2e/crash tests all start workers through here, so they run the same code.
 */
import { createActionRunner } from '../actions/index.ts';
import {
  type ApprovalConfig,
  type FalconConfig,
  readOutboundPolicy,
  readSecretSources,
} from '../config/index.ts';
import type { ActionPort } from '../engine/ports.ts';
import { createSecretStore, type SecretStore } from '../secrets/index.ts';
import { type Clock, type Logger, type Secret, silentLogger, systemClock } from '../shared/index.ts';
import { defaultTenant, tenantDirectory, type Tenants } from '../tenants/index.ts';
import { createApprovalStore } from './approval-store.ts';
import { createRunQueue, type RunQueue } from './bullmq.ts';
import { createEngineExecutor } from './engine-executor.ts';
import { enqueueRun } from './enqueue.ts';
import { fanOut } from './fan-out.ts';
import { runTenant } from './job-data.ts';
import { DEFAULT_PREFIX } from './names.ts';
import { type RunWorker, startRunWorker } from './run-worker.ts';
import { createTenantClients } from './tenant-clients.ts';
import { tenantStatField } from './tenant-stats.ts';

export interface TalonWorkerOptions {
  redisUrl: string;
  /** The `default` tenant (FALCON_*); ignored when `tenants` is given. */
  falcon?: FalconConfig | null;
  /** Every tenant runs may name (src/tenants loadTenants); default: `default` from `falcon`. */
  tenants?: Tenants;
  /** Where the named client secrets of tenants are read. @default the secrets of this process's environment */
  secrets?: SecretStore;
  /** @default 'talon' */
  prefix?: string;
  /** @default 4 */
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Finished runs kept (TALON_RUN_RETENTION_COUNT). @default WORKER_DEFAULTS.keepFinishedRuns */
  keepFinishedRuns?: number;
  /** Fleet-wide Falcon requests per minute of a tenant that sets none. @default 5400 */
  falconPerMinute?: number;
  logger?: Logger;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Notifications and HTTP calls. @default a runner over the named secrets and the outbound policy
   * of this process's environment (TALON_SECRET_*, TALON_SECRETS_DIR, TALON_HTTP_ALLOW_*).
   */
  actions?: ActionPort;
  /** FQL filter of hosts response actions must never touch (TALON_PROTECTED_HOSTS). */
  protectedHostsFilter?: string | null;
  /** Approver groups for `group:<name>` (TALON_APPROVER_GROUPS). */
  approverGroups?: Readonly<Record<string, readonly string[]>>;
  /** Link key and public URL, for the approval links of notifications (default action runner). */
  approvalLinks?: Pick<ApprovalConfig, 'linkKey' | 'publicUrl'> | null;
  /** Run only jobs signed with this key (TALON_JOB_SIGNING_KEY); `talon worker` always sets it. */
  signingKey?: Secret;
}

/**
 * The action runner of this process: secrets and outbound policy from the environment; approval
 * links signed when the approval settings (TALON_APPROVAL_KEY, TALON_PUBLIC_URL) are both set.
 */
export function defaultActionRunner(
  logger: Logger,
  approvals: Pick<ApprovalConfig, 'linkKey' | 'publicUrl'> | null = null,
): ActionPort {
  const key = approvals?.linkKey ?? null;
  const publicUrl = approvals?.publicUrl ?? null;
  return createActionRunner({
    secrets: createSecretStore(readSecretSources()),
    policy: readOutboundPolicy(),
    logger,
    approvalLinkConfig: key === null || publicUrl === null ? null : { key, publicUrl },
  });
}

/** Starts a worker that runs queued playbook runs against Falcon. */
export function startTalonWorker(options: TalonWorkerOptions): RunWorker {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const actions = options.actions ?? defaultActionRunner(logger, options.approvalLinks ?? null);
  const tenants = options.tenants ?? tenantDirectory(options.falcon ? [defaultTenant(options.falcon)] : []);
  // Opened at its first use (a 429, a fan-out): most workers never need a producer of their own, and
  // each BullMQ connection loads its scripts when it opens.
  let producer: RunQueue | null = null;
  const pauser = (): RunQueue => {
    producer ??= createRunQueue({ redisUrl: options.redisUrl, prefix });
    return producer;
  };
  const worker = startRunWorker({
    redisUrl: options.redisUrl,
    prefix,
    ...pick(options, [
      'concurrency',
      'lockDurationMs',
      'stalledIntervalMs',
      'maxStalledCount',
      'keepFinishedRuns',
      'signingKey',
    ]),
    // With several tenants a 429 is one tenant's business: its run waits, the others carry on.
    rateLimitScope: tenants.several ? 'tenant' : 'queue',
    tenantConcurrency: (name) => (tenants.has(name) ? tenants.get(name).concurrency : null),
    logger,
    clock,
    createExecutor: ({ redis, keys, records }) => {
      const clients = createTenantClients({
        tenants,
        secrets: options.secrets ?? createSecretStore(readSecretSources()),
        redis,
        keys,
        logger,
        clock,
        ...(options.falconPerMinute === undefined ? {} : { defaultPerMinute: options.falconPerMinute }),
        onPenalty: async (tenant, child, ms) => {
          await records.incrementStat(tenantStatField(tenant, 'falcon_429')).catch(() => undefined);
          if (tenants.several) {
            // The tenant's bucket is blocked for every worker until then; other tenants are not paused.
            logger.warn({ tenant, child, blockMs: ms }, 'Falcon answered 429: this tenant waits');
            return;
          }
          logger.warn({ pauseMs: ms }, 'Falcon answered 429: pausing the run queue fleet-wide');
          await pauser().pauseFor(ms);
        },
      });
      const approvals = createApprovalStore(redis, keys, { groups: options.approverGroups ?? {} });
      return async (data, context) => {
        if (data.playbook.plan.children && data.child === undefined) {
          // A `children:` playbook's own run only starts one run per child CID (fan-out.ts).
          const tenant = runTenant(data);
          return fanOut(data, context.events, {
            parent: await clients.forRun(tenant, null),
            lockedToMember: tenants.get(tenant).memberCid,
            enqueue: (request) => enqueueRun(pauser(), records, request, clock, options.signingKey),
            now: () => clock.now(),
          });
        }
        const falcon = await clients.forRun(runTenant(data), data.child ?? null);
        const execute = createEngineExecutor({
          falcon,
          actions,
          logger,
          clock,
          approvals,
          ...(options.env ? { env: options.env } : {}),
          protectedHosts: options.protectedHostsFilter ? { filter: options.protectedHostsFilter } : null,
        });
        return execute(data, context);
      };
    },
  });
  return {
    records: worker.records,
    async close(graceMs) {
      await worker.close(graceMs);
      await producer?.close();
    },
  };
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
