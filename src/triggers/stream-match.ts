/**
 * Which events a playbook's stream trigger wants, and how its runs are cut: per event, or batches
 * of up to batchSize events closed batchWindowMs after their first. Pure except for the `if:`
 * expression, which is evaluated with the playbook's own expression engine.
 */
import type { CompiledPlaybook, CompiledTrigger } from '../playbook/compiled.ts';
import { evaluateCondition } from '../playbook/index.ts';
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
}

/** The stream listeners of a set of playbooks (one per stream trigger). */
export function streamListeners(playbooks: readonly CompiledPlaybook[]): StreamListener[] {
  return playbooks.flatMap((plan) =>
    plan.triggers
      .filter((t): t is StreamTrigger => t.type === 'stream')
      .map((trigger) => ({ plan, trigger, types: new Set(trigger.events) })),
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
export async function wants(
  listener: StreamListener,
  event: FeedEvent,
  data: StreamEventData,
  onError: (error: unknown) => void,
): Promise<boolean> {
  if (!listener.types.has(event.eventType)) return false;
  const condition = listener.trigger.if;
  if (condition === null) return true;
  try {
    return await evaluateCondition(
      condition,
      {
        inputs: {},
        steps: {},
        run: { id: '', playbook: listener.plan.name, trigger: 'stream', started_at: '' },
        trigger: data,
        env: {},
      },
      `stream trigger if of ${listener.plan.name}`,
    );
  } catch (error) {
    onError(error);
    return false;
  }
}
