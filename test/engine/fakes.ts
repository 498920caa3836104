/**
 * Hand-written FAKES of the engine's ports for pure unit tests of branching logic. Integration tests
 * (engine-emulator.test.ts) use the real emulator over HTTP and the real Falcon client instead.
 */
import type {
  Checkpoint,
  CheckpointStore,
  EnginePorts,
  FalconPort,
  FalconResult,
  RunEvents,
  RunStatus,
  StepRecord,
} from '../../src/engine/index.ts';
import type { CompiledPlaybook, CompiledStep } from '../../src/playbook/compiled.ts';
import { type Clock, SoarError, silentLogger } from '../../src/shared/index.ts';

export type Handler = (
  params: Record<string, unknown>,
  signal?: AbortSignal,
) => Promise<FalconResult> | FalconResult;

export interface FakeFalcon extends FalconPort {
  /** Every call and page request, in order. */
  log: { operation: string; params: Record<string, unknown> }[];
  callsTo(operation: string): Record<string, unknown>[];
  maxInFlight: number;
}

export function result(resources: unknown[], meta: Record<string, unknown> = {}, status = 200): FalconResult {
  return { status, resources, meta, errors: [], traceId: null };
}

/** A FalconPort FAKE: `handlers` answer by operationId; `pages` splits a handler's answer by `pageSize`. */
export function fakeFalcon(handlers: Record<string, Handler>, pageSize = 2): FakeFalcon {
  let inFlight = 0;
  const fake: FakeFalcon = {
    log: [],
    maxInFlight: 0,
    callsTo: (operation) => fake.log.filter((c) => c.operation === operation).map((c) => c.params),
    async call(operation, params, options) {
      fake.log.push({ operation, params });
      const handler = handlers[operation];
      if (!handler) throw new Error(`fake falcon: no handler for ${operation}`);
      inFlight += 1;
      fake.maxInFlight = Math.max(fake.maxInFlight, inFlight);
      try {
        // Yield once so concurrent calls really overlap.
        await Promise.resolve();
        return await handler(params, options?.signal);
      } finally {
        inFlight -= 1;
      }
    },
    async *pages(operation, params, options) {
      const handler = handlers[operation];
      if (!handler) throw new Error(`fake falcon: no handler for ${operation}`);
      const all = await handler(params, options?.signal);
      for (let i = 0; i === 0 || i < all.resources.length; i += pageSize) {
        fake.log.push({ operation, params: { ...params, offset: i } });
        yield { ...all, resources: all.resources.slice(i, i + pageSize) };
      }
    },
  };
  return fake;
}

/** A Falcon API error as the client raises it (status in details). */
export function apiError(status: number, retryable: boolean): SoarError {
  return new SoarError('SOAR_INTERNAL', `HTTP ${status} from fake falcon`, {
    details: { status },
    retryable,
  });
}

/** An in-memory CheckpointStore FAKE; `failSave` makes save throw (a crash or a lost lock). */
export class FakeCheckpointStore implements CheckpointStore {
  readonly checkpoints = new Map<string, Map<string, Checkpoint>>();
  readonly intents = new Map<string, Map<string, unknown>>();
  readonly order: string[] = [];
  failSave: ((key: string) => Error | null) | null = null;

  async load(runId: string): Promise<Map<string, Checkpoint>> {
    return new Map(this.checkpoints.get(runId) ?? []);
  }
  async save(runId: string, checkpoint: Checkpoint): Promise<void> {
    const failure = this.failSave?.(checkpoint.key);
    if (failure) throw failure;
    this.order.push(`save ${checkpoint.key}`);
    const run = this.checkpoints.get(runId) ?? new Map<string, Checkpoint>();
    run.set(checkpoint.key, structuredClone(checkpoint));
    this.checkpoints.set(runId, run);
  }
  async markIntent(runId: string, key: string, detail: unknown): Promise<void> {
    this.order.push(`intent ${key}`);
    const run = this.intents.get(runId) ?? new Map<string, unknown>();
    run.set(key, detail);
    this.intents.set(runId, run);
  }
  async pendingIntents(runId: string): Promise<Map<string, unknown>> {
    const done = this.checkpoints.get(runId) ?? new Map();
    return new Map([...(this.intents.get(runId) ?? [])].filter(([key]) => !done.has(key)));
  }
}

