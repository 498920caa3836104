// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * The playbook JSON Schema (2020-12): the single source of truth for the playbook shape. The
 * TypeScript types (schema-types.ts derives them with FromSchema) and schemas/playbook.schema.json
 * (`npm run schema`) both come from this object, and a drift test fails when the JSON file is stale.
 * Definitions are inlined TS constants rather than `$ref`s so the type derivation stays simple.
 */

/** A human duration: 500ms, 30s, 5m, 1h, 2d. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
/** Step ids, usable as JSONata names in `steps.<id>` (a `-` needs backticks there, so prefer `_`). */
export const STEP_ID_PATTERN = '^[a-z][a-z0-9_-]*$';
export const NAME_PATTERN = '^[a-z][a-z0-9_-]*$';
export const INPUT_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const ENV_NAME_PATTERN = '^[A-Z_][A-Z0-9_]*$';
export const WEBHOOK_PATH_PATTERN = '^[a-z0-9][a-z0-9_/-]*$';

const duration = {
  type: 'string',
  pattern: DURATION_PATTERN,
  description: 'A duration: 500ms, 30s, 5m, 1h or 2d.',
} as const;

const freeMap = {
  type: 'object',
  description: 'Parameters by name; string values may hold ${{ }} expressions.',
} as const;

/** A tenant name of TALON_TENANTS_FILE (or `default`). */
export const TENANT_PATTERN = '^[a-z][a-z0-9_-]*$';

const tenantName = {
  type: 'string',
  pattern: TENANT_PATTERN,
  maxLength: 64,
  description: 'A tenant of TALON_TENANTS_FILE (or default, from FALCON_CLIENT_ID/SECRET).',
} as const;

const triggerTenant = {
  ...tenantName,
  description: "The tenant runs of this trigger act in; default: the playbook's tenant.",
} as const;

const cronTrigger = {
  type: 'object',
  description: 'Run on a schedule.',
  properties: {
    cron: { type: 'string', description: 'Cron expression, 5 fields (or 6 with seconds first).' },
    timezone: { type: 'string', description: 'IANA time zone, e.g. Europe/Berlin. Default: UTC.' },
    overlap: {
      type: 'string',
      enum: ['skip', 'queue'],
      description: 'When the previous run is still going: skip this one (default) or queue it.',
    },
    tenant: triggerTenant,
  },
  required: ['cron'],
  additionalProperties: false,
} as const;

const webhookTrigger = {
  type: 'object',
  description: 'Run when an HMAC-signed POST arrives at /hooks/<path>.',
  properties: {
    webhook: {
      type: 'object',
      properties: {
        path: { type: 'string', pattern: WEBHOOK_PATH_PATTERN, description: 'URL path under /hooks/.' },
        secret_env: {
          type: 'string',
          pattern: ENV_NAME_PATTERN,
          description:
            "Environment variable holding this route's HMAC secret (16+ characters; required, no shared default).",
        },
      },
      required: ['path', 'secret_env'],
      additionalProperties: false,
    },
    tenant: triggerTenant,
  },
  required: ['webhook'],
  additionalProperties: false,
} as const;

const pollTrigger = {
  type: 'object',
  description: 'Poll a Falcon query operation and run for what is new.',
  properties: {
    poll: {
      type: 'object',
      properties: {
        uses: { type: 'string', description: 'A query operation, e.g. alerts.query_alerts_v2.' },
        with: freeMap,
        filter: { type: 'string', description: 'FQL filter; shorthand for with.filter.' },
        every: duration,
        cursor: {
          type: 'string',
          description: 'Entity field whose maximum is remembered between polls; omit to dedupe by id.',
        },
        mode: {
          type: 'string',
          enum: ['item', 'batch'],
          description: 'item: one run per new id (default); batch: one run per poll with all new ids.',
        },
      },
      required: ['uses', 'every'],
      additionalProperties: false,
    },
    tenant: triggerTenant,
  },
  required: ['poll'],
  additionalProperties: false,
} as const;

/** Event types of the Falcon Event Streams API the checker knows (others are allowed with a warning). */
export const KNOWN_STREAM_EVENT_TYPES = [
  'EppDetectionSummaryEvent',
  'DetectionSummaryEvent',
  'IncidentSummaryEvent',
  'UserActivityAuditEvent',
  'AuthActivityAuditEvent',
  'RemoteResponseSessionStartEvent',
  'RemoteResponseSessionEndEvent',
  'CustomerIOCEvent',
  'IdpDetectionSummaryEvent',
  'XdrDetectionSummaryEvent',
] as const;

