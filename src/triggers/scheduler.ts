/**
 * The scheduler: starts the cron timers and poll triggers of the loaded playbooks and turns each tick
 * into an enqueue. Safe to run several times over (for availability): a cron tick's run id is derived
 * from playbook + slot and a poll item's from playbook + item id, so duplicates are refused in Redis.
 *
 * Records in `<prefix>:scheduler:events` (newest first, capped): ticks skipped by the overlap policy,
 * ticks node-cron missed while this process was busy, and ticks nobody fired while every scheduler was
 * down (found at start from the last fired slot). Missed ticks are recorded, not replayed: a burst of
 * stale runs after an outage is worse than one on-time run.
 */
import type { FalconPort } from '../engine/ports.ts';
import type { CompiledPlaybook, CompiledTrigger } from '../playbook/compiled.ts';
import { cronRunId, slugify, type TalonQueue } from '../queue/index.ts';
import { type Clock, type Logger, silentLogger, systemClock, toSoarError } from '../shared/index.ts';
import { slotsBetween, startCronTimers } from './cron.ts';
import { startPollTrigger } from './poll.ts';
import { startStreamTrigger, type StreamTriggerHandle, type StreamTriggerOptions } from './stream.ts';

type CronTrigger = Extract<CompiledTrigger, { type: 'cron' }>;
type PollTrigger = Extract<CompiledTrigger, { type: 'poll' }>;

export interface SchedulerOptions {
  playbooks: readonly CompiledPlaybook[];
  talon: TalonQueue;
  /** Needed when a playbook has a poll trigger (and for the stream, which reads the default tenant). */
  falcon?: FalconPort | null;
  /** The Falcon client of a named tenant, for poll triggers of playbooks that name one. */
  falconFor?: (tenant: string) => FalconPort;
  logger?: Logger;
  clock?: Clock;
  /** Settings of the stream trigger (tenant is required when a playbook has one). */
  stream?: Omit<StreamTriggerOptions, 'playbooks' | 'talon' | 'api' | 'logger' | 'clock'>;
}

export interface SchedulerEvent {
  type: 'skipped-overlap' | 'missed' | 'missed-while-down' | 'enqueue-failed';
  playbook: string;
  slot: number;
  detail: string;
}

export interface Scheduler {
  /** Cron schedules and poll triggers started. */
  readonly cron: number;
  readonly poll: number;
  /** The stream trigger, when a playbook has one. */
  readonly stream: StreamTriggerHandle | null;
  stop(): Promise<void>;
}

const EVENTS_KEPT = 1000;

/** Starts every cron and poll trigger of `playbooks`. */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { talon } = options;
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const record = async (event: SchedulerEvent): Promise<void> => {
    await talon.redis.call(
      'LPUSH',
      talon.keys.schedulerEvents(),
      JSON.stringify({ ...event, at: clock.now() }),
    );
    await talon.redis.call('LTRIM', talon.keys.schedulerEvents(), 0, EVENTS_KEPT - 1);
    if (event.type !== 'skipped-overlap') await talon.records.incrementStat(`cron_${event.type}`);
  };
  const crons = options.playbooks.flatMap((plan) =>
    plan.triggers.filter((t): t is CronTrigger => t.type === 'cron').map((trigger) => ({ plan, trigger })),
  );
  for (const { plan, trigger } of crons) await recordMissedWhileDown(options, plan, trigger, record);
  const timers = startCronTimers(
    crons.map(({ plan, trigger }) => ({
      name: plan.name,
      expression: trigger.schedule,
      timezone: trigger.timezone,
      onTick: (slotMs) => fireCron(options, plan, trigger, slotMs, record, logger),
      onMissed: (slotMs) => {
        void record({ type: 'missed', playbook: plan.name, slot: slotMs, detail: 'tick fired late' });
      },
    })),
  );
  const polls = options.playbooks.flatMap((plan) =>
    plan.triggers
      .filter((t): t is PollTrigger => t.type === 'poll')
      .map((trigger) => {
        const tenant = trigger.tenant ?? plan.tenant ?? null;
        const falcon =
          tenant !== null && options.falconFor !== undefined ? options.falconFor(tenant) : options.falcon;
        if (!falcon) throw new Error(`playbook "${plan.name}" has a poll trigger but no Falcon client`);
        return startPollTrigger({ plan, trigger, falcon, talon, logger, clock });
      }),
  );
  const wantsStream = options.playbooks.some((plan) => plan.triggers.some((t) => t.type === 'stream'));
  if (wantsStream && !options.falcon)
    throw new Error('a playbook has a stream trigger but the scheduler has no Falcon client');
  const stream =
    wantsStream && options.falcon
      ? startStreamTrigger({
          tenant: 'default',
          ...options.stream,
          playbooks: options.playbooks,
          talon,
          api: options.falcon,
          logger,
          clock,
        })
      : null;
  logger.info({ cron: crons.length, poll: polls.length, stream: stream !== null }, 'scheduler started');
  return {
    cron: crons.length,
    poll: polls.length,
    stream,
    async stop() {
      await timers.stop();
      for (const poll of polls) await poll.stop();
      await stream?.stop();
    },
  };
}

