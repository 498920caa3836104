import type { FalconCallOptions, FalconPort, FalconResult } from './ports.ts';

/** A FalconPort that counts the requests made through it (one per call, one per page). */
export interface CountingFalcon extends FalconPort {
  calls(): number;
}

/** Wraps `port` so a step can report how many API calls it made. */
export function countingFalcon(port: FalconPort): CountingFalcon {
  let calls = 0;
  return {
    calls: () => calls,
    call(operation, params, options?: FalconCallOptions): Promise<FalconResult> {
      calls += 1;
      return port.call(operation, params, options);
    },
    async *pages(operation, params, options?: FalconCallOptions): AsyncIterable<FalconResult> {
      const iterator = port.pages(operation, params, options)[Symbol.asyncIterator]();
      try {
        for (;;) {
          // Counted before the request so a page that fails still shows as a call.
          calls += 1;
          const next = await iterator.next();
          if (next.done) {
            calls -= 1;
            return;
          }
          yield next.value;
        }
      } finally {
        await iterator.return?.();
      }
    },
  };
}
