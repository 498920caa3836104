/**
 * Which events a playbook's stream trigger wants, and how its runs are cut: per event, or batches
 * of up to batchSize events closed batchWindowMs after their first. Pure except for the `if:`
 * expression, which is compiled once per listener and evaluated with the playbook's expression engine.
 */
import type { CompiledPlaybook, CompiledTrigger } from '../playbook/compiled.ts';
import { type CompiledCondition, compileCondition } from '../playbook/index.ts';
import type { FeedEvent } from '../falcon/stream/index.ts';

export type StreamTrigger = Extract<CompiledTrigger, { type: 'stream' }>;

/** What a run of a stream trigger sees as `trigger` (and what the `if:` sees). */
export interface StreamEventData {
  partition: number;
  offset: number;
  metadata: unknown;
  event: unknown;
}

export interface StreamListener {
  plan: CompiledPlaybook;
  trigger: StreamTrigger;
  types: ReadonlySet<string>;
  /** The `if:`, compiled once for every event (null: no `if:`). */
  condition: CompiledCondition | null;
  /** The part of the `if:`'s context that is the same for every event. */
  run: { id: string; playbook: string; trigger: 'stream'; started_at: string };
}

/** The stream listeners of a set of playbooks (one per stream trigger). */
export function streamListeners(playbooks: readonly CompiledPlaybook[]): StreamListener[] {
  return playbooks.flatMap((plan) =>
    plan.triggers
      .filter((t): t is StreamTrigger => t.type === 'stream')
      .map((trigger) => ({
        plan,
        trigger,
        types: new Set(trigger.events),
        condition:
          trigger.if === null ? null : compileCondition(trigger.if, `stream trigger if of ${plan.name}`),
        run: { id: '', playbook: plan.name, trigger: 'stream' as const, started_at: '' },
      })),
  );
}

export function eventData(event: FeedEvent): StreamEventData {
  return {
    partition: event.partition,
    offset: event.offset,
    metadata: event.raw['metadata'],
    event: event.raw['event'],
  };
}

/**
 * The trigger data of one event read from a file (`talon run --event`, `talon test`): an event as
 * Event Streams delivers it (`{metadata, event}`), or the inner event alone. The offset comes from
 * metadata.offset; a file is partition 0.
 */
export function eventDataFromRaw(raw: unknown): StreamEventData {
  const record =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const whole = 'event' in record || 'metadata' in record;
  const metadata = whole ? (record['metadata'] ?? {}) : {};
  const offset = (metadata as Record<string, unknown>)['offset'];
  return {
    partition: 0,
    offset: typeof offset === 'number' ? offset : 0,
    metadata,
    event: whole ? record['event'] : raw,
  };
}

/**
 * True when `listener` wants `event`: its type is listed and the `if:` holds. An `if:` that fails to
 * evaluate counts as false (and is reported through `onError`): one odd event must not stop the stream.
 */
export function wants(
  listener: StreamListener,
  event: FeedEvent,
  data: StreamEventData,
  onError: (error: unknown) => void,
): boolean | Promise<boolean> {
  // The type is checked before any expression: most events of a busy tenant stop here.
  if (!listener.types.has(event.eventType)) return false;
  if (listener.condition === null) return true;
  const failed = (error: unknown) => {
    onError(error);
    return false;
  };
  try {
    const answer = listener.condition.test({
      inputs: NO_VALUES,
      steps: NO_VALUES,
      run: listener.run,
      trigger: data,
      env: NO_VALUES,
    });
    return typeof answer === 'boolean' ? answer : answer.catch(failed);
  } catch (error) {
    return failed(error);
  }
}

/** The empty inputs, steps and env of a stream `if:` (frozen: shared by every event). */
const NO_VALUES: Readonly<Record<string, never>> = Object.freeze({});
