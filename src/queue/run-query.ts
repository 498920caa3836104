/**
 * One page of run summaries for the console: filtered by playbook, status, trigger type and enqueue
 * time, newest first, without reading any run's steps. The index zset is scored by enqueue time, so a
 * time filter narrows the scan in Redis; the other filters read six small fields per run (HMGET, sent
 * back to back on the one connection), a few hundred runs per round trip.
 */
import type { RedisClient } from './bullmq.ts';
import type { KeyLayout } from './names.ts';
import type { RunRecordStatus } from './run-records.ts';

export interface RunFilter {
  playbook?: string;
  status?: string;
  trigger?: string;
  /** Enqueued at or after (epoch ms). */
  from?: number;
  /** Enqueued before (epoch ms). */
  to?: number;
}

export interface RunSummary {
  runId: string;
  playbook: string;
  status: RunRecordStatus;
  trigger: { type: string; source: string };
  enqueuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  attempts: number;
  dryRun: boolean;
  error: { code: string; message: string } | null;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass as `offset` for the next page; null: no more runs match. */
  nextOffset: number | null;
}

const FIELDS = [
  'playbook',
  'status',
  'trigger',
  'enqueuedAt',
  'startedAt',
  'finishedAt',
  'attempts',
  'dryRun',
  'error',
] as const;
const SCAN_PAGE = 500;

/** Runs matching `filter`, skipping `offset` matches, at most `limit`. */
export async function queryRuns(
  redis: RedisClient,
  keys: KeyLayout,
  filter: RunFilter,
  page: { offset: number; limit: number },
): Promise<RunPage> {
  const max = filter.to === undefined ? '+inf' : `(${filter.to}`;
  const min = filter.from === undefined ? '-inf' : String(filter.from);
  const out: RunSummary[] = [];
  let skipped = 0;
  for (let start = 0; ; start += SCAN_PAGE) {
    const ids = (await redis.call(
      'ZREVRANGEBYSCORE',
      keys.runIndex(),
      max,
      min,
      'LIMIT',
      start,
      SCAN_PAGE,
    )) as unknown[];
    if (!Array.isArray(ids) || ids.length === 0) return { runs: out, nextOffset: null };
    const rows = (await Promise.all(
      ids.map((id) => redis.call('HMGET', keys.run(String(id)), ...FIELDS)),
    )) as (string | null)[][];
    for (const [i, id] of ids.entries()) {
      const summary = toSummary(String(id), rows[i] ?? []);
      if (summary === null || !matches(summary, filter)) continue;
      if (skipped < page.offset) {
        skipped++;
        continue;
      }
      if (out.length === page.limit) return { runs: out, nextOffset: page.offset + out.length };
      out.push(summary);
    }
    if (ids.length < SCAN_PAGE) return { runs: out, nextOffset: null };
  }
}

function matches(run: RunSummary, filter: RunFilter): boolean {
  return (
    (filter.playbook === undefined || run.playbook === filter.playbook) &&
    (filter.status === undefined || run.status === filter.status) &&
    (filter.trigger === undefined || run.trigger.type === filter.trigger)
  );
}

/** Null for an index entry whose record expired. */
function toSummary(runId: string, row: readonly (string | null)[]): RunSummary | null {
  const [playbook, status, trigger, enqueuedAt, startedAt, finishedAt, attempts, dryRun, error] = row;
  if (playbook === null || playbook === undefined) return null;
  const num = (v: string | null | undefined): number | null =>
    v === null || v === undefined ? null : Number(v);
  const started = num(startedAt);
  const finished = num(finishedAt);
  const parsedTrigger = trigger ? (JSON.parse(trigger) as { type: string; source: string }) : null;
  return {
    runId,
    playbook,
    status: (status ?? 'queued') as RunRecordStatus,
    trigger: { type: parsedTrigger?.type ?? '?', source: parsedTrigger?.source ?? '?' },
    enqueuedAt: num(enqueuedAt),
    startedAt: started,
    finishedAt: finished,
    durationMs: started !== null && finished !== null ? finished - started : null,
    attempts: num(attempts) ?? 0,
    dryRun: dryRun === '1',
    error: error ? (JSON.parse(error) as { code: string; message: string }) : null,
  };
}