const streamTrigger = {
  type: 'object',
  description:
    'Run for events of the Falcon Event Streams API (one connection per tenant, shared by every listening playbook).',
  properties: {
    stream: {
      type: 'object',
      properties: {
        events: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9]*$' },
          description: 'Event types to listen to, e.g. EppDetectionSummaryEvent, UserActivityAuditEvent.',
        },
        if: {
          type: 'string',
          description:
            'Start a run only when this ${{ }} expression over the event is true (trigger.event, trigger.metadata).',
        },
        mode: {
          type: 'string',
          enum: ['event', 'batch'],
          description: 'event: one run per matching event (default); batch: one run per batch of them.',
        },
        batch_size: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          description: 'batch mode: most events per run (default 100).',
        },
        batch_window: {
          ...duration,
          description: 'batch mode: a batch is closed this long after its first event (default 5s).',
        },
      },
      required: ['events'],
      additionalProperties: false,
    },
  },
  required: ['stream'],
  additionalProperties: false,
} as const;

const manualTrigger = {
  type: 'object',
  description: 'Run only when asked (talon run).',
  properties: { manual: { type: 'boolean', const: true } },
  required: ['manual'],
  additionalProperties: false,
} as const;

const input = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['string', 'integer', 'number', 'boolean', 'array', 'object'] },
    default: { description: 'Value used when the run does not give one.' },
    required: { type: 'boolean', description: 'The run must give a value (default false).' },
    description: { type: 'string' },
    enum: { type: 'array', minItems: 1, description: 'The allowed values.' },
  },
  required: ['type'],
  additionalProperties: false,
} as const;

const retry = {
  type: 'object',
  properties: {
    attempts: {
      type: 'integer',
      minimum: 1,
      maximum: 20,
      description: 'Total attempts including the first.',
    },
    backoff: { type: 'string', enum: ['fixed', 'exponential'] },
    delay: duration,
  },
  additionalProperties: false,
} as const;

const foreach = {
  anyOf: [
    { type: 'string', description: 'A ${{ }} expression giving the items.' },
    { type: 'array', description: 'A literal list of items.' },
    {
      type: 'object',
      properties: {
        items: { anyOf: [{ type: 'string' }, { type: 'array' }], description: 'The items.' },
        concurrency: { type: 'integer', minimum: 1, maximum: 100, description: 'Items run at once.' },
      },
      additionalProperties: false,
    },
  ],
  description: 'Run the step once per item; `item` and `index` hold the current one.',
} as const;

const paginate = {
  anyOf: [
    { type: 'string', const: 'all' },
    {
      type: 'object',
      properties: { max_items: { type: 'integer', minimum: 1 } },
      required: ['max_items'],
      additionalProperties: false,
    },
  ],
  description: 'Page through a query operation: all, or stop after max_items.',
} as const;

/** An approver: a user name, or `group:<name>` (groups come from TALON_APPROVER_GROUPS). */
export const APPROVER_PATTERN = '^(group:)?[A-Za-z0-9][A-Za-z0-9_.@-]*$';
/** A choice an approver can make. */
export const CHOICE_PATTERN = '^[a-z][a-z0-9_]*$';

const approverList = {
  anyOf: [
    {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', description: 'A user name, group:<name>, or a ${{ }} expression.' },
    },
    { type: 'string', description: 'A ${{ }} expression giving a list of names (or one name).' },
  ],
} as const;

const timeoutPolicy = {
  type: 'string',
  enum: ['deny', 'approve', 'fail'],
} as const;

/** The `with` of `uses: approval` (checked by the schema so editors complete it too). */
const approvalWith = {
  type: 'object',
  description: 'An approval: the run waits (holding no worker) until people decide or the timeout.',
  properties: {
    prompt: { type: 'string', description: 'What the approvers read; may hold ${{ }} expressions.' },
    approvers: { ...approverList, description: 'Who may decide: user names and group:<name> entries.' },
    choices: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', pattern: CHOICE_PATTERN },
      description: 'Choices besides approve and deny (e.g. contain_only).',
    },
    min_approvals: {
      type: 'integer',
      minimum: 1,
      maximum: 10,
      description:
        'Distinct approvers who must pick the same choice (2 = two-person rule); one deny decides. Default 1.',
    },
    require_reason: { type: 'boolean', description: 'Every decision must give a reason. Default false.' },
    timeout: { ...duration, description: 'How long to wait for a decision. Default 24h.' },
    on_timeout: {
      anyOf: [
        { ...timeoutPolicy, description: 'deny (default), approve, or fail the step.' },
        {
          type: 'object',
          description: 'Ask other approvers for a while longer, then apply `then`.',
          properties: {
            escalate: { ...approverList, description: 'Approvers added when the timeout passes.' },
            timeout: {
              ...duration,
              description: 'How long the escalation waits. Default: the step timeout.',
            },
            // biome-ignore lint/suspicious/noThenProperty: a playbook field, not a thenable.
            then: {
              ...timeoutPolicy,
              description: 'What happens when the escalation times out. Default deny.',
            },
          },
          required: ['escalate'],
          additionalProperties: false,
        },
      ],
      description: 'What happens when no decision arrives in time.',
    },
  },
  required: ['prompt', 'approvers'],
  additionalProperties: false,
} as const;

