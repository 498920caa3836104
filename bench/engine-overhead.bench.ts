// Usage: tsx bench/engine-overhead.bench.ts [jobsPerRound=1000] [rounds=6]
// Engine overhead: the same number of no-op jobs through raw BullMQ (Talon's queue adapter with a
// handler that returns at once) and through Talon (enqueueRun + the run worker + the engine running a
// playbook of one core.set step, with run records and checkpoints in Redis), on the same Redis in the
// same process. Both use concurrency 4. Rounds alternate so drift on a noisy machine hits both.
// bullmq may only be imported in src/queue, so "raw BullMQ" is createRunQueue + startQueueWorker:
// BullMQ's Queue.add and Worker with nothing of Talon's in the handler.
// BENCH_BASELINE=<another checkout of Talon, e.g. a worktree of main> adds rounds of that checkout's
// Talon, alternating with this one's, so a change is measured before/after in one run under the same load.
import { join, resolve } from 'node:path';
import * as current from '../src/queue/index.ts';
import { createRunQueue, type RunWorker, startQueueWorker, startRunWorker } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { Secret } from '../src/shared/index.ts';
import { percentile, pollUntil, round } from './lib/stats.ts';
import { compileNoop } from './lib/noop-playbook.ts';
import { reportBench } from './report.ts';

const JOBS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 6);
const CONCURRENCY = 4;
const KEEP_FINISHED_RUNS = 100;

const redis = await startLocalRedis();

/** The Talon under test: this checkout's, or the baseline's (BENCH_BASELINE). */
interface TalonUnderTest {
  openTalonQueue: typeof current.openTalonQueue;
  startTalonWorker: typeof current.startTalonWorker;
  plan: ReturnType<typeof compileNoop>;
}
const thisTalon: TalonUnderTest = { ...current, plan: compileNoop() };
const baselineDir = process.env['BENCH_BASELINE'];
const baseline: TalonUnderTest | null =
  baselineDir === undefined
    ? null
    : {
        ...((await import(join(resolve(baselineDir), 'src/queue/index.ts'))) as typeof current),
        plan: (
          (await import(join(resolve(baselineDir), 'bench/lib/noop-playbook.ts'))) as {
            compileNoop: typeof compileNoop;
          }
        ).compileNoop(),
      };

interface Timing {
  enqueueMs: number;
  processMs: number;
  /** CPU time of this process and of redis-server over the round: what load on the machine distorts least. */
  cpuMs: number;
}

const probe = current.connectRedis(redis.url, 'producer');
/** CPU ms used so far by this process (producer, worker, engine) and by redis-server. */
async function cpuNow(): Promise<number> {
  const own = process.cpuUsage();
  const info = String(await probe.call('INFO', 'cpu'));
  const redisSeconds = ['used_cpu_user', 'used_cpu_sys']
    .map((field) => Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN))
    .reduce((a, b) => a + b, 0);
  return (own.user + own.system) / 1000 + redisSeconds * 1000;
}

/** N no-op jobs through BullMQ: add them all, then start a worker and wait until all completed. */
async function rawRound(prefix: string, jobs: number): Promise<Timing> {
  const queue = createRunQueue({ redisUrl: redis.url, prefix });
  const cpuStart = await cpuNow();
  const start = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, jobs - i) }, (_, k) => queue.add(`job-${i + k}`, { n: i + k })),
    );
  }
  const enqueued = performance.now();
  const worker = startQueueWorker({
    redisUrl: redis.url,
    prefix,
    concurrency: CONCURRENCY,
    handler: async () => ({ ok: true }),
    classify: () => ({ kind: 'fail', message: 'no-op job failed' }),
  });
  await waitCompleted(() => queue.counts(), jobs);
  const done = performance.now();
  await worker.close();
  await queue.close();
  return { enqueueMs: enqueued - start, processMs: done - enqueued, cpuMs: (await cpuNow()) - cpuStart };
}

/**
 * N Talon runs of the one-step playbook: enqueueRun each, then start a worker and wait. With
 * `engine: false` the run worker gets an executor that returns "succeeded" at once: the queue layer
 * alone (job validation, run records, fenced checkpoint store), to tell its cost from the engine's.
 */
