/**
 * One loop over a paged Falcon answer for the port wrappers that act before each page request (the
 * counting port counts it, the stoppable port refuses it once the worker stops). The request is made
 * only when the next page is asked for, as by the wrapped port itself.
 */
import type { FalconResult } from './ports.ts';

export interface PageHooks {
  /** Before each page is requested; a throw ends the paging. */
  beforePage(): void;
  /** The answer had no more pages (the last request made found nothing). */
  afterLastPage(): void;
}

export async function* pagesWithHooks(
  pages: () => AsyncIterable<FalconResult>,
  hooks: PageHooks,
): AsyncIterable<FalconResult> {
  const iterator = pages()[Symbol.asyncIterator]();
  try {
    for (;;) {
      hooks.beforePage();
      const next = await iterator.next();
      if (next.done) {
        hooks.afterLastPage();
        return;
      }
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}
