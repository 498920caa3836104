/**
 * Builds the CompiledPlaybook (the engine's contract, compiled.ts) from a document that passed every
 * check: defaults applied, names resolved to operation ids, durations in milliseconds, expressions
 * unwrapped, scopes collected, and the whole object frozen.
 */
import { findAction } from '../actions/registry.ts';
import { findOperation } from '../falcon/operations/index.ts';
import { parseDurationMs } from '../shared/index.ts';
import { compileSecretSlots } from './check-secrets.ts';
import { APPROVAL_USES } from './check-approval.ts';
import { resolveUses } from './check-steps.ts';
import type {
  CompiledAction,
  CompiledInput,
  CompiledPlaybook,
  CompiledStep,
  CompiledTrigger,
} from './compiled.ts';
import { unwrapExpression } from './expressions/evaluate.ts';
import type { InputDocument, PlaybookDocument, StepDocument, TriggerDocument } from './schema-types.ts';
import type { SourceMap } from './source-map.ts';

/** Default retry: one attempt (Falcon calls still get the client's own transport retries). */
const DEFAULT_RETRY = { attempts: 1, backoff: 'exponential', delayMs: 1000 } as const;

interface CompileContext {
  file: string;
  hash: string;
  map: SourceMap;
}

/** Converts a checked document into the frozen plan. */
export function toCompiledPlaybook(doc: PlaybookDocument, context: CompileContext): CompiledPlaybook {
  const steps = doc.steps.map((step, index) => toStep(step, context.map.position(`/steps/${index}`).line));
  const triggers = (doc.triggers ?? []).map(toTrigger);
  const scopes = new Set<string>();
  for (const step of steps) {
    if (step.action.kind === 'falcon') scopes.add(findOperation(step.action.operationId)?.scope ?? '');
    if (step.action.kind === 'action')
      for (const scope of findAction(step.action.name)?.declaration.falconScopes?.(step.with) ?? [])
        scopes.add(scope);
  }
  for (const trigger of triggers) {
    if (trigger.type === 'poll') scopes.add(findOperation(trigger.operationId)?.scope ?? '');
    if (trigger.type === 'stream') scopes.add(findOperation('listAvailableStreamsOAuth2')?.scope ?? '');
  }
  scopes.delete('');
  const inputs: Record<string, CompiledInput> = {};
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) inputs[name] = toInput(spec);
  const plan: CompiledPlaybook = {
    name: doc.name,
    description: doc.description ?? '',
    file: context.file,
    hash: context.hash,
    triggers: triggers.length > 0 ? triggers : [{ type: 'manual' }],
    inputs,
    maxTargets: doc.limits?.max_targets ?? null,
    responseHosts: doc.limits?.response_hosts ?? null,
    protectedHosts: doc.protected_hosts ?? null,
    concurrency: doc.concurrency ?? null,
    ...(doc.tenant === undefined ? {} : { tenant: doc.tenant }),
    ...(doc.children === undefined
      ? {}
      : { children: doc.children === 'all' ? 'all' : doc.children.map((cid) => cid.toLowerCase()) }),
    steps,
    outputs: (doc.outputs ?? {}) as Record<string, unknown>,
    scopes: [...scopes].sort(),
    envAllowed: [...(doc.env ?? [])],
  };
  return deepFreeze(structuredClone(plan));
}

function toInput(spec: InputDocument): CompiledInput {
  const input: CompiledInput = { type: spec.type, required: spec.required ?? false };
  if ('default' in spec) input.default = spec.default;
  if (spec.description !== undefined) input.description = spec.description;
  if (spec.enum !== undefined) input.enum = spec.enum;
  return input;
}

