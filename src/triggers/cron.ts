/**
 * The only importer of node-cron. Turns cron expressions into in-process timers that report the
 * scheduled slot of each tick; what a tick does (enqueue with a slot-derived run id) is the
 * scheduler's business. Several scheduler processes each fire every tick: the run id derived from
 * playbook + slot makes the enqueue idempotent, so the fleet starts one run per tick.
 */
import cron from 'node-cron';
import { SoarError } from '../shared/index.ts';

export interface CronTimer {
  /** Unique name (the playbook name). */
  name: string;
  expression: string;
  /** IANA timezone, or null for the process timezone. */
  timezone: string | null;
  /** Called with the scheduled slot (epoch ms, whole seconds) of each tick. */
  onTick(slotMs: number): Promise<void>;
  /** node-cron noticed a tick it could not fire in time (event loop blocked). */
  onMissed?(slotMs: number): void;
}

export interface CronTimers {
  stop(): Promise<void>;
}

/**
 * Checks a cron expression.
 * @throws SoarError SOAR_TRIGGERS_CRON_INVALID with node-cron's reason.
 */
export function assertCronExpression(expression: string, where: string): void {
  const result = cron.validateDetailed(expression);
  if (!result.valid) {
    const why = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new SoarError(
      'SOAR_TRIGGERS_CRON_INVALID',
      `${where}: "${expression}" is not a valid cron expression (${why})`,
    );
  }
}

/** Starts one node-cron task per timer. */
export function startCronTimers(timers: readonly CronTimer[]): CronTimers {
  const tasks = timers.map((timer) => {
    assertCronExpression(timer.expression, timer.name);
    const task = cron.createTask(timer.expression, (context) => timer.onTick(toSlot(context.date)), {
      name: `talon-${timer.name}`,
      ...(timer.timezone === null ? {} : { timezone: timer.timezone }),
      suppressMissedWarning: true,
    });
    task.on('execution:missed', (context) => timer.onMissed?.(toSlot(context.date)));
    task.start();
    return task;
  });
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
    },
  };
}

/**
 * The slots of `expression` in the half-open interval (fromMs, toMs), at most `max` of them: the ticks
 * nobody fired while every scheduler was down. Scans second by second for 6-field expressions and
 * minute by minute otherwise; the scan is bounded by `max` and by a day of seconds.
 */
export function slotsBetween(
  expression: string,
  timezone: string | null,
  fromMs: number,
  toMs: number,
  max = 1000,
): number[] {
  const task = cron.createTask(expression, () => undefined, timezone === null ? {} : { timezone });
  const hasSeconds = expression.trim().split(/\s+/).length === 6;
  const stepMs = hasSeconds ? 1000 : 60_000;
  const start = Math.floor(fromMs / stepMs) * stepMs + stepMs;
  const end = Math.min(toMs, start + 86_400 * stepMs);
  const out: number[] = [];
  for (let t = start; t < end && out.length < max; t += stepMs) {
    if (task.match(new Date(t))) out.push(t);
  }
  void task.destroy();
  return out;
}

function toSlot(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

/** The next slot of `expression` after `fromMs` (within the scan bound of slotsBetween), or null. */
export function nextSlot(expression: string, timezone: string | null, fromMs: number): number | null {
  return slotsBetween(expression, timezone, fromMs, Number.POSITIVE_INFINITY, 1)[0] ?? null;
}
