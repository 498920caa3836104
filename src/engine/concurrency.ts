/**
 * Runs `task` over `items` with at most `limit` in flight, keeping results in item order. The first
 * failure stops new tasks from starting; tasks already running are awaited (their writes are
 * checkpointed) before the failure is rethrown, so nothing is left running behind the caller's back.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  // One item (a step without foreach, one batch): nothing to schedule.
  if (items.length === 1) return [await task(items[0] as T, 0)];
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
