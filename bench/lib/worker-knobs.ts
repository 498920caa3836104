/** Options of a worker child process (bench/lib/worker-process.ts) that `talon worker` does not expose. */
export interface WorkerKnobs {
  prefix: string;
  concurrency?: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** The fleet-wide Falcon budget the worker's Redis token bucket enforces. */
  falconPerMinute?: number;
  /** How long a SIGTERM waits for running runs. @default WORKER_DEFAULTS.graceMs */
  graceMs?: number;
}
