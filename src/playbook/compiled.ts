/**
 * CONTRACT between the playbook compiler (src/playbook) and the engine, queue and triggers.
 * A CompiledPlaybook is what `compilePlaybook` returns after every check passed: immutable, plain
 * JSON (it travels inside job data and run records), with no functions. Expressions stay as text
 * (`${{ ... }}` inside strings) and are evaluated by the playbook module's `renderTemplate` /
 * `evaluateCondition` at run time, so a job can be re-run by any worker.
 * Change this file only together with every consumer.
 */

export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface CompiledInput {
  type: InputType;
  required: boolean;
  /** Present when the playbook gives a default. */
  default?: unknown;
  description?: string;
  enum?: readonly unknown[];
}

export type OverlapPolicy = 'skip' | 'queue';

export type CompiledTrigger =
  | { type: 'cron'; schedule: string; timezone: string | null; overlap: OverlapPolicy; tenant?: string }
  | { type: 'webhook'; path: string; secretEnv: string; tenant?: string }
  | {
      type: 'poll';
      /** The tenant this trigger's runs (and its polling) act in; absent = the playbook's. */
      tenant?: string;
      /** Operation id of a query operation (resolved from `uses`). */
      operationId: string;
      with: Readonly<Record<string, unknown>>;
      everyMs: number;
      /** Field of each returned entity whose maximum is the cursor (e.g. "created_timestamp"); null = dedupe by id. */
      cursor: string | null;
      /** 'item' starts one run per new id; 'batch' one run per poll with all new ids. */
      mode: 'item' | 'batch';
    }
  | {
      type: 'stream';
      /** Event types (metadata.eventType) this playbook listens to. */
      events: readonly string[];
      /** Expression text (no `${{ }}` wrapper) over `trigger` = {metadata, event, partition, offset}; null = every event. */
      if: string | null;
      /** 'event' starts one run per matching event; 'batch' one run per batch. */
      mode: 'event' | 'batch';
      batchSize: number;
      batchWindowMs: number;
    }
  | { type: 'manual' };

export interface CompiledRetry {
  /** Total attempts, including the first. 1 = no retry. */
  attempts: number;
  backoff: 'fixed' | 'exponential';
  delayMs: number;
}

/** What a step does: a Falcon operation or a built-in core action (core.log, core.set, core.fail...). */
export type CompiledAction =
  | { kind: 'falcon'; operationId: string; collection: string; write: boolean }
  | { kind: 'core'; name: string }
  /** An action that reaches another service (notify.slack, http.request...): src/actions. */
  | { kind: 'action'; name: string };

export interface CompiledStep {
  id: string;
  /** As written in the playbook (for messages). */
  uses: string;
  action: CompiledAction;
  /** The `with` map as written; strings may hold `${{ }}` templates. */
  with: Readonly<Record<string, unknown>>;
  /** Expression text without the `${{ }}` wrapper, or null. */
  if: string | null;
  foreach: { items: string; concurrency: number } | null;
  /** 'all' pages through a query operation; null = one call. */
  paginate: { maxItems: number | null } | null;
  /**
   * Falcon steps only: expression text (no `${{ }}` wrapper) that projects what the step keeps,
   * evaluated once per page or batch with `resources` bound to that answer's resources; null keeps
   * every resource as returned. Optional so plans compiled before `select` existed (still inside
   * queued job data) stay valid: absent means null.
   */
  select?: string | null;
  retry: CompiledRetry;
  timeoutMs: number | null;
  onError: 'fail' | 'continue';
  /** Source position of the step, for run-time messages. */
  line: number;
}

/**
 * Hosts response actions must never touch (docs/hosts.md, "Guard rails"): an FQL filter over
 * devices, grouping tags, host group ids, hostnames. A host matching any of them is protected.
 */
export interface ProtectedHosts {
  filter?: string;
  tags?: readonly string[];
  groups?: readonly string[];
  hostnames?: readonly string[];
}

export interface CompiledPlaybook {
  name: string;
  description: string;
  /** Path the playbook was loaded from (relative to the cwd when possible). */
  file: string;
  /** sha256 of the source text: a queued run pins the version it was enqueued with. */
  hash: string;
  triggers: readonly CompiledTrigger[];
  inputs: Readonly<Record<string, CompiledInput>>;
  /** Most items one write step may touch; null = no limit. */
  maxTargets: number | null;
  /** Most hosts the run's response actions may act on (limits.response_hosts); absent = the default of 10. */
  responseHosts?: number | null;
  /** The playbook's protected hosts (`protected_hosts`); absent = none of its own. */
  protectedHosts?: ProtectedHosts | null;
  /** Most runs of this playbook at once across the fleet; null = no limit. */
  concurrency: number | null;
  /** The tenant (TALON_TENANTS_FILE name) runs act in; absent or null = `default`. */
  tenant?: string | null;
  /** MSSP: one run per child CID of the tenant ('all', or these CIDs, lower case); absent or null = no fan-out. */
  children?: 'all' | readonly string[] | null;
  steps: readonly CompiledStep[];
  /** Output name -> template. */
  outputs: Readonly<Record<string, unknown>>;
  /** OAuth2 scopes the steps need, sorted. */
  scopes: readonly string[];
  /** Environment variables that expressions may read through `env`. */
  envAllowed: readonly string[];
}

/** The data expressions can see. Values from Falcon, webhooks and inputs are data, never evaluated. */
export interface ExpressionContext {
  inputs: Readonly<Record<string, unknown>>;
  /** Step id -> that step's output. */
  steps: Readonly<Record<string, unknown>>;
  run: { id: string; playbook: string; trigger: string; started_at: string };
  trigger: unknown;
  env: Readonly<Record<string, string>>;
  item?: unknown;
  index?: number;
  /** The resources of one page or batch, while a step's `select` is evaluated. */
  resources?: readonly unknown[];
}
