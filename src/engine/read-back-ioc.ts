/**
 * IOC create, checked before every request: an indicator that already exists is found, not created
 * again (Falcon answers a duplicate type + value with 400 and refuses the whole request).
 */
import { mapWithConcurrency } from './concurrency.ts';
import { chunk } from './write-plan.ts';
import { isRecord, type ReadBack, type ReadBackContext } from './read-back.ts';
import type { WriteParams } from './write-params.ts';

/**
 * IOC create: finds the indicators of this request that already exist (same type and value) and
 * creates only the others. Values compare case-insensitively, as Falcon stores hashes lower-case.
 */
export async function readBackIndicatorCreate(
  write: WriteParams,
  context: ReadBackContext,
): Promise<ReadBack> {
  const given = write.fields['indicators'];
  const indicators = Array.isArray(given) ? given : [];
  const wanted = indicators.filter(isRecord);
  const found = await findIndicators(wanted, context);
  const key = (type: unknown, value: unknown): string =>
    `${String(type)}\u0000${String(value).toLowerCase()}`;
  const existing = new Set(found.map((f) => key(f['type'], f['value'])));
  // Falcon refuses a whole create that names one (type, value) twice, so each goes in once.
  const missing = indicators.filter((i) => {
    if (!isRecord(i)) return true;
    const k = key(i['type'], i['value']);
    if (existing.has(k)) return false;
    existing.add(k);
    return true;
  });
  if (missing.length === 0) {
    return { kind: 'done', resources: found, note: `all ${indicators.length} indicators already exist` };
  }
  const note =
    found.length > 0 ? `${found.length} indicators already existed; created ${missing.length}` : null;
  return { kind: 'write', params: write.withTargets('indicators', missing), found, note };
}

/** Values one existence query names (its FQL filter stays well inside URL limits). */
const EXISTENCE_VALUES_PER_QUERY = 100;
/** Existence queries of one check in flight at once. */
const EXISTENCE_CONCURRENCY = 4;

/** Looks up existing indicators by type and value, grouped by type, a bounded number per query. */
async function findIndicators(
  wanted: readonly Record<string, unknown>[],
  context: ReadBackContext,
): Promise<Record<string, unknown>[]> {
  const byType = new Map<string, string[]>();
  for (const indicator of wanted) {
    const type = indicator['type'];
    const value = indicator['value'];
    if (typeof type !== 'string' || typeof value !== 'string') continue;
    const values = byType.get(type);
    if (values) values.push(value);
    else byType.set(type, [value]);
  }
  const queries = [...byType].flatMap(([type, values]) =>
    chunk(values, EXISTENCE_VALUES_PER_QUERY).map(
      (slice) => `type:${fqlString(type)}+value:[${slice.map(fqlString).join(',')}]`,
    ),
  );
  // The queries of one check are independent reads: a few run at once (each within the rate budget).
  const answers = await mapWithConcurrency(queries, EXISTENCE_CONCURRENCY, async (filter) => {
    const found: Record<string, unknown>[] = [];
    for await (const page of context.falcon.pages(
      'indicator_combined_v1',
      { filter, limit: 500 },
      { signal: context.signal },
    )) {
      for (const r of page.resources) if (isRecord(r)) found.push(r);
    }
    return found;
  });
  return answers.flat();
}

/** An FQL string literal; single quotes and backslashes in the value are escaped. */
function fqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
