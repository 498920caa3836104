// CLI start-up: wall time of `talon --help` and `talon validate <one playbook>` through the real bin
// script (the compiled build, made first if missing), beside `node -e 0` measured in the same run and
// interleaved with it, so the ratio holds on a busy machine. Reports medians of N rounds, of wall time
// and of CPU time (user + system, from /usr/bin/time): on a machine shared with other work the wall
// time mostly measures waiting for a core, while the CPU time is what an idle machine's wall time is.
// With a git ref as second argument, the same rounds also run that version's build (extracted with
// `git archive` into a scratch directory that shares node_modules), interleaved with this one: a
// before/after comparison under the same load.
// Usage: tsx bench/cli-startup.bench.ts [rounds=15] [baseline git ref]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildCli } from '../bin/compiled.mjs';
import { percentile, round } from './lib/stats.ts';
import { reportBench } from './report.ts';

const ROUNDS = Number(process.argv[2] ?? 15);
const root = join(import.meta.dirname, '..');
const talon = join(root, 'bin/talon.mjs');
const playbook = join(root, 'playbooks/webhook-block-hash.yaml');

await buildCli();

const baselineRef = process.argv[3];
const baselineDir = baselineRef === undefined ? null : mkdtempSync(join(tmpdir(), 'talon-cli-baseline-'));
if (baselineRef !== undefined && baselineDir !== null) {
  const archive = execFileSync(
    'git',
    ['archive', '--format=tar', baselineRef, 'src', 'workers', 'bin', 'package.json'],
    {
      cwd: root,
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  execFileSync('tar', ['-x', '-C', baselineDir], { input: archive });
  symlinkSync(join(root, 'node_modules'), join(baselineDir, 'node_modules'));
  const baseline = (await import(
    pathToFileURL(join(baselineDir, 'bin/compiled.mjs')).href
  )) as typeof import('../bin/compiled.mjs');
  await baseline.buildCli();
}

interface Sample {
  wall: number;
  cpu: number;
}

/** Runs node with args under /usr/bin/time; wall and CPU milliseconds. */
function measure(args: string[]): Sample {
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  const match = /CPU ([\d.]+) ([\d.]+)/.exec(child.stderr);
  if (!match) throw new Error(`no CPU time from /usr/bin/time: ${child.stderr}`);
  return { wall, cpu: (Number(match[1]) + Number(match[2])) * 1000 };
}

type Series = 'node' | 'help' | 'validate' | 'baseline_help' | 'baseline_validate';
const samples: Record<Series, Sample[]> = {
  node: [],
  help: [],
  validate: [],
  baseline_help: [],
  baseline_validate: [],
};
const baselineTalon = baselineDir === null ? null : join(baselineDir, 'bin/talon.mjs');
measure([talon, '--help']); // warm the file cache once
if (baselineTalon !== null) measure([baselineTalon, '--help']);
try {
  for (let i = 0; i < ROUNDS; i++) {
    samples.node.push(measure(['-e', '0']));
    samples.help.push(measure([talon, '--help']));
    samples.validate.push(measure([talon, 'validate', playbook]));
    if (baselineTalon === null) continue;
    samples.baseline_help.push(measure([baselineTalon, '--help']));
    samples.baseline_validate.push(measure([baselineTalon, 'validate', playbook]));
  }
} finally {
  if (baselineDir !== null) rmSync(baselineDir, { recursive: true, force: true });
}
const median = (list: Sample[], key: keyof Sample): number =>
  percentile(
    list.map((s) => s[key]),
    50,
  );
const figures: Record<string, number> = { rounds: ROUNDS };
for (const key of ['wall', 'cpu'] as const) {
  const node = median(samples.node, key);
  figures[`node_e0_${key}_ms`] = round(node);
  figures[`help_${key}_ms`] = round(median(samples.help, key));
  figures[`validate_one_file_${key}_ms`] = round(median(samples.validate, key));
  figures[`help_over_node_${key}`] = round(median(samples.help, key) / node, 2);
  figures[`validate_over_node_${key}`] = round(median(samples.validate, key) / node, 2);
  if (baselineRef === undefined) continue;
  figures[`baseline_help_${key}_ms`] = round(median(samples.baseline_help, key));
  figures[`baseline_validate_one_file_${key}_ms`] = round(median(samples.baseline_validate, key));
}
reportBench('cli-startup', {
  ...figures,
  ...(baselineRef === undefined ? {} : { baseline: baselineRef }),
  help_target_ms: 300,
  validate_target_ms: 500,
});