const step = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: STEP_ID_PATTERN, description: 'Unique id; later steps read steps.<id>.' },
    name: { type: 'string', description: 'A human title.' },
    uses: {
      type: 'string',
      description: 'collection.operation (e.g. detects.query_detects), core.<action>, or approval.',
    },
    with: freeMap,
    if: {
      anyOf: [{ type: 'string' }, { type: 'boolean' }],
      description: 'Run only when this ${{ }} expression is true; `false` turns the step off.',
    },
    foreach,
    paginate,
    select: {
      type: 'string',
      description:
        'Falcon steps: a ${{ }} expression over `resources` (one page or batch) giving what the step keeps; arrays are concatenated.',
    },
    retry,
    timeout: duration,
    on_error: { type: 'string', enum: ['fail', 'continue'], description: 'Default fail.' },
  },
  required: ['id', 'uses'],
  additionalProperties: false,
  // `uses: approval` takes a structured `with` (docs/playbooks.md, "Approval steps").
  if: { properties: { uses: { const: 'approval' } }, required: ['uses'] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword.
  then: { properties: { with: approvalWith }, required: ['with'] },
} as const;

/** The playbook schema. */
export const PLAYBOOK_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://talon.local/schemas/playbook.schema.json',
  title: 'Talon playbook',
  description: 'A Talon SOAR playbook: triggers, inputs and steps against the CrowdStrike Falcon API.',
  type: 'object',
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN, maxLength: 64, description: 'Unique playbook name.' },
    description: { type: 'string' },
    triggers: {
      type: 'array',
      items: { oneOf: [cronTrigger, webhookTrigger, pollTrigger, streamTrigger, manualTrigger] },
      description: 'What starts a run; a playbook can always be run by hand.',
    },
    inputs: {
      type: 'object',
      propertyNames: { pattern: INPUT_NAME_PATTERN },
      additionalProperties: input,
      description: 'Run parameters, read as inputs.<name>.',
    },
    limits: {
      type: 'object',
      properties: {
        max_targets: { type: 'integer', minimum: 1, description: 'Most items one write step may touch.' },
        response_hosts: {
          type: 'integer',
          minimum: 1,
          maximum: 100000,
          description:
            'Most hosts the response actions of one run (contain, host actions, RTR) may act on; default 10. Raise it only on purpose.',
        },
      },
      additionalProperties: false,
    },
    protected_hosts: {
      type: 'object',
      description:
        'Hosts response actions must never contain or change (RTR read-only commands excepted); added to TALON_PROTECTED_HOSTS.',
      properties: {
        filter: {
          type: 'string',
          minLength: 1,
          description: "FQL over devices, e.g. product_type_desc:'Domain Controller'.",
        },
        tags: {
          type: 'array',
          items: { type: 'string', pattern: '^FalconGroupingTags/.+' },
          uniqueItems: true,
          description: 'Falcon grouping tags (FalconGroupingTags/<name>).',
        },
        groups: {
          type: 'array',
          items: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
          uniqueItems: true,
          description: 'Host group ids.',
        },
        hostnames: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      },
      additionalProperties: false,
    },
    concurrency: { type: 'integer', minimum: 1, description: 'Most runs of this playbook at once.' },
    tenant: {
      ...tenantName,
      description:
        'The Falcon tenant this playbook acts in: a name of TALON_TENANTS_FILE; default: default (FALCON_CLIENT_ID/SECRET).',
    },
    children: {
      description:
        "MSSP: run once per child CID of the tenant (a parent's API client), each run with a token locked to that child: all, or a list of child CIDs.",
      oneOf: [
        { type: 'string', const: 'all' },
        {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
        },
      ],
    },
    env: {
      type: 'array',
      items: { type: 'string', pattern: ENV_NAME_PATTERN },
      uniqueItems: true,
      description: 'Environment variables expressions may read as env.<NAME>.',
    },
    steps: { type: 'array', minItems: 1, items: step },
    outputs: { type: 'object', description: 'Run outputs by name; values may hold ${{ }} expressions.' },
  },
  required: ['name', 'steps'],
  additionalProperties: false,
} as const;
