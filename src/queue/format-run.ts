/** Human-readable text for run records (`talon run` progress, `talon runs list/show`). Pure. */
import type { StepRecord } from '../engine/ports.ts';
import type { RunRecord } from './run-records.ts';

const MARK: Record<string, string> = {
  pending: '·',
  running: '…',
  waiting: '⏸',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
};

/** Milliseconds as "850 ms", "12.3 s" or "4 min 05 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** One line per step: mark, id, status, duration, API calls, targets, error. */
export function formatStepLine(step: StepRecord, idWidth = 12): string {
  const parts = [
    `  ${MARK[step.status] ?? '?'} ${step.id.padEnd(idWidth)} ${step.status.padEnd(9)}`,
    formatDuration(step.durationMs).padStart(9),
    `${step.apiCalls} call${step.apiCalls === 1 ? '' : 's'}`.padStart(9),
  ];
  if (step.targets !== null) parts.push(`${step.targets} target${step.targets === 1 ? '' : 's'}`);
  if (step.attempts > 1) parts.push(`${step.attempts} attempts`);
  if (step.resumed) parts.push('(resumed from checkpoint)');
  if (step.error) parts.push(`${step.error.code}: ${step.error.message}`);
  let line = parts.join('  ');
  // core.log lines are the playbook's own words: print them as they are, other notes as notes.
  for (const note of step.notes ?? [])
    line += note.startsWith('log: ') ? `\n      ${note}` : `\n      note: ${note}`;
  return line;
}

/** The full `talon runs show` text. */
export function formatRunDetail(record: RunRecord): string {
  const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const idWidth = Math.max(8, ...record.steps.map((s) => s.id.length));
  const lines = [
    `run       ${record.runId}`,
    `playbook  ${record.playbook} (${record.file}, ${record.hash.slice(0, 12)})`,
    `status    ${record.status}${record.dryRun ? ' (dry run)' : ''}${record.waitingFor ? ` for approval step ${record.waitingFor.step} until ${when(record.waitingFor.until)}` : ''}`,
    `trigger   ${record.trigger.type} ${record.trigger.source} at ${when(record.trigger.at)}`,
    `queued    ${when(record.enqueuedAt)}`,
    `started   ${when(record.startedAt)}`,
    `finished  ${when(record.finishedAt)}`,
    `duration  ${formatDuration(record.durationMs)}`,
    `attempts  ${record.attempts}`,
    `api calls ${record.apiCalls}`,
    `inputs    ${JSON.stringify(record.inputs)}`,
  ];
  // Only multi-tenant deployments see this line; a single-tenant run reads as it always did.
  if (record.tenant !== 'default' || record.child !== null) {
    lines.splice(
      2,
      0,
      `tenant    ${record.tenant}${record.child === null ? '' : ` (child CID ${record.child})`}`,
    );
  }
  if (record.error) lines.push(`error     ${record.error.code}: ${record.error.message}`);
  lines.push('steps');
  if (record.steps.length === 0) lines.push('  (none started)');
  for (const step of record.steps) lines.push(formatStepLine(step, idWidth));
  if (record.outputs && Object.keys(record.outputs).length > 0) {
    lines.push(`outputs   ${JSON.stringify(record.outputs)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The `talon runs list` table, newest first. */
export function formatRunList(records: readonly RunRecord[]): string {
  if (records.length === 0) return 'no runs recorded\n';
  const header = ['RUN', 'PLAYBOOK', 'STATUS', 'TRIGGER', 'QUEUED', 'DURATION', 'CALLS'];
  const rows = records.map((r) => [
    r.runId,
    r.playbook,
    r.status,
    r.trigger.type,
    r.enqueuedAt === null ? '-' : new Date(r.enqueuedAt).toISOString().replace('T', ' ').slice(0, 19),
    formatDuration(r.durationMs),
    String(r.apiCalls),
  ]);
  return formatTable(header, rows);
}

/** A plain-text table: columns padded to their widest cell, trailing spaces trimmed. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