function toTrigger(trigger: TriggerDocument): CompiledTrigger {
  if ('cron' in trigger) {
    return {
      type: 'cron',
      schedule: trigger.cron,
      // Documented default: UTC, whatever time zone the scheduler's machine runs in.
      timezone: trigger.timezone ?? 'UTC',
      overlap: trigger.overlap ?? 'skip',
      ...(trigger.tenant === undefined ? {} : { tenant: trigger.tenant }),
    };
  }
  if ('webhook' in trigger) {
    return {
      type: 'webhook',
      path: trigger.webhook.path,
      secretEnv: trigger.webhook.secret_env,
      ...(trigger.tenant === undefined ? {} : { tenant: trigger.tenant }),
    };
  }
  if ('poll' in trigger) {
    const poll = trigger.poll;
    const withValues: Record<string, unknown> = { ...(poll.with ?? {}) };
    if (poll.filter !== undefined) withValues.filter = poll.filter;
    return {
      type: 'poll',
      operationId: findOperation(poll.uses)?.operationId ?? poll.uses,
      with: withValues,
      everyMs: parseDurationMs(poll.every, 'poll.every'),
      cursor: poll.cursor ?? null,
      mode: poll.mode ?? 'item',
      ...(trigger.tenant === undefined ? {} : { tenant: trigger.tenant }),
    };
  }
  if ('stream' in trigger) {
    const stream = trigger.stream;
    return {
      type: 'stream',
      events: [...stream.events],
      if: stream.if === undefined ? null : unwrapExpression(stream.if).trim(),
      mode: stream.mode ?? 'event',
      batchSize: stream.batch_size ?? 100,
      batchWindowMs:
        stream.batch_window === undefined
          ? 5000
          : parseDurationMs(stream.batch_window, 'stream.batch_window'),
    };
  }
  return { type: 'manual' };
}

function toAction(uses: string): CompiledAction {
  const resolved = resolveUses(uses);
  if (resolved && 'op' in resolved) {
    const op = resolved.op;
    return {
      kind: 'falcon',
      operationId: op.operationId,
      collection: op.collection,
      write: op.kind === 'write',
    };
  }
  const name = resolved && 'core' in resolved ? resolved.core : uses;
  // An approval touches only Talon's own store: a core step, not a call to another service.
  return name.startsWith('core.') || name === APPROVAL_USES
    ? { kind: 'core', name }
    : { kind: 'action', name };
}

function toStep(step: StepDocument, line: number): CompiledStep {
  return {
    id: step.id,
    uses: step.uses,
    action: toAction(step.uses),
    with: compileSecretSlots(step.uses.trim(), (step.with ?? {}) as Record<string, unknown>),
    if: toCondition(step.if),
    foreach: toForeach(step.foreach),
    paginate:
      step.paginate === undefined
        ? null
        : { maxItems: step.paginate === 'all' ? null : step.paginate.max_items },
    select: step.select === undefined ? null : unwrapExpression(step.select).trim(),
    retry: {
      attempts: step.retry?.attempts ?? DEFAULT_RETRY.attempts,
      backoff: step.retry?.backoff ?? DEFAULT_RETRY.backoff,
      delayMs:
        step.retry?.delay === undefined
          ? DEFAULT_RETRY.delayMs
          : parseDurationMs(step.retry.delay, 'retry.delay'),
    },
    timeoutMs: step.timeout === undefined ? null : parseDurationMs(step.timeout, 'timeout'),
    onError: step.on_error ?? 'fail',
    line,
  };
}

/** `true` (or no `if`) always runs; `false` becomes the expression `false`. */
function toCondition(condition: StepDocument['if']): string | null {
  if (condition === undefined || condition === true) return null;
  if (condition === false) return 'false';
  return unwrapExpression(condition).trim();
}

/** A literal list becomes its JSON text, which is also a JSONata expression yielding that list. */
function toForeach(foreach: StepDocument['foreach']): CompiledStep['foreach'] {
  if (foreach === undefined) return null;
  const items = typeof foreach === 'string' || isList(foreach) ? foreach : foreach.items;
  const concurrency = typeof foreach === 'string' || isList(foreach) ? 1 : (foreach.concurrency ?? 1);
  const text = typeof items === 'string' ? unwrapExpression(items).trim() : JSON.stringify(items ?? []);
  return { items: text, concurrency };
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
