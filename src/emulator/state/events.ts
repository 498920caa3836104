/**
 * The Event Streams side of the emulated world: an append-only log per partition of the events a
 * real tenant would stream, each already serialized as the one line the data feed sends.
 *
 * Shape (docs/event-streams.md; falcon-integration-gateway fig/falcon/models.py reads
 * metadata.eventType, metadata.offset, metadata.eventCreationTime as epoch milliseconds and
 * event.Severity / event.SensorId): `{"metadata": {customerIDString, offset, eventType,
 * eventCreationTime, version}, "event": {...}}`. Offsets grow by one per partition from 1, so 0 means
 * "nothing seen yet" (gofalcon and falconjs send no `offset` for 0); `offset=N` on the feed is
 * inclusive (the first event sent is N).
 */

export interface StreamEventMetadata {
  customerIDString: string;
  offset: number;
  eventType: string;
  eventCreationTime: number;
  version: string;
}

export interface StreamEvent {
  partition: number;
  metadata: StreamEventMetadata;
  event: Readonly<Record<string, unknown>>;
  /** The JSON line the feed writes (without the newline). */
  line: string;
}

export type StreamListener = (event: StreamEvent) => void;

/** Oldest events are forgotten past this many per partition (a real feed keeps about a week). */
const MAX_EVENTS_PER_PARTITION = 2_000_000;

/** The event log of one tenant. */
export class EventLog {
  readonly partitions: number;
  private logs: StreamEvent[][];
  /** Offset of logs[p][0]. */
  private firstOffset: number[];
  private next = 0;
  private readonly listeners = new Set<StreamListener>();

  constructor(partitions = 1) {
    this.partitions = partitions;
    this.logs = Array.from({ length: partitions }, () => []);
    this.firstOffset = Array.from({ length: partitions }, () => 1);
  }

  /** Appends an event (partitions take turns) and tells every listener. */
  append(cid: string, eventType: string, event: Record<string, unknown>, nowMs: number): StreamEvent {
    const partition = this.next++ % this.partitions;
    const log = this.logs[partition] as StreamEvent[];
    const offset = (this.firstOffset[partition] as number) + log.length;
    const metadata: StreamEventMetadata = {
      customerIDString: cid,
      offset,
      eventType,
      eventCreationTime: nowMs,
      version: '1.0',
    };
    const entry: StreamEvent = { partition, metadata, event, line: JSON.stringify({ metadata, event }) };
    log.push(entry);
    if (log.length > MAX_EVENTS_PER_PARTITION) {
      const drop = log.length - MAX_EVENTS_PER_PARTITION;
      log.splice(0, drop);
      this.firstOffset[partition] = (this.firstOffset[partition] as number) + drop;
    }
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** Events of a partition from `offset` on (inclusive; 0 = from the oldest kept). */
  from(partition: number, offset: number): readonly StreamEvent[] {
    const log = this.logs[partition];
    if (!log) return [];
    const start = Math.max(0, offset - (this.firstOffset[partition] as number));
    return log.slice(start);
  }

  /** Events appended so far, over all partitions. */
  get size(): number {
    return this.logs.reduce((sum, log) => sum + log.length, 0);
  }

  /** Calls `listener` for every event appended from now on; returns the unsubscribe function. */
  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every event and starts the offsets at 1 again (a reset world is a new stream). */
  clear(): void {
    this.logs = this.logs.map(() => []);
    this.firstOffset = this.firstOffset.map(() => 1);
    this.next = 0;
  }
}
