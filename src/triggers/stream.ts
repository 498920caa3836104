/**
 * The stream trigger: one Event Streams connection per tenant and partition for the whole fleet,
 * shared by every playbook with a `stream:` trigger, held by one scheduler at a time (stream-lease.ts).
 *
 * Exactly one run per matching event:
 *   1. the holder reads each partition from its committed offset + 1 and ignores anything at or
 *      below the committed offset (whether the feed's `offset` is inclusive is not documented);
 *   2. a matching event's run id is derived from playbook + partition + offset (a batch's from its
 *      first event, its last offset sealed in Redis before the enqueue), so enqueueing it twice, by a
 *      restarted holder or a stale one, is refused by Redis as a duplicate;
 *   3. only after the runs of a batch of events are enqueued is the offset committed, in a script
 *      that checks the lease, so a crash in between replays those events into duplicates, never gaps.
 * Sessions are refreshed at 9/10 of refreshActiveSessionInterval; any failure (dropped or stalled
 * feed, expired session, 429 on the list) reconnects with exponential backoff and full jitter.
 * Events created before the tenant's first stream start are not run (the feed keeps days of them).
 */
import { hostname } from 'node:os';
import {
  type FeedEvent,
  listStreams,
  readFeed,
  refreshDelayMs,
  refreshStream,
  type StreamApi,
  type StreamDescriptor,
} from '../falcon/stream/index.ts';
import { slugify, streamRunId, type TalonQueue } from '../queue/index.ts';
import {
  type Clock,
  type Logger,
  SoarError,
  silentLogger,
  systemClock,
  toSoarError,
} from '../shared/index.ts';
import { leaseStore, type StreamLease } from './stream-lease.ts';
import {
  eventData,
  type StreamEventData,
  type StreamListener,
  streamListeners,
  wants,
} from './stream-match.ts';
import type { CompiledPlaybook } from '../playbook/compiled.ts';

export interface StreamTriggerOptions {
  playbooks: readonly CompiledPlaybook[];
  talon: TalonQueue;
  api: StreamApi;
  /** Key of the tenant (member CID or client id): one lease and one set of offsets per tenant. */
  tenant: string;
  /** The appId the fleet lists streams with (1-32 alphanumerics). @default 'talon' */
  appId?: string;
  /** This process, in the lease value. @default host-pid-random */
  holderId?: string;
  /** Lease time to live; a standby takes over at most this long after the holder dies. @default 10000 */
  leaseMs?: number;
  /** No byte for this long = stalled feed: reconnect. @default 90000 */
  idleTimeoutMs?: number;
  /** First reconnect delay and cap (full jitter in between). @default 500 / 30000 */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Uniform [0, 1) for jitter (tests seed it). @default Math.random */
  random?: () => number;
  logger?: Logger;
  clock?: Clock;
}

/** What the holder reports (also kept in Redis for /healthz). */
export interface StreamStatus {
  state: 'standby' | 'connecting' | 'streaming' | 'stopped';
  holder: string | null;
  fence: number | null;
  /** Last committed offset per partition. */
  offsets: Record<string, number>;
  received: number;
  matched: number;
  receivedPerSecond: number;
  matchedPerSecond: number;
  /** now - eventCreationTime of the last event read, ms. */
  lagMs: number | null;
  reconnects: number;
  leaseChanges: number;
  lastError: string | null;
  updatedAt: number;
}

export interface StreamTriggerHandle {
  status(): StreamStatus;
  stop(): Promise<void>;
}

const STATUS_EVERY_MS = 1000;
/** Offsets are committed at most this often (and batches close on time at this tick). */
const COMMIT_EVERY_MS = 100;

