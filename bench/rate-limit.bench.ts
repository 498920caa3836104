// Rate-limit use: four worker processes share one tenant budget (the Redis token bucket, configured
// with the tenant's per-minute limit) and run large read playbooks (many small pages) against an
// emulator that enforces that limit on a sliding minute, as Falcon does. Demand far exceeds the
// budget. Figures: requests the emulator accepted in one full minute of steady state, divided by the
// limit (the emulator never accepts more than the limit in any 60 s window, so 1.0 is the ceiling),
// and every 429 with the second it happened at.
// Usage: tsx bench/rate-limit.bench.ts [perMinute=600] [warmupSeconds=20]
import { compilePlaybookSource } from '../src/playbook/index.ts';
import { openTalonQueue } from '../src/queue/index.ts';
import { startLocalRedis } from '../src/local/index.ts';
import { spawnWorker, type WorkerChild } from './lib/children.ts';
import { round } from './lib/stats.ts';
import { startBenchWorld } from './lib/world.ts';
import { reportBench } from './report.ts';

const PER_MINUTE = Number(process.argv[2] ?? 600);
const WARMUP_S = Number(process.argv[3] ?? 20);
const WINDOW_S = 60;
const WORKERS = 4;
const RUNS = 40;

// ~2,500 new detections paged 25 at a time: about 100 requests per run.
const plan = compilePlaybookSource(
  [
    'name: page-everything',
    'description: reads every new detection in small pages',
    'triggers: [{ manual: true }]',
    'steps:',
    '  - id: find',
    '    uses: detects.query_detects',
    '    with: { filter: "status:\'new\'", limit: 25 }',
    '    paginate: all',
  ].join('\n'),
  'page-everything.yaml',
).playbook;
if (!plan) throw new Error('bench playbook does not compile');

const redis = await startLocalRedis();
const world = await startBenchWorld(redis.url, {
  seed: 3,
  sizes: { detections: 5000 },
  rateLimitPerMinute: PER_MINUTE,
  requestLogSize: 1_000_000,
});
const prefix = 'ratelimit';
const talon = openTalonQueue({ redisUrl: redis.url, prefix });
const trigger = { type: 'manual' as const, at: Date.now(), source: 'bench', data: null };
for (let i = 0; i < RUNS; i++) await talon.enqueue({ plan, inputs: {}, trigger });

const workers: WorkerChild[] = [];
for (let i = 0; i < WORKERS; i++) {
  workers.push(
    spawnWorker(world.workerEnv({ TALON_LOG_LEVEL: 'warn' }), {
      prefix,
      concurrency: 2,
      falconPerMinute: PER_MINUTE,
      graceMs: 1000,
    }),
  );
}
await Promise.all(workers.map((w) => w.ready));
const ready = Date.now();
await new Promise((resolve) => setTimeout(resolve, (WARMUP_S + WINDOW_S) * 1000 + 500));
await Promise.all(workers.map((w) => w.kill9()));

const requests = world.emulator.admin.requests().filter((r) => r.operationId !== 'oauth2AccessToken');
const at = (r: { at: string }): number => Date.parse(r.at);
// Time zero is the first Falcon request (the first worker may start before the last is ready).
const t0 = Math.min(ready, ...requests.slice(0, 1).map(at));
const windowStart = t0 + WARMUP_S * 1000;
const windowEnd = windowStart + WINDOW_S * 1000;
const inWindow = requests.filter((r) => at(r) >= windowStart && at(r) < windowEnd);
const accepted = inWindow.filter((r) => r.status !== 429).length;
const limited = requests.filter((r) => r.status === 429);
const firstAccepted = requests.find((r) => r.status !== 429);
const completedRuns = (await talon.queue.counts())['completed'] ?? 0;
const stats = await talon.records.stats();
await talon.close();
await world.close();
await redis.stop();

reportBench('rate-limit', {
  workers: WORKERS,
  limitPerMinute: PER_MINUTE,
  budgetPerMinute: PER_MINUTE,
  window: `${WINDOW_S} s after ${WARMUP_S} s warm-up`,
  acceptedInWindow: accepted,
  achievedOverAllowed: round(accepted / PER_MINUTE, 3),
  target: '>= 0.9',
  met: accepted / PER_MINUTE >= 0.9,
  requestsTotal: requests.length,
  http429Total: limited.length,
  http429AtSeconds: limited.map((r) => round((at(r) - t0) / 1000, 1)),
  firstAcceptedAtSeconds: firstAccepted ? round((at(firstAccepted) - t0) / 1000, 1) : null,
  runsCompleted: completedRuns,
  talonCounted429s: stats['falcon_429'] ?? 0,
});
