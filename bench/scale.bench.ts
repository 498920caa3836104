// Scale: one run of the headline playbook (playbooks/triage-critical-detections.yaml) triaging
// 100,000 new detections against the emulator over HTTP. The worker is a child process (its RSS
// alone is measured: /proc VmHWM sampled by the parent, and the child's own maxRSS at exit); the
// emulator and Redis run outside it. Prints wall time, API calls per step (from the run record and
// from the emulator's counters), the number of update calls and the detections they changed.
// Changes to the playbook for the benchmark: limits.max_targets (500) is lifted, min_severity = 0 so
// every new detection counts; the emulator's per-minute budget is raised so the benchmark measures
// the engine, not the rate limit (bench/rate-limit.bench.ts measures that).
import { resolve } from 'node:path';
import { loadPlaybookFile } from '../src/playbook/index.ts';
import { openTalonQueue } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { spawnWorker } from './lib/children.ts';
import { pollUntil, round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { reportBench } from './report.ts';

const TARGET = Number(process.argv[2] ?? 100_000);
// About half of the seeded detections are 'new' (the emulator's status weights): seed twice as many.
const SEEDED = TARGET * 2;
const PLAYBOOK = resolve(import.meta.dirname, '../playbooks/triage-critical-detections.yaml');

const redis = await startLocalRedis();
const world = await startBenchWorld(redis.url, {
  seed: 11,
  sizes: { detections: SEEDED },
  rateLimitPerMinute: 10_000_000,
  requestLogSize: 0,
});
const loaded = await loadPlaybookFile(PLAYBOOK);
if (!loaded.playbook)
  throw new Error(`headline playbook does not compile: ${JSON.stringify(loaded.diagnostics)}`);
const plan = { ...loaded.playbook, maxTargets: null };

const figures: Record<string, unknown> = { detectionsSeeded: SEEDED };

/** Runs `runPlan` once on a fresh worker child and a freshly seeded emulator; adds figures under `label`. */
async function measure(label: string, runPlan: typeof plan): Promise<boolean> {
  world.emulator.admin.reset();
  const prefix = `scale-${label}`;
  const talon = openTalonQueue({ redisUrl: redis.url, prefix });
  const worker = spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), {
    prefix,
    concurrency: 1,
    falconPerMinute: 1_000_000,
    lockDurationMs: 60_000,
  });
  await worker.ready;
  const idleRssKb = worker.peakRssKb() ?? 0;
  const start = performance.now();
  const { runId } = await talon.enqueue({
    plan: runPlan,
    inputs: { min_severity: 0 },
    trigger: { type: 'manual', at: Date.now(), source: 'bench', data: null },
  });
  let peakKb = 0;
  let status = 'queued';
  const finished = await pollUntil(
    async () => {
      peakKb = Math.max(peakKb, worker.peakRssKb() ?? 0);
      status = (await talon.records.get(runId))?.status ?? 'unknown';
      return status === 'succeeded' || status === 'failed';
    },
    30 * 60_000,
    250,
  );
  const wallMs = performance.now() - start;
  const record = await talon.records.get(runId);
  const ownReportKb = await worker.stop();
  await talon.close();
  if (!finished || record === null)
    throw new Error(`run did not finish (status ${status})\n${worker.output()}`);
  const stats = world.emulator.admin.stats();
  const updateCalls = world.emulator.admin.audit().filter((a) => a.operationId === 'UpdateDetectsByIdsV2');
  const peakMb = Math.max(peakKb, ownReportKb ?? 0) / 1024;
  const out: Record<string, unknown> = {
    steps: runPlan.steps.map((s) => s.id).join(','),
    runStatus: record.status,
    runError: record.error?.message ?? null,
    detectionsTriaged: new Set(updateCalls.flatMap((a) => [...a.ids])).size,
    wallSeconds: round(wallMs / 1000, 1),
    updateCalls: updateCalls.length,
    apiCallsTotal: record.apiCalls,
    workerIdleRssMb: round(idleRssKb / 1024),
    workerPeakRssMb: round(peakMb),
    rssMet: peakMb < 300,
  };
  for (const step of record.steps) {
    out[`step ${step.id}`] =
      `${step.status}, ${step.apiCalls} calls, ${step.targets ?? '-'} targets, ${round((step.durationMs ?? 0) / 1000, 1)} s`;
  }
  out['emulatorCallsByOperation'] = stats.byOperation;
  out['emulator429s'] = stats.rateLimited;
  for (const [key, value] of Object.entries(out)) figures[`${label}.${key}`] = value;
  return record.status === 'succeeded';
}

// The whole headline chain, then its triage part alone (find, triage, incidents, tag), so a failure
// or a memory peak in the later steps (details, block) does not hide how the triage itself scales.
const headlineOk = await measure('headline', plan);
const triageSteps = new Set(['find', 'triage', 'incidents', 'tag']);
const triageOk = await measure('triageOnly', {
  ...plan,
  steps: plan.steps.filter((s) => triageSteps.has(s.id)),
  outputs: {},
});
await world.close();
await redis.stop();
figures['rssTarget'] = 'worker peak RSS < 300 MB';
reportBench('scale', figures);
if (!headlineOk || !triageOk) process.exitCode = 1;