/** Starts the stream trigger for the playbooks that have one (returns null when none has). */
export function startStreamTrigger(options: StreamTriggerOptions): StreamTriggerHandle | null {
  const listeners = streamListeners(options.playbooks);
  if (listeners.length === 0) return null;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const appId = options.appId ?? 'talon';
  const holder =
    options.holderId ?? `${hostname()}-${process.pid}-${Math.floor(random() * 1e9).toString(36)}`;
  const leaseMs = options.leaseMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 90_000;
  const base = options.backoffBaseMs ?? 500;
  const cap = options.backoffMaxMs ?? 30_000;
  const { talon } = options;
  const store = leaseStore(talon, options.tenant);
  const statusKey = talon.keys.streamStatus(options.tenant);
  const stopping = new AbortController();

  const status: StreamStatus = {
    state: 'standby',
    holder: null,
    fence: null,
    offsets: {},
    received: 0,
    matched: 0,
    receivedPerSecond: 0,
    matchedPerSecond: 0,
    lagMs: null,
    reconnects: 0,
    leaseChanges: 0,
    lastError: null,
    updatedAt: clock.now(),
  };
  let lastRates = { at: clock.now(), received: 0, matched: 0 };
  const publish = async (): Promise<void> => {
    const now = clock.now();
    const seconds = Math.max(0.001, (now - lastRates.at) / 1000);
    status.receivedPerSecond = Math.round((status.received - lastRates.received) / seconds);
    status.matchedPerSecond = Math.round((status.matched - lastRates.matched) / seconds);
    lastRates = { at: now, received: status.received, matched: status.matched };
    status.updatedAt = now;
    if (status.state === 'standby') return;
    await talon.redis
      .call('HSET', statusKey, 'json', JSON.stringify(status), 'updatedAt', now)
      .catch(() => undefined);
  };
  const statusTimer = setInterval(() => void publish(), STATUS_EVERY_MS);

  const sleep = (ms: number, signal: AbortSignal) => clock.sleep(ms, signal).catch(() => undefined);

  /** Events before this (epoch ms) are not run: fixed the first time any holder starts. */
  const epoch = async (): Promise<number> => {
    await talon.redis.call('HSETNX', statusKey, 'epoch', clock.now());
    return Number(await talon.redis.call('HGET', statusKey, 'epoch'));
  };

  const hold = async (lease: StreamLease, signal: AbortSignal): Promise<void> => {
    const startMs = await epoch();
    let attempt = 0;
    while (!signal.aborted) {
      status.state = 'connecting';
      let progressed = false;
      try {
        const streams = await listStreams(options.api, appId);
        if (streams.length === 0)
          throw new SoarError('SOAR_TRIGGERS_STREAM_FAILED', 'no event stream listed');
        const connection = new AbortController();
        const stopConnection = () => connection.abort();
        signal.addEventListener('abort', stopConnection, { once: true });
        try {
          // One partition ending (or failing) ends them all: the streams are listed again together.
          await Promise.race(
            streams.map((stream) =>
              readPartition(stream, lease, startMs, connection.signal, () => {
                progressed = true;
                attempt = 0;
              }).finally(stopConnection),
            ),
          );
        } finally {
          connection.abort();
          signal.removeEventListener('abort', stopConnection);
        }
      } catch (error) {
        if (signal.aborted || error instanceof LeaseLost) return;
        const failure = classify(error);
        status.lastError = failure.message;
        const level = failure.code === 'SOAR_TRIGGERS_STREAM_SCOPE' ? 'error' : 'warn';
        logger[level]({ code: failure.code, error: failure.message }, 'event stream failed; reconnecting');
      }
      if (signal.aborted) return;
      status.reconnects++;
      if (!progressed) attempt++;
      await sleep(Math.floor(random() * Math.min(cap, base * 2 ** Math.min(attempt, 20))), signal);
    }
  };

  const readPartition = async (
    stream: StreamDescriptor,
    lease: StreamLease,
    startMs: number,
    signal: AbortSignal,
    onProgress: () => void,
  ): Promise<void> => {
    const partition = stream.partition;
    let committed = await store.committed(partition);
    status.offsets[String(partition)] = committed;
    const batches = new BatchBook(listeners, partition);
    let chain: Promise<void> = Promise.resolve();
    const serialized = (work: () => Promise<void>) => {
      chain = chain.then(work);
      return chain;
    };
    // A failed refresh ends this connection: the streams are listed again (new sessions).
    const local = new AbortController();
    const stopLocal = () => local.abort();
    signal.addEventListener('abort', stopLocal, { once: true });
    let refreshFailed: string | null = null;
    const refresh = setInterval(() => {
      refreshStream(options.api, appId, partition).catch((error: unknown) => {
        refreshFailed = toSoarError(error).message;
        local.abort();
      });
    }, refreshDelayMs(stream));
    // Batches close on time too, not only when events arrive.
    const windowTimer = setInterval(() => {
      void serialized(() => flushAndCommit(false, 'now')).catch(() => undefined);
    }, COMMIT_EVERY_MS);
    let lastRead = committed;
    let committedAt = 0;
    // `due`: commit only if the last commit is COMMIT_EVERY_MS old. The runs are enqueued before
    // either way; committing per chunk read cost a Redis round trip per ~60 events and capped intake.
    // A crash replays at most that much more, and the replayed runs are refused as duplicates.
    const flushAndCommit = async (all: boolean, due: 'now' | 'when-due'): Promise<void> => {
      const now = clock.now();
      await batches.flush(talon, options.tenant, now, all);
      if (due === 'when-due' && now - committedAt < COMMIT_EVERY_MS) return;
      const target = Math.min(lastRead, batches.lowestPendingOffset() - 1);
      if (target > committed) {
        if (!(await store.commit(lease, partition, target))) throw new LeaseLost();
        committed = target;
        committedAt = now;
        status.offsets[String(partition)] = committed;
      }
    };
    const onBatch = (events: FeedEvent[]) =>
      serialized(async () => {
        onProgress();
        const now = clock.now();
        const enqueues: Promise<unknown>[] = [];
        for (const event of events) {
          if (event.offset <= committed || event.offset <= lastRead) continue;
          status.received++;
          if (event.createdAtMs !== null) status.lagMs = now - event.createdAtMs;
          lastRead = event.offset;
          if (event.createdAtMs !== null && event.createdAtMs < startMs) continue;
          const data = eventData(event);
          for (const listener of listeners) {
            // Most answers are synchronous (native `if:` or a type that is not listed): no await then.
            let wanted = wants(listener, event, data, (error) => reportIf(listener, error));
            if (typeof wanted !== 'boolean') wanted = await wanted;
            if (!wanted) continue;
            status.matched++;
            if (listener.trigger.mode === 'batch') batches.add(listener, data, now);
            else enqueues.push(enqueueEvent(listener, data, now));
          }
        }
        await Promise.all(enqueues);
        await flushAndCommit(false, 'when-due');
      });
    status.state = 'streaming';
    try {
      const end = await readFeed({
        descriptor: stream,
        offset: committed + 1,
        idleTimeoutMs,
        signal: local.signal,
        onBatch,
      });
      await chain;
      // What was read and enqueued is committed before the connection ends (not left to a replay).
      await serialized(() => flushAndCommit(false, 'now'));
      if (refreshFailed !== null)
        throw new SoarError(
          'SOAR_TRIGGERS_STREAM_FAILED',
          `partition ${partition}: session refresh failed: ${refreshFailed}`,
        );
      if (end === 'idle')
        throw new SoarError('SOAR_TRIGGERS_STREAM_FAILED', `partition ${partition} stalled`);
      if (end === 'ended') throw new SoarError('SOAR_TRIGGERS_STREAM_FAILED', `partition ${partition} ended`);
    } finally {
      signal.removeEventListener('abort', stopLocal);
      clearInterval(refresh);
      clearInterval(windowTimer);
      await chain.catch(() => undefined);
    }
  };

  const reportIf = (listener: StreamListener, error: unknown) => {
    logger.warn(
      { playbook: listener.plan.name, error: toSoarError(error).message },
      'stream trigger if: failed; event skipped for this playbook',
    );
  };

  const enqueueEvent = (listener: StreamListener, data: StreamEventData, now: number) =>
    talon.enqueue({
      plan: listener.plan,
      inputs: {},
      trigger: {
        type: 'stream',
        at: now,
        source: String((data.metadata as { eventType?: unknown })?.eventType ?? ''),
        data,
      },
      runId: streamRunId(listener.plan.name, data.partition, data.offset),
    });

  const run = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      let lease: StreamLease | null = null;
      try {
        lease = await store.tryAcquire(holder, leaseMs);
      } catch (error) {
        status.lastError = toSoarError(error).message;
      }
      if (!lease) {
        status.state = 'standby';
        await sleep(Math.floor(leaseMs / 3 + random() * (leaseMs / 6)), stopping.signal);
        continue;
      }
      status.holder = holder;
      status.fence = lease.fence;
      status.leaseChanges++;
      await talon.redis.call('HINCRBY', statusKey, 'leaseChanges', 1).catch(() => undefined);
      logger.info({ holder, fence: lease.fence }, 'stream lease taken');
      const held = new AbortController();
      const onStop = () => held.abort();
      stopping.signal.addEventListener('abort', onStop, { once: true });
      const current = lease;
      const renew = setInterval(
        () => {
          store
            .renew(current, leaseMs)
            .then((ok) => {
              if (!ok) held.abort();
            })
            .catch(() => undefined);
        },
        Math.max(50, Math.floor(leaseMs / 3)),
      );
      try {
        await hold(current, held.signal);
      } finally {
        clearInterval(renew);
        stopping.signal.removeEventListener('abort', onStop);
        await store.release(current).catch(() => undefined);
        status.holder = null;
        status.fence = null;
      }
    }
  };
  const running = run().catch((error: unknown) => {
    logger.error({ error: toSoarError(error).message }, 'stream trigger stopped');
  });

  return {
    status: () => ({ ...status, offsets: { ...status.offsets } }),
    async stop() {
      stopping.abort();
      await running;
      clearInterval(statusTimer);
      status.state = 'stopped';
      await publish();
    },
  };
}

