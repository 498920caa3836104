// Event Streams trigger:
// - intake: a backlog of N detection events on the emulator's feed, read by the stream trigger with a
//   playbook whose if: matches 1% of them (offset % 100 = 0); events/s from the start of the read to
//   the commit of the last offset (each matching event enqueued as a run before its offset commits);
//   measured with the if: answered natively and, for the ratio, with an equal if: only jsonata runs;
// - latency: events created at a steady rate, every one matching, an idle worker (a child process):
//   event created (metadata.eventCreationTime) -> first step started (the run record), p50 and p99.
// Usage: tsx bench/stream.bench.ts [backlog=20000] [latencyRuns=200]
import { createFalconClient } from '../src/falcon/index.ts';
import { openTalonQueue, type RunRecord } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { startStreamTrigger } from '../src/triggers/index.ts';
import { spawnWorker } from './lib/children.ts';
import { percentile, pollUntil, round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { oneStepPlaybook } from './lib/one-step-playbook.ts';
import { reportBench } from './report.ts';

const BACKLOG = Number(process.argv[2] ?? 20_000);
const LATENCY_RUNS = Number(process.argv[3] ?? 200);

/** A playbook listening to detection events where `condition` holds, with one core step. */
function compile(condition: string, name: string) {
  return oneStepPlaybook(
    `{ stream: { events: [EppDetectionSummaryEvent], if: "\${{ ${condition} }}" } }`,
    name,
  );
}

const redis = await startLocalRedis();
const world = await startBenchWorld(redis.url, { sizes: { detections: 50 }, streamKeepAliveMs: 1000 });
const falcon = createFalconClient(world.falcon);

/**
 * Intake: a backlog of BACKLOG events read by a fresh trigger (the backlog is created after the
 * trigger's epoch: older events are history); events/s until the last offset is committed.
 */
async function intakeRun(condition: string, prefix: string) {
  world.emulator.admin.reset();
  const plan = compile(condition, prefix);
  const intakeTalon = openTalonQueue({ redisUrl: redis.url, prefix });
  await intakeTalon.redis.call('HSET', intakeTalon.keys.streamStatus('bench'), 'epoch', Date.now() - 1);
  for (let made = 0; made < BACKLOG; made += 5000)
    world.emulator.admin.createDetections(Math.min(5000, BACKLOG - made));
  const started = Date.now();
  const intake = startStreamTrigger({ playbooks: [plan], talon: intakeTalon, api: falcon, tenant: 'bench' });
  await pollUntil(
    async () =>
      Number(await intakeTalon.redis.call('GET', intakeTalon.keys.streamOffset('bench', 0))) >= BACKLOG,
    300_000,
    20,
  );
  const seconds = (Date.now() - started) / 1000;
  const matched = intake?.status().matched ?? null;
  await intake?.stop();
  const runs = (await intakeTalon.queue.counts())['waiting'] ?? 0;
  await intakeTalon.close();
  return { eventsPerSecond: Math.round(BACKLOG / seconds), matched, runs };
}

// The same 1% condition twice: as written (a plain expression, answered natively) and through a
// function call, which only jsonata evaluates: the ratio is what the native evaluator buys.
const intake = await intakeRun('trigger.offset % 100 = 0', 'stream-intake');
const intakeJsonata = await intakeRun('$number(trigger.offset) % 100 = 0', 'stream-intake-jsonata');

// Latency: every event matches; one idle worker.
world.emulator.admin.reset();
const latencyPlan = compile('true', 'stream-latency');
const prefix = 'stream-latency';
const talon = openTalonQueue({ redisUrl: redis.url, prefix });
const worker = spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), { prefix, concurrency: 4 });
await worker.ready;
const trigger = startStreamTrigger({ playbooks: [latencyPlan], talon, api: falcon, tenant: 'bench' });
await pollUntil(async () => trigger?.status().state === 'streaming', 30_000, 20);
await new Promise((resolve) => setTimeout(resolve, 300));
// The reset log numbers these events 1..N (core.set writes nothing to Falcon, so no audit events).
const createdAt = new Map<number, number>();
for (let i = 0; i < LATENCY_RUNS; i++) {
  createdAt.set(i + 1, Date.now());
  world.emulator.admin.createDetections(1);
  await new Promise((resolve) => setTimeout(resolve, 25));
}
let records: RunRecord[] = [];
await pollUntil(
  async () => {
    records = (await talon.records.list({ limit: 10_000 })).filter(
      (r) => r.trigger.type === 'stream' && r.steps[0]?.startedAt != null,
    );
    return records.length >= LATENCY_RUNS;
  },
  120_000,
  100,
);
const latencies = records.map((r) => {
  const offset = Number(/-o(\d+)$/.exec(r.runId)?.[1]);
  return (r.steps[0]?.startedAt ?? 0) - (createdAt.get(offset) ?? Number.NaN);
});
await trigger?.stop();
await worker.stop();
await talon.close();
await world.close();
await redis.stop();

const ms = (values: number[], p: number): number => round(percentile(values, p), 1);
reportBench('stream', {
  backlogEvents: BACKLOG,
  intakeEventsPerSecond: intake.eventsPerSecond,
  intakeTargetEventsPerSecond: 5000,
  intakeMatched: intake.matched,
  intakeRunsEnqueued: intake.runs,
  intakeJsonataIfEventsPerSecond: intakeJsonata.eventsPerSecond,
  intakeJsonataIfMatched: intakeJsonata.matched,
  intakeNativeOverJsonataRatio: round(intake.eventsPerSecond / intakeJsonata.eventsPerSecond, 2),
  latencyRuns: latencies.length,
  eventCreatedToFirstStepP50Ms: ms(latencies, 50),
  eventCreatedToFirstStepP99Ms: ms(latencies, 99),
  latencyTargetP99Ms: 250,
});