async function talonRound(
  prefix: string,
  jobs: number,
  engine = true,
  under: TalonUnderTest = thisTalon,
): Promise<Timing> {
  const { plan } = under;
  const talon = under.openTalonQueue({ redisUrl: redis.url, prefix });
  const trigger = { type: 'manual' as const, at: Date.now(), source: 'bench', data: null };
  const cpuStart = await cpuNow();
  const start = performance.now();
  for (let i = 0; i < jobs; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, jobs - i) }, () => talon.enqueue({ plan, inputs: {}, trigger })),
    );
  }
  const enqueued = performance.now();
  const worker: RunWorker = engine
    ? under.startTalonWorker({
        redisUrl: redis.url,
        prefix,
        concurrency: CONCURRENCY,
        // Retention trims from the 100th finished run on: the steady state of a deployment past its cap
        // (10,000 by default), so its cost is in the figures. A baseline without retention ignores it.
        keepFinishedRuns: KEEP_FINISHED_RUNS,
        // Never called: the step is a core action. The client is built but never logs in.
        falcon: {
          clientId: 'bench',
          clientSecret: new Secret('unused'),
          baseUrl: 'http://127.0.0.1:9',
          memberCid: null,
        },
      })
    : startRunWorker({
        redisUrl: redis.url,
        prefix,
        concurrency: CONCURRENCY,
        createExecutor: () => async () => ({ status: 'succeeded', error: null, outputs: {} }),
      });
  await waitCompleted(() => talon.queue.counts(), jobs);
  const done = performance.now();
  const stats = await talon.records.stats();
  if (engine && (stats['runs_succeeded'] ?? 0) !== jobs) {
    throw new Error(`expected ${jobs} succeeded runs, stats say ${JSON.stringify(stats)}`);
  }
  await worker.close();
  await talon.close();
  return { enqueueMs: enqueued - start, processMs: done - enqueued, cpuMs: (await cpuNow()) - cpuStart };
}

async function waitCompleted(counts: () => Promise<Record<string, number>>, jobs: number): Promise<void> {
  let last: Record<string, number> = {};
  const ok = await pollUntil(
    async () => {
      last = await counts();
      if ((last['failed'] ?? 0) > 0) throw new Error(`jobs failed: ${JSON.stringify(last)}`);
      return (last['completed'] ?? 0) >= jobs;
    },
    300_000,
    20,
  );
  if (!ok) throw new Error(`jobs did not complete: ${JSON.stringify(last)}`);
}

function median(values: number[]): number {
  return percentile(values, 50);
}

// Warm-up, not counted: script loading, and V8 compiling the hot code of both sides. V8 optimizes a
// function only after many calls, and each run calls most of Talon's per-run functions once, so Talon
// reaches its steady speed only after a few thousand runs in a process. Measured in one process
// (2026-12-01), a fresh Talon worker per round of 1,000 runs took 1,034, 1,018, 912, 584, 671, 599 and
// 439 ms to process them, and 414-527 ms after 6,000 runs of warm-up; raw BullMQ, after 500 runs of
// warm-up, went from 422 to about 270 ms in four rounds. A worker runs for months: its steady state is
// what Talon costs.
// The warm-up rounds are as large as the measured ones, the same for each side, and their ratios are
// printed (warmupRoundRatios) so the climb stays visible.
const WARMUP_ROUNDS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? 5);
const warmupRatios: number[] = [];
for (let w = 0; w < WARMUP_ROUNDS; w++) {
  const rawWarm = await rawRound(`warm-raw-${w}`, JOBS);
  const talonWarm = await talonRound(`warm-talon-${w}`, JOBS);
  warmupRatios.push(
    round((rawWarm.enqueueMs + rawWarm.processMs) / (talonWarm.enqueueMs + talonWarm.processMs), 2),
  );
  await talonRound(`warm-queue-${w}`, JOBS, false);
  if (baseline) await talonRound(`warm-baseline-${w}`, JOBS, true, baseline);
}
const raw: Timing[] = [];
const talon: Timing[] = [];
const queueOnly: Timing[] = [];
const base: Timing[] = [];
for (let r = 0; r < ROUNDS; r++) {
  raw.push(await rawRound(`raw-${r}`, JOBS));
  // The baseline goes first in odd rounds, so neither side always follows the raw round.
  if (baseline && r % 2 === 1) base.push(await talonRound(`baseline-${r}`, JOBS, true, baseline));
  talon.push(await talonRound(`talon-${r}`, JOBS));
  if (baseline && r % 2 === 0) base.push(await talonRound(`baseline-${r}`, JOBS, true, baseline));
  queueOnly.push(await talonRound(`queue-${r}`, JOBS, false));
}
await probe.close();
await redis.stop();

