// Usage: tsx bench/console.bench.ts [runs=10000]
// The run console with `runs` run records in Redis: the time to load the console (page, script,
// stylesheet, the first page of runs) and to answer a filtered page (a playbook holding 1% of the
// runs, so the filter reads every record's summary fields), median of 10 loads each, after one warm-up
// (the first load bundles the client with esbuild once per process).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRedis } from '../src/local/index.ts';
import { openTalonQueue } from '../src/queue/index.ts';
import { newApiToken, startTalonServer, tokenSource, writeTokens } from '../src/server/index.ts';
import { reportBench } from './report.ts';

const RUNS = Number(process.argv[2] ?? 10_000);
const redisServer = await startLocalRedis();
const prefix = 'console-bench';
const talon = openTalonQueue({ redisUrl: redisServer.url, prefix });
const now = Date.now();
for (let i = 0; i < RUNS; i += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, RUNS - i) }, (_, j) => {
      const n = i + j;
      const runId = `run-bench-${n}`;
      const at = now - (RUNS - n) * 1000;
      return Promise.all([
        talon.redis.call(
          'HSET',
          talon.keys.run(runId),
          'runId',
          runId,
          'playbook',
          `playbook-${n % 100}`,
          'file',
          'bench.yaml',
          'status',
          n % 10 === 0 ? 'failed' : 'succeeded',
          'trigger',
          JSON.stringify({ type: n % 2 === 0 ? 'cron' : 'webhook', source: 'bench', at }),
          'enqueuedAt',
          at,
          'startedAt',
          at + 5,
          'finishedAt',
          at + 120,
          'attempts',
          1,
          'dryRun',
          '0',
        ),
        talon.redis.call('ZADD', talon.keys.runIndex(), at, runId),
      ]);
    }),
  );
}
const token = newApiToken('bench', 'viewer', now);
const tokensFile = join(mkdtempSync(join(tmpdir(), 'talon-console-bench-')), 'tokens.json');
await writeTokens(tokensFile, [token.stored]);
const server = await startTalonServer({ talon, tokens: tokenSource(tokensFile), webhooks: null });
const headers = { authorization: `Bearer ${token.token}` };

async function timed(paths: readonly string[]): Promise<number> {
  const start = performance.now();
  await Promise.all(
    paths.map(async (p) => {
      const answer = await fetch(`${server.url}${p}`, { headers });
      if (!answer.ok) throw new Error(`${p}: ${answer.status}`);
      await answer.arrayBuffer();
    }),
  );
  return performance.now() - start;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const load = ['/', '/console/app.js', '/console/app.css', '/console/api/runs?limit=50', '/console/api/me'];
const firstLoadMs = await timed(load);
const loads: number[] = [];
const filtered: number[] = [];
for (let i = 0; i < 10; i++) {
  loads.push(await timed(load));
  filtered.push(await timed(['/console/api/runs?limit=50&playbook=playbook-7']));
}
reportBench('console', {
  runs: RUNS,
  firstLoadMsWithBundle: Math.round(firstLoadMs),
  loadMsMedian: Math.round(median(loads)),
  filteredPageMsMedian: Math.round(median(filtered)),
  targetMs: 1000,
});
await server.close();
await talon.close();
await redisServer.stop();
