/**
 * `talon test --record <run-id>`: reads a finished run's record and recording from Redis, writes a test
 * of its playbook (`<playbook>.<run-id>.test.yaml` beside it, or `--out`), and runs that test once
 * before writing it: a recording that does not replay (the playbook changed since the run, a read the
 * test world cannot answer the same way) is reported, and no file is written.
 */
import { access, writeFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { loadConfig } from '../../config/index.ts';
import { loadPlaybookFile } from '../../playbook/index.ts';
import { openTalonQueue, RECORDING_MAX_BYTES } from '../../queue/index.ts';
import { formatDiagnostic, SoarError } from '../../shared/index.ts';
import { buildRecordedTest, checkRecordable, parseTestFile, runTestFile } from '../../testing/index.ts';
import type { CliIo } from '../command-spec.ts';
import { requireRedisUrl } from './worker.ts';

export interface RecordOptions {
  runId: string;
  out?: string;
  /** The playbook file, when the path the run was queued with does not resolve from here. */
  playbook?: string;
  seed: number;
  prefix: string;
}

/** Records `runId` as a test file; resolves to the exit code. */
export async function recordRunAsTest(options: RecordOptions, io: CliIo): Promise<number> {
  const { runId } = options;
  const talon = openTalonQueue({
    redisUrl: requireRedisUrl(loadConfig(), 'test --record'),
    prefix: options.prefix,
  });
  const [record, recordings] = await Promise.all([
    talon.records.get(runId),
    talon.records.recordings(runId),
  ]).finally(() => talon.close());
  if (record === null) {
    throw new SoarError(
      'SOAR_QUEUE_RUN_NOT_FOUND',
      `no run "${runId}" in this deployment (prefix ${options.prefix}); \`talon runs list\` shows the runs kept`,
      { details: { runId } },
    );
  }
  checkRecordable(record, recordings, RECORDING_MAX_BYTES);
  const playbookPath = resolve(options.playbook ?? record.file);
  const loaded = await loadPlaybookFile(playbookPath);
  if (!loaded.playbook) {
    const why = loaded.diagnostics.map(formatDiagnostic).join('\n');
    throw new SoarError(
      'SOAR_PLAYBOOK_TEST_RECORD',
      `run ${runId}: its playbook ${playbookPath} does not load (give its path with --playbook):\n${why}`,
    );
  }
  const changed = loaded.playbook.hash !== record.hash;
  const outPath = resolve(
    options.out ??
      resolve(dirname(playbookPath), `${basename(playbookPath).replace(/\.ya?ml$/, '')}.${runId}.test.yaml`),
  );
  if (
    await access(outPath).then(
      () => true,
      () => false,
    )
  ) {
    throw new SoarError(
      'SOAR_CLI_USAGE',
      `${outPath} exists already; remove it or write elsewhere with --out <file>`,
    );
  }
  const recorded = buildRecordedTest({
    record,
    recordings,
    plan: loaded.playbook,
    playbookFile: relative(dirname(outPath), playbookPath),
    seed: options.seed,
  });
  // The file is what `talon test` will read: parse it back and run it once before writing it.
  const display = relative(process.cwd(), outPath);
  const { testFile, diagnostics } = parseTestFile(recorded.text, display, basename(playbookPath));
  if (testFile === null) {
    throw new SoarError(
      'SOAR_INTERNAL',
      `the recorded test of run ${runId} does not parse: ${diagnostics.map(formatDiagnostic).join('; ')}`,
    );
  }
  const [outcome] = await runTestFile(testFile, outPath);
  if (outcome === undefined || !outcome.passed) {
    const why = changed
      ? `the playbook changed since the run (hash ${record.hash.slice(0, 12)} then, ${loaded.playbook.hash.slice(0, 12)} now)`
      : 'the test world does not answer as Falcon did for this run';
    throw new SoarError(
      'SOAR_PLAYBOOK_TEST_RECORD',
      `run ${runId}: its recorded test does not replay (${why}); nothing was written:\n  ${(outcome?.failures ?? []).join('\n  ')}`,
    );
  }
  await writeFile(outPath, recorded.text, { flag: 'wx' });
  io.out(`recorded run ${runId} as ${display} (replayed: passes in ${outcome.durationMs} ms)\n`);
  for (const note of recorded.notes) io.out(`  note: ${note}\n`);
  return 0;
}
