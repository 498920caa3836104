/**
 * The worker settings Talon ships: `talon worker`, docker-compose, the demo and the chaos suite all run
 * with exactly these (test/unit/shipped-defaults.test.ts keeps it so). Documented in docs/operations.md.
 *
 * - A job lock of 10 s, renewed every 5 s, and a stalled-job check every 5 s: a killed worker's runs are
 *   taken over within about 15 s. A worker that merely stalls past its lock (a long event-loop block) is
 *   fenced off by the lock check of every checkpoint write, so a takeover never applies a write twice.
 * - The stall budget: a run whose worker died (kill -9, OOM, a lost host) is resumed from its
 *   checkpoints up to 20 times; the 21st stall fails it with SOAR_QUEUE_STALLED (a run that kills every
 *   worker that takes it must stop somewhere), and `talon runs resume <id>` continues it from its
 *   checkpoints once the cause is fixed.
 */
export const WORKER_DEFAULTS = {
  /** Runs at once in one worker process. */
  concurrency: 4,
  /** Job lock lifetime; renewed at half of it. */
  lockDurationMs: 10_000,
  /** How often each worker looks for runs whose lock lapsed. */
  stalledIntervalMs: 5_000,
  /** Stall budget: times one run is resumed after its worker died before it fails. */
  maxStalledCount: 20,
  /** On SIGTERM, how long running runs may finish before they are handed back. */
  graceMs: 30_000,
  /**
   * Retention by count (TALON_RUN_RETENTION_COUNT): Redis keeps the newest this many succeeded or
   * cancelled runs and, counted apart so they are never pushed out by successes, the newest this many
   * failed runs; older ones are deleted with their checkpoints (run-retention.ts). Records also expire
   * 30 days after their last write.
   */
  keepFinishedRuns: 10_000,
} as const;
