/**
 * On-demand scan create: a scan has no key of ours, so the read-back looks for a scan created since
 * the intent was marked (minus clock skew) with the same description and the same hosts and host
 * groups. Found: the request was applied. Not found: it was not, and is sent.
 */
import { isRecord, type ReadBack, type ReadBackContext } from './read-back.ts';
import { idList, type WriteParams } from './write-params.ts';

/** How far before the intent a matching scan may have been stamped (worker vs Falcon clocks). */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Scan create: done when a scan with the same description and targets appeared since the intent. */
export async function readBackScanCreate(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const params = write.fields;
  if (context.intentAt === null) {
    return { kind: 'unknown', note: 'scan create has no intent time to search from' };
  }
  const since = new Date(context.intentAt - CLOCK_SKEW_MS).toISOString();
  const ids = await context.falcon.call(
    'query_scans',
    { filter: `created_on:>='${since}'`, limit: 500 },
    { signal: context.signal },
  );
  const scans: unknown[] =
    ids.resources.length === 0
      ? []
      : (
          await context.falcon.call(
            'get_scans_by_scan_ids',
            { ids: ids.resources },
            { signal: context.signal },
          )
        ).resources;
  const match = scans.filter(isRecord).find((scan) => sameScan(scan, params));
  if (match) {
    return { kind: 'done', resources: [match], note: `scan ${String(match['id'])} was already created` };
  }
  return { kind: 'write', params: write.params, found: [], note: null };
}

function sameScan(scan: Record<string, unknown>, params: Readonly<Record<string, unknown>>): boolean {
  const sameSet = (a: unknown, b: unknown): boolean =>
    JSON.stringify(idList(a).sort()) === JSON.stringify(idList(b).sort());
  return (
    (params['description'] === undefined || scan['description'] === params['description']) &&
    sameSet(scan['hosts'], params['hosts']) &&
    sameSet(scan['host_groups'], params['host_groups'])
  );
}
