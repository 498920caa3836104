// Trigger latency: how long from a trigger to the first step of its run starting, with an idle worker
// (a child process) waiting on the queue.
// - Webhook: signed POSTs to the real server (startTalonServer); "received" is the time the server
//   stamped on the trigger (trigger.at), and the bench also reports from the moment the POST was sent.
// - Cron: the scheduler with a every-second schedule; the tick is the cron slot (trigger.at).
// "First step started" is the first step's startedAt in the run record, written by the worker.
// Usage: tsx bench/trigger-latency.bench.ts [webhooks=200] [cronSeconds=30]
import { resolveInputs } from '../src/engine/index.ts';
import { openTalonQueue, type RunRecord, type TalonQueue } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { startTalonServer } from '../src/server/index.ts';
import { Secret } from '../src/shared/index.ts';
import { startScheduler, webhookHeaders, webhookRoutes } from '../src/triggers/index.ts';
import { spawnWorker } from './lib/children.ts';
import { percentile, pollUntil, round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { oneStepPlaybook } from './lib/one-step-playbook.ts';
import { reportBench } from './report.ts';

const WEBHOOKS = Number(process.argv[2] ?? 200);
const CRON_SECONDS = Number(process.argv[3] ?? 30);

const compile = oneStepPlaybook;

const hookPlan = compile('{ webhook: { path: latency } }', 'hook-latency');
const cronPlan = compile('{ cron: "* * * * * *", overlap: queue }', 'cron-latency');

const redis = await startLocalRedis();
const world = await startBenchWorld(redis.url);
const prefix = 'latency';
const talon = openTalonQueue({ redisUrl: redis.url, prefix });
const secret = new Secret(world.webhookSecret);
const server = await startTalonServer({
  talon,
  tokens: async () => [],
  // One sender on loopback sends every webhook: lift the per-address limit out of the measurement.
  rateLimit: { requestsPerWindow: 1_000_000 },
  webhooks: {
    routes: webhookRoutes([hookPlan]),
    secretFor: () => secret,
    resolveInputs: (plan, given) => resolveInputs(plan, given),
  },
});
const worker = spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), { prefix, concurrency: 4 });
await worker.ready;

/** Waits for every run to have a started first step; returns their records. */
async function firstStepsStarted(queue: TalonQueue, runIds: readonly string[]): Promise<RunRecord[]> {
  const records = new Map<string, RunRecord>();
  const ok = await pollUntil(
    async () => {
      for (const id of runIds) {
        if (records.has(id)) continue;
        const record = await queue.records.get(id);
        if (record?.steps[0]?.startedAt != null) records.set(id, record);
      }
      return records.size === runIds.length;
    },
    120_000,
    100,
  );
  if (!ok) throw new Error(`only ${records.size} of ${runIds.length} runs started`);
  return runIds.map((id) => records.get(id) as RunRecord);
}

// Webhooks, one at a time with a short gap (so each finds an idle worker).
const sentAt = new Map<string, number>();
for (let i = 0; i < WEBHOOKS; i++) {
  const body = JSON.stringify({ n: i });
  const sent = Date.now();
  const response = await fetch(`${server.url}/hooks/latency`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...webhookHeaders(secret, {
        path: 'latency',
        deliveryId: `bench-${i}-${sent}`,
        body,
        timestampSec: Math.floor(sent / 1000),
      }),
    },
    body,
  });
  const reply = (await response.json()) as { runId?: string };
  if (response.status !== 202 || !reply.runId) throw new Error(`webhook answered ${response.status}`);
  sentAt.set(reply.runId, sent);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const hookRecords = await firstStepsStarted(talon, [...sentAt.keys()]);
const fromReceived = hookRecords.map((r) => (r.steps[0]?.startedAt ?? 0) - r.trigger.at);
const fromSent = hookRecords.map((r) => (r.steps[0]?.startedAt ?? 0) - (sentAt.get(r.runId) ?? 0));

// Cron: every second for CRON_SECONDS.
const scheduler = await startScheduler({ playbooks: [cronPlan], talon });
await new Promise((resolve) => setTimeout(resolve, CRON_SECONDS * 1000));
await scheduler.stop();
const cronIds = (await talon.records.list({ limit: 10_000 }))
  .filter((r) => r.trigger.type === 'cron')
  .map((r) => r.runId);
const cronRecords = await firstStepsStarted(talon, cronIds);
const fromTick = cronRecords.map((r) => (r.steps[0]?.startedAt ?? 0) - r.trigger.at);

await worker.stop();
await server.close();
await talon.close();
await world.close();
await redis.stop();

const ms = (values: number[], p: number): number => round(percentile(values, p), 1);
reportBench('trigger-latency', {
  webhookRuns: fromReceived.length,
  webhookReceivedToFirstStepP50Ms: ms(fromReceived, 50),
  webhookReceivedToFirstStepP99Ms: ms(fromReceived, 99),
  webhookSentToFirstStepP50Ms: ms(fromSent, 50),
  webhookSentToFirstStepP99Ms: ms(fromSent, 99),
  cronRuns: fromTick.length,
  cronTickToFirstStepP50Ms: ms(fromTick, 50),
  cronTickToFirstStepP99Ms: ms(fromTick, 99),
});