const perSecond = (timings: Timing[], pick: (t: Timing) => number): number =>
  (JOBS * timings.length) / (timings.reduce((sum, t) => sum + pick(t), 0) / 1000);
const total = (t: Timing): number => t.enqueueMs + t.processMs;
const rawTotal = perSecond(raw, total);
const talonTotal = perSecond(talon, total);
const rawProcess = perSecond(raw, (t) => t.processMs);
const talonProcess = perSecond(talon, (t) => t.processMs);
reportBench('engine-overhead', {
  jobsPerRound: JOBS,
  rounds: ROUNDS,
  warmupRounds: WARMUP_ROUNDS,
  // Raw/Talon per warm-up round: Talon's code still being optimized by V8 (see the warm-up above).
  warmupRoundRatios: warmupRatios,
  concurrency: CONCURRENCY,
  keepFinishedRuns: KEEP_FINISHED_RUNS,
  rawBullmqRunsPerSec: round(rawTotal),
  talonRunsPerSec: round(talonTotal),
  ratio: round(talonTotal / rawTotal, 3),
  // Each round's own ratio (raw and Talon back to back): less exposed to load from other processes.
  medianRoundRatio: round(median(raw.map((r, i) => total(r) / total(talon[i] as Timing))), 3),
  roundRatios: raw.map((r, i) => round(total(r) / total(talon[i] as Timing), 2)),
  rawProcessOnlyPerSec: round(rawProcess),
  talonProcessOnlyPerSec: round(talonProcess),
  processOnlyRatio: round(talonProcess / rawProcess, 3),
  talonQueueLayerOnlyRunsPerSec: round(perSecond(queueOnly, total)),
  talonQueueLayerOnlyProcessPerSec: round(perSecond(queueOnly, (t) => t.processMs)),
  rawEnqueuePerSec: round(perSecond(raw, (t) => t.enqueueMs)),
  talonEnqueuePerSec: round(perSecond(talon, (t) => t.enqueueMs)),
  ...(baseline === null
    ? {}
    : {
        baseline: baselineDir,
        baselineRunsPerSec: round(perSecond(base, total)),
        baselineRatio: round(perSecond(base, total) / rawTotal, 3),
        baselineMedianRoundRatio: round(median(raw.map((r, i) => total(r) / total(base[i] as Timing))), 3),
        baselineRoundRatios: raw.map((r, i) => round(total(r) / total(base[i] as Timing), 2)),
        // This checkout against the baseline round by round (> 1: this one is faster).
        medianRoundSpeedupOverBaseline: round(
          median(base.map((b, i) => total(b) / total(talon[i] as Timing))),
          3,
        ),
      }),
  // CPU per 1,000 runs (this process + redis-server, median round) and raw/Talon: on a loaded machine
  // wall time swings with other processes, CPU time much less.
  rawCpuMsPer1000Runs: round(median(raw.map((t) => (t.cpuMs * 1000) / JOBS))),
  talonCpuMsPer1000Runs: round(median(talon.map((t) => (t.cpuMs * 1000) / JOBS))),
  cpuRatio: round(median(raw.map((r, i) => r.cpuMs / (talon[i] as Timing).cpuMs)), 3),
  ...(baseline === null
    ? {}
    : {
        baselineCpuMsPer1000Runs: round(median(base.map((t) => (t.cpuMs * 1000) / JOBS))),
        baselineCpuRatio: round(median(raw.map((r, i) => r.cpuMs / (base[i] as Timing).cpuMs)), 3),
      }),
  target: 'ratio >= 0.5',
  met: talonTotal / rawTotal >= 0.5,
});