/** The feed's read and this holder's lease went apart: stop reading, another holder has it. */
class LeaseLost extends Error {
  constructor() {
    super('the stream lease was lost; another scheduler holds it');
  }
}

function classify(error: unknown): SoarError {
  const soar = toSoarError(error);
  const status = (error as { status?: unknown })?.status;
  if (status === 403 || soar.code === 'SOAR_FALCON_FORBIDDEN') {
    return new SoarError(
      'SOAR_TRIGGERS_STREAM_SCOPE',
      'the Falcon API client may not read Event Streams: give it the "Event streams: Read" permission (scope streaming:read)',
      { cause: error },
    );
  }
  if (error instanceof LeaseLost) return new SoarError('SOAR_TRIGGERS_STREAM_FAILED', error.message);
  return soar.code.startsWith('SOAR_TRIGGERS_')
    ? soar
    : new SoarError('SOAR_TRIGGERS_STREAM_FAILED', soar.message, { cause: error });
}

/** The pending batches of batch-mode listeners on one partition. */
class BatchBook {
  private pending = new Map<StreamListener, { events: StreamEventData[]; openedAt: number }>();
  private readonly listeners: readonly StreamListener[];
  private readonly partition: number;

  constructor(listeners: readonly StreamListener[], partition: number) {
    this.listeners = listeners;
    this.partition = partition;
  }

