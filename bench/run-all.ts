// `npm run bench`: runs every benchmark in bench/ one after another, each in its own process (so one
// benchmark's memory does not skew the next), and merges what they write into bench/results.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
// Files in bench/ that are helpers, not benchmarks.
const NOT_BENCHMARKS = new Set(['run-all.ts', 'report.ts']);
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !NOT_BENCHMARKS.has(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: Record<string, unknown> = {
  machine: { node: process.version, cpus: 2 },
  at: new Date().toISOString(),
};
let failed = 0;
for (const file of benches) {
  const out = join(here, `.${file}.json`);
  rmSync(out, { force: true });
  console.log(`\n== ${file}`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULT_FILE: out },
  });
  if (child.status !== 0) failed++;
  results[file.replace(/(\.bench)?\.ts$/, '')] = existsSync(out)
    ? JSON.parse(readFileSync(out, 'utf8'))
    : { failed: true };
  rmSync(out, { force: true });
}
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote bench/results.json (${benches.length} benchmarks, ${failed} failed)`);
process.exitCode = failed === 0 ? 0 : 1;
