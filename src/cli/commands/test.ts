/**
 * `talon test [paths...]`: runs the `*.test.yaml` files (beside their playbooks) against an embedded
 * emulator; prints each test, the differences of a failing one, and exits 1 when any fails.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { DEFAULT_PREFIX } from '../../queue/index.ts';
import { formatDiagnostic, SoarError, systemClock } from '../../shared/index.ts';
import { parseTestFile, renderJunit, runTestFile, type TestOutcome } from '../../testing/index.ts';
import type { CliCommand } from '../command-spec.ts';

const TEST_FILE = /\.test\.ya?ml$/;

async function findTestFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter((n) => TEST_FILE.test(n)).sort();
      out.push(...names.map((n) => join(path, n)));
    } else out.push(path);
  }
  return out;
}

function display(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel.startsWith('..') ? path : rel;
}

export const testCommand: CliCommand = {
  name: 'test',
  description: 'Run playbook tests (*.test.yaml) against an embedded emulator',
  arguments: [
    { name: 'paths', description: 'test files or directories (default: playbooks)', variadic: true },
  ],
  options: [
    { flags: '--junit <file>', description: 'also write the results as JUnit XML' },
    {
      flags: '--record <run-id>',
      description:
        'write a test from a finished run (needs REDIS_URL): its reads become the world, what it did the expectations',
    },
    {
      flags: '--out <file>',
      description: 'with --record: where to write (default <playbook>.<run-id>.test.yaml beside it)',
    },
    {
      flags: '--playbook <file>',
      description: "with --record: the playbook file, if the run's path does not resolve from here",
    },
    {
      flags: '--seed <n>',
      description: "with --record: the seed of the test world (the emulator's, when the run used one)",
      default: '42',
    },
    {
      flags: '--prefix <prefix>',
      description: 'with --record: Redis key prefix of the deployment',
      default: DEFAULT_PREFIX,
    },
  ],
  async run(args, options, io) {
    if (typeof options['record'] === 'string') {
      const seed = Number(options['seed']);
      if (!Number.isInteger(seed) || seed < 0)
        throw new SoarError(
          'SOAR_CLI_USAGE',
          `--seed must be a whole number (got ${String(options['seed'])})`,
        );
      if (Array.isArray(args[0]) && args[0].length > 0)
        throw new SoarError('SOAR_CLI_USAGE', '--record takes a run id, not test paths');
      const { recordRunAsTest } = await import('./test-record.ts');
      return recordRunAsTest(
        {
          runId: options['record'],
          seed,
          prefix: String(options['prefix']),
          ...(typeof options['out'] === 'string' ? { out: options['out'] } : {}),
          ...(typeof options['playbook'] === 'string' ? { playbook: options['playbook'] } : {}),
        },
        io,
      );
    }
    const given = Array.isArray(args[0]) && args[0].length > 0 ? args[0] : ['playbooks'];
    const files = await findTestFiles(given);
    if (files.length === 0) {
      io.err(`talon test: no *.test.yaml files in ${given.join(', ')}\n`);
      return 1;
    }
    const started = systemClock.now();
    const outcomes: TestOutcome[] = [];
    let invalid = 0;
    for (const path of files) {
      const file = display(path);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) {
        io.out(`${file}: cannot read the file\n`);
        invalid++;
        continue;
      }
      const playbook = basename(path).replace(TEST_FILE, '.yaml');
      const { testFile, diagnostics } = parseTestFile(text, file, playbook);
      for (const d of diagnostics) io.out(`${formatDiagnostic(d)}\n`);
      if (!testFile) {
        invalid++;
        continue;
      }
      io.out(`${file} (${testFile.playbook})\n`);
      for (const outcome of await runTestFile(testFile, path)) {
        outcomes.push(outcome);
        io.out(`  ${outcome.passed ? '✓' : '✗'} ${outcome.name}  ${outcome.durationMs} ms\n`);
        for (const failure of outcome.failures) io.out(`      ${failure.replace(/\n/g, '\n      ')}\n`);
      }
    }
    const failed = outcomes.filter((o) => !o.passed).length;
    const took = systemClock.now() - started;
    io.out(
      `\n${outcomes.length - failed} passed, ${failed} failed${invalid > 0 ? `, ${invalid} invalid file(s)` : ''} in ${took} ms\n`,
    );
    if (typeof options['junit'] === 'string') await writeFile(options['junit'], renderJunit(outcomes));
    return failed === 0 && invalid === 0 ? 0 : 1;
  },
};