  add(listener: StreamListener, data: StreamEventData, now: number): void {
    const batch = this.pending.get(listener);
    if (batch) batch.events.push(data);
    else this.pending.set(listener, { events: [data], openedAt: now });
  }

  /** Lowest offset still waiting in a batch (Infinity when none). */
  lowestPendingOffset(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const batch of this.pending.values()) lowest = Math.min(lowest, batch.events[0]?.offset ?? lowest);
    return lowest;
  }

  /** Enqueues every batch that is full or whose window has passed (or every batch with `all`). */
  async flush(talon: TalonQueue, tenant: string, now: number, all: boolean): Promise<void> {
    for (const listener of this.listeners) {
      const batch = this.pending.get(listener);
      if (!batch) continue;
      const { batchSize, batchWindowMs } = listener.trigger as { batchSize: number; batchWindowMs: number };
      while (
        batch.events.length >= batchSize ||
        (batch.events.length > 0 && (all || now - batch.openedAt >= batchWindowMs))
      ) {
        const take = batch.events.slice(0, batchSize);
        const first = take[0] as StreamEventData;
        // The batch starting at `first` is fixed once: a replay after a crash cuts it at the same place.
        const sealKey = talon.keys.streamBatchSeal(
          tenant,
          slugify(listener.plan.name),
          this.partition,
          first.offset,
        );
        const wanted = (take[take.length - 1] as StreamEventData).offset;
        await talon.redis.call('SET', sealKey, wanted, 'NX', 'PX', 7 * 86_400_000);
        const sealed = Number(await talon.redis.call('GET', sealKey));
        const events = take.filter((e) => e.offset <= sealed);
        await talon.enqueue({
          plan: listener.plan,
          inputs: {},
          trigger: {
            type: 'stream',
            at: now,
            source: listener.trigger.events.join(','),
            data: { partition: this.partition, first_offset: first.offset, last_offset: sealed, events },
          },
          runId: streamRunId(listener.plan.name, this.partition, first.offset),
        });
        batch.events.splice(0, events.length);
        batch.openedAt = now;
      }
      if (batch.events.length === 0) this.pending.delete(listener);
    }
  }
}

/** The stream state the holder last wrote (for /healthz), or null when no stream trigger ever ran. */
export async function readStreamStatus(
  talon: TalonQueue,
  tenant: string,
): Promise<(StreamStatus & { fleetLeaseChanges: number }) | null> {
  const raw = (await talon.redis.call('HGETALL', talon.keys.streamStatus(tenant))) as string[] | null;
  if (!raw || raw.length === 0) return null;
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), String(raw[i + 1]));
  const json = fields.get('json');
  if (json === undefined) return null;
  return {
    ...(JSON.parse(json) as StreamStatus),
    fleetLeaseChanges: Number(fields.get('leaseChanges') ?? 0),
  };
}
