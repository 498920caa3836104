// Usage: tsx bench/retention.bench.ts [runs=100000] [sample=2000]
// Redis memory of finished runs with the shipped retention: `sample` runs of a one-step playbook (the
// engine, run records, checkpoints) give the bytes one finished run keeps in Redis; then the rest up
// to `runs` show where memory stands after that many runs, with nobody pruning. What bounds it, by
// count: BullMQ keeps at most 10,000 completed jobs (removeOnComplete), a succeeded run's checkpoints go
// with its final record, and the worker keeps the newest WORKER_DEFAULTS.keepFinishedRuns (10,000)
// finished run records, deleting older ones as it goes (run-retention.ts). Exits non-zero when more
// run records than the cap plus one trim interval per worker are left, or memory grew by more than
// 10% over the second half of the runs.
import { startLocalRedis } from '../src/local/index.ts';
import {
  connectRedis,
  cronRunId,
  openTalonQueue,
  startTalonWorker,
  TRIM_EVERY,
  WORKER_DEFAULTS,
} from '../src/queue/index.ts';
import { Secret } from '../src/shared/index.ts';
import { pollUntil, round } from './lib/stats.ts';
import { compileNoop } from './lib/noop-playbook.ts';
import { reportBench } from './report.ts';

const RUNS = Number(process.argv[2] ?? 100_000);
const SAMPLE = Math.min(RUNS, Number(process.argv[3] ?? 2000));
const server = await startLocalRedis();
const redis = connectRedis(server.url, 'producer');
const plan = compileNoop();
const prefix = 'retention';
const talon = openTalonQueue({ redisUrl: server.url, prefix });
const trigger = { type: 'manual' as const, at: Date.now(), source: 'bench', data: null };

async function usedMemory(): Promise<number> {
  const info = String(await redis.call('INFO', 'memory'));
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function runBatch(count: number, doneBefore: number): Promise<void> {
  for (let i = 0; i < count; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, () => talon.enqueue({ plan, inputs: {}, trigger })),
    );
  }
  const ok = await pollUntil(
    async () => ((await talon.records.stats())['runs_succeeded'] ?? 0) >= doneBefore + count,
    1_800_000,
    50,
  );
  if (!ok) throw new Error(`runs did not finish: ${JSON.stringify(await talon.queue.counts())}`);
}

const worker = startTalonWorker({
  redisUrl: server.url,
  prefix,
  // Never called: the step is a core action.
  falcon: {
    clientId: 'bench',
    clientSecret: new Secret('unused'),
    baseUrl: 'http://127.0.0.1:9',
    memberCid: null,
  },
});
// Warm-up (scripts loaded, first keys and stats created), not counted.
await runBatch(50, 0);
const start = await usedMemory();
const keysAtStart = Number(await redis.call('DBSIZE'));
await runBatch(SAMPLE, 50);
const afterSample = await usedMemory();
const keysPerRun = (Number(await redis.call('DBSIZE')) - keysAtStart) / SAMPLE;
const checkpointKeys = (await redis.call('KEYS', `${prefix}:run:*:cp`)) as unknown[];
const curve: Record<string, number> = { [String(SAMPLE + 50)]: round(afterSample / 1e6, 1) };
let done = SAMPLE + 50;
const step = Math.max(1, Math.ceil((RUNS - done) / 4));
const began = performance.now();
while (done < RUNS) {
  const count = Math.min(step, RUNS - done);
  await runBatch(count, done);
  done += count;
  curve[String(done)] = round((await usedMemory()) / 1e6, 1);
}
const seconds = (performance.now() - began) / 1000;
const afterAll = await usedMemory();
// Only the newest runs' memory matters from here: half way and at the end should be about the same.
const doneValues = Object.keys(curve).map(Number);
const halfWay = doneValues.find((n) => n >= RUNS / 2) ?? done;
const growthLastHalf = afterAll / ((curve[String(halfWay)] ?? 0) * 1e6) - 1;
const recordsKept = Number(await redis.call('ZCARD', talon.keys.runIndex()));
const finishedIndexed = Number(await redis.call('ZCARD', talon.keys.finishedRuns()));
// A cron, poll, webhook or stream run id is deterministic: its enqueue claim is kept 7 days (dedupe).
const claimKey = talon.keys.enqueueClaim(cronRunId('retention-bench', Date.now()));
await redis.call('SET', claimKey, '1', 'PX', 7 * 86_400_000);
const claimBytes = Number(await redis.call('MEMORY', 'USAGE', claimKey));
await redis.call('DEL', claimKey);
await worker.close();
await talon.close();
await redis.close();
await server.stop();

const cap = WORKER_DEFAULTS.keepFinishedRuns;
const bounded = recordsKept <= cap + 2 * TRIM_EVERY && (RUNS < 4 * cap || growthLastHalf <= 0.1);
reportBench('retention', {
  runs: done,
  sample: SAMPLE,
  redisBytesPerFinishedRun: round((afterSample - start) / SAMPLE),
  redisKeysPerFinishedRun: round(keysPerRun, 2),
  checkpointHashesLeftOfSucceededRuns: checkpointKeys.length,
  usedMemoryMbAfterRuns: round(afterAll / 1e6, 1),
  usedMemoryMbByRunsDone: curve,
  memoryGrowthOverLastHalf: round(growthLastHalf, 3),
  keepFinishedRuns: cap,
  runRecordsKept: recordsKept,
  finishedRunsIndexed: finishedIndexed,
  runsPerSecAfterSample: round((done - SAMPLE - 50) / Math.max(seconds, 0.001)),
  claimBytesPerDeterministicRunId: claimBytes,
  bound:
    'by count, nobody pruning: BullMQ keeps <= 10,000 completed jobs; checkpoints of succeeded runs go with their final record; the worker keeps the newest 10,000 finished run records (TALON_RUN_RETENTION_COUNT); deterministic run ids (cron, poll, webhook, stream) keep a claim 7 days',
  met: bounded,
});
if (!bounded) process.exitCode = 1;