async function fireCron(
  options: SchedulerOptions,
  plan: CompiledPlaybook,
  trigger: CronTrigger,
  slotMs: number,
  record: (event: SchedulerEvent) => Promise<void>,
  logger: Logger,
): Promise<void> {
  const { talon } = options;
  try {
    await talon.redis.call('SET', talon.keys.cronLast(slugify(plan.name)), slotMs);
    const result = await talon.enqueue({
      plan,
      inputs: {},
      trigger: {
        type: 'cron',
        at: slotMs,
        source: trigger.schedule,
        data: { schedule: trigger.schedule, slot: slotMs },
      },
      runId: cronRunId(plan.name, slotMs),
      overlap: trigger.overlap,
      ...(trigger.tenant === undefined ? {} : { tenant: trigger.tenant }),
    });
    // Every scheduler counts the ticks it fired by outcome: 'added' once per tick fleet-wide,
    // 'duplicate' from the other schedulers, 'skipped' by the overlap policy.
    await talon.records.incrementStat(`cron_${result.outcome}`);
    if (result.outcome === 'skipped') {
      await record({
        type: 'skipped-overlap',
        playbook: plan.name,
        slot: slotMs,
        detail: `run ${result.blockingRunId ?? '?'} is still unfinished (overlap: skip)`,
      });
    }
    logger.info(
      { playbook: plan.name, slot: slotMs, runId: result.runId, outcome: result.outcome },
      'cron tick',
    );
  } catch (error) {
    const message = toSoarError(error).message;
    logger.error({ playbook: plan.name, slot: slotMs, error: message }, 'cron tick could not be enqueued');
    await record({ type: 'enqueue-failed', playbook: plan.name, slot: slotMs, detail: message }).catch(
      () => undefined,
    );
  }
}

async function recordMissedWhileDown(
  options: SchedulerOptions,
  plan: CompiledPlaybook,
  trigger: CronTrigger,
  record: (event: SchedulerEvent) => Promise<void>,
): Promise<void> {
  const { talon } = options;
  const last = Number(await talon.redis.call('GET', talon.keys.cronLast(slugify(plan.name))));
  if (!Number.isFinite(last) || last <= 0) return;
  const now = (options.clock ?? systemClock).now();
  // The slot being fired right now is not missed.
  const missed = slotsBetween(trigger.schedule, trigger.timezone, last, now - 1000);
  if (missed.length === 0) return;
  await record({
    type: 'missed-while-down',
    playbook: plan.name,
    slot: missed[0] ?? last,
    detail: `${missed.length} tick(s) between ${new Date(missed[0] ?? last).toISOString()} and ${new Date(
      missed[missed.length - 1] ?? last,
    ).toISOString()} were not fired (no scheduler running)`,
  });
}

/** The newest scheduler events (for `talon runs list --events` and tests). */
export async function readSchedulerEvents(talon: TalonQueue, limit = 50): Promise<SchedulerEvent[]> {
  const raw = await talon.redis.call('LRANGE', talon.keys.schedulerEvents(), 0, limit - 1);
  return (Array.isArray(raw) ? raw : []).map((line) => JSON.parse(String(line)) as SchedulerEvent);
}