/** A RunEvents FAKE that keeps every record it is sent. */
export class FakeEvents implements RunEvents {
  readonly steps: StepRecord[] = [];
  finished: { status: RunStatus; outputs: Record<string, unknown>; error: unknown } | null = null;
  async runStarted(): Promise<void> {}
  async stepUpdated(_runId: string, step: StepRecord): Promise<void> {
    this.steps.push(step);
  }
  async runFinished(
    _runId: string,
    status: RunStatus,
    outputs: Record<string, unknown>,
    error: { code: string; message: string } | null,
  ): Promise<void> {
    this.finished = { status, outputs, error };
  }
}

/** A Clock FAKE: time moves only through advance(); sleeps resolve when their time comes. */
export class ManualClock implements Clock {
  nowMs = 1_700_000_000_000;
  readonly sleeps: number[] = [];
  private waiting: { until: number; resolve: () => void }[] = [];
  /** When true, sleeps resolve at once (retry backoff without driving the clock). */
  autoAdvance = true;

  now(): number {
    return this.nowMs;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (this.autoAdvance) {
      this.nowMs += ms;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = { until: this.nowMs + ms, resolve };
      this.waiting.push(entry);
      signal?.addEventListener('abort', () => {
        this.waiting = this.waiting.filter((w) => w !== entry);
        reject(signal.reason);
      });
    });
  }
  advance(ms: number): void {
    this.nowMs += ms;
    const due = this.waiting.filter((w) => w.until <= this.nowMs);
    this.waiting = this.waiting.filter((w) => w.until > this.nowMs);
    for (const w of due) w.resolve();
  }
}

export function ports(falcon: FalconPort, store = new FakeCheckpointStore(), clock = new ManualClock()) {
  const events = new FakeEvents();
  const all: EnginePorts = { falcon, checkpoints: store, events, clock, logger: silentLogger };
  return { ports: all, store, events, clock };
}

/** A compiled step with defaults; `uses` decides the action. */
export function step(id: string, uses: string, overrides: Partial<CompiledStep> = {}): CompiledStep {
  const [collection = '', name = ''] = uses.split('.');
  const writes = ['UpdateDetectsByIdsV2', 'PerformIncidentAction', 'indicator_create_v1', 'create_scan'];
  return {
    id,
    uses,
    action:
      collection === 'core'
        ? { kind: 'core', name: uses }
        : { kind: 'falcon', operationId: name, collection, write: writes.includes(name) },
    with: {},
    if: null,
    foreach: null,
    paginate: null,
    retry: { attempts: 1, backoff: 'fixed', delayMs: 1000 },
    timeoutMs: null,
    onError: 'fail',
    line: 1,
    ...overrides,
  };
}

export function playbook(steps: CompiledStep[], overrides: Partial<CompiledPlaybook> = {}): CompiledPlaybook {
  return {
    name: 'test-playbook',
    description: '',
    file: 'playbooks/test.yaml',
    hash: 'h',
    triggers: [{ type: 'manual' }],
    inputs: {},
    maxTargets: null,
    concurrency: null,
    steps,
    outputs: {},
    scopes: [],
    envAllowed: [],
    ...overrides,
  };
}

export const manualRun = (
  runId = 'run-1',
  extra: { dryRun?: boolean; inputs?: Record<string, unknown> } = {},
) => ({
  runId,
  inputs: extra.inputs ?? {},
  trigger: { type: 'manual', payload: null, at: 1_700_000_000_000 },
  ...(extra.dryRun === undefined ? {} : { dryRun: extra.dryRun }),
});

export function ids(n: number, prefix = 'ldt:'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
}
