// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
// Event Streams trigger:
// - intake: a backlog of N detection events on the emulator's feed, read by the stream trigger with a
//   playbook whose if: matches 1% of them (offset % 100 = 0); events/s from the start of the read to
//   the commit of the last offset (each matching event enqueued as a run before its offset commits);
//   measured with the if: answered natively and, for the ratio, with an equal if: only jsonata runs;
// - latency: events created at a steady rate, every one matching, an idle worker (a child process):
//   event created (metadata.eventCreationTime) -> first step started (the run record), p50 and p99.
// - containment: a stream playbook containing each new detection's host: event created -> the
//   emulator's audit entry of that containment, p50 and p99 (hosts already contained or protected
//   are not contained again, so fewer hosts than events may count: the world has HOSTS hosts so that
//   nearly every event is a new host and the percentiles rest on about as many samples as events).
// Usage: tsx bench/stream.bench.ts [backlog=20000] [latencyRuns=200] [containEvents=100]
import { createFalconClient } from '../src/falcon/index.ts';
import { openTalonQueue, type RunRecord } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { startStreamTrigger } from '../src/triggers/index.ts';
import { compilePlaybookSource } from '../src/playbook/index.ts';
import { spawnWorker } from './lib/children.ts';
import { percentile, pollUntil, round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { oneStepPlaybook } from './lib/one-step-playbook.ts';
import { reportBench } from './report.ts';

const BACKLOG = Number(process.argv[2] ?? 20_000);
const LATENCY_RUNS = Number(process.argv[3] ?? 200);
const CONTAIN_RUNS = Number(process.argv[4] ?? 100);
/** Hosts of the world: with 10 (the default for 50 detections) most events hit a host contained already. */
const HOSTS = 5000;

/** A playbook listening to detection events where `condition` holds, with one core step. */
function compile(condition: string, name: string) {
  return oneStepPlaybook(
    `{ stream: { events: [EppDetectionSummaryEvent], if: "\${{ ${condition} }}" } }`,
    name,
  );
}

const redis = await startLocalRedis();
const world = await startBenchWorld(redis.url, {
  sizes: { detections: 50, hosts: HOSTS },
  streamKeepAliveMs: 1000,
});
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

// Containment: a stream-triggered playbook that contains the host of each new detection (as
// playbooks/contain-critical-alert-host.yaml does for a webhook): event created
// (metadata.eventCreationTime) -> the emulator's audit entry of the contain action for that host.
world.emulator.admin.reset();
const containPlan = compilePlaybookSource(
  [
    'name: stream-contain',
    'triggers: [{ stream: { events: [EppDetectionSummaryEvent] } }]',
    'limits: { response_hosts: 1 }',
    'protected_hosts: { tags: [FalconGroupingTags/domain-controller] }',
    'steps:',
    '  - id: contain',
    '    uses: hosts.perform_action',
    '    with: { action_name: contain, ids: ["${{ trigger.event.AgentId }}"] }',
  ].join('\n'),
  'stream-contain.yaml',
).playbook;
if (!containPlan) throw new Error('stream-contain does not compile');
const containTalon = openTalonQueue({ redisUrl: redis.url, prefix: 'stream-contain' });
const containWorker = spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), {
  prefix: 'stream-contain',
  concurrency: 4,
});
await containWorker.ready;
const containTrigger = startStreamTrigger({
  playbooks: [containPlan],
  talon: containTalon,
  api: falcon,
  tenant: 'bench',
});
await pollUntil(async () => containTrigger?.status().state === 'streaming', 30_000, 20);
await new Promise((resolve) => setTimeout(resolve, 300));
// Detection ids are ldt:<device id>:<number>; a detection is created at the emulator's now.
const firstEventOfHost = new Map<string, number>();
for (let i = 0; i < CONTAIN_RUNS; i++) {
  const created = Date.now();
  const [detectionId] = world.emulator.admin.createDetections(1);
  const host = String(detectionId).split(':')[1] ?? '';
  if (!firstEventOfHost.has(host)) firstEventOfHost.set(host, created);
  await new Promise((resolve) => setTimeout(resolve, 50));
}
let finished: RunRecord[] = [];
await pollUntil(
  async () => {
    finished = (await containTalon.records.list({ limit: 10_000 })).filter(
      (r) => r.trigger.type === 'stream' && r.finishedAt != null,
    );
    return finished.length >= CONTAIN_RUNS;
  },
  120_000,
  100,
);
// First contain audit entry per host (a host seen twice was contained by its first event).
const containedAt = new Map<string, number>();
for (const entry of world.emulator.admin.audit()) {
  if (entry.action !== 'contain') continue;
  for (const id of entry.ids) if (!containedAt.has(id)) containedAt.set(id, Date.parse(entry.at));
}
const containLatencies: number[] = [];
for (const [host, created] of firstEventOfHost) {
  const at = containedAt.get(host);
  if (at !== undefined) containLatencies.push(at - created);
}
await containTrigger?.stop();
await containWorker.stop();
await containTalon.close();
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
  containEvents: CONTAIN_RUNS,
  containDistinctHosts: firstEventOfHost.size,
  containHostsContained: containLatencies.length,
  eventCreatedToContainmentP50Ms: ms(containLatencies, 50),
  eventCreatedToContainmentP99Ms: ms(containLatencies, 99),
});
