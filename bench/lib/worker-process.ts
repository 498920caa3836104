/**
 * Child-process entry of a Talon worker for benchmarks and chaos tests. It is configured the way
 * `talon worker` is (loadConfig over its environment: REDIS_URL, FALCON_CLIENT_ID/SECRET, FALCON_CLOUD,
 * TALON_LOG_LEVEL), plus the knobs a benchmark needs and the CLI does not expose (argv[2], JSON:
 * see WorkerKnobs). It runs in its own process so it can be SIGKILLed and its RSS measured alone.
 *
 * Protocol on stdout (one JSON object per line): {"ready": pid} once started, and on SIGTERM, after a
 * graceful close, {"maxRssKb": n}. Logs go to stderr as JSON lines, as in production.
 */
import { loadConfig } from '../../src/config/index.ts';
import { startTalonWorker, WORKER_DEFAULTS } from '../../src/queue/index.ts';
import { createLogger, type Secret } from '../../src/shared/index.ts';
import type { WorkerKnobs } from './worker-knobs.ts';

const knobs = JSON.parse(process.argv[2] ?? '{}') as WorkerKnobs;
const config = loadConfig(process.env);
if (config.redisUrl === null || config.falcon === null) {
  process.stderr.write('worker-process: REDIS_URL and FALCON_* must be set\n');
  process.exit(2);
}
const secrets: Secret[] = [config.falcon.clientSecret];
if (config.webhookSecret !== null) secrets.push(config.webhookSecret);
const logger = createLogger({ level: config.logLevel, secrets });
const worker = startTalonWorker({
  redisUrl: config.redisUrl,
  falcon: config.falcon,
  prefix: knobs.prefix,
  logger,
  ...(knobs.concurrency === undefined ? {} : { concurrency: knobs.concurrency }),
  ...(knobs.lockDurationMs === undefined ? {} : { lockDurationMs: knobs.lockDurationMs }),
  ...(knobs.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: knobs.stalledIntervalMs }),
  ...(knobs.maxStalledCount === undefined ? {} : { maxStalledCount: knobs.maxStalledCount }),
  ...(knobs.falconPerMinute === undefined ? {} : { falconPerMinute: knobs.falconPerMinute }),
  ...(config.runRetentionCount === null ? {} : { keepFinishedRuns: config.runRetentionCount }),
});
process.stdout.write(`${JSON.stringify({ ready: process.pid })}\n`);

process.once('SIGTERM', () => {
  void worker.close(knobs.graceMs ?? WORKER_DEFAULTS.graceMs).then(() => {
    process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    process.exit(0);
  });
});
