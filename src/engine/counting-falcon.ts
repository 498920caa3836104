import type { FalconCallOptions, FalconPort, FalconResult } from './ports.ts';

/** A FalconPort that counts the requests made through it (one per call, one per page). */
export interface CountingFalcon extends FalconPort {
  calls(): number;
}

/** Wraps `port` so a step can report how many API calls it made. */
export function countingFalcon(port: FalconPort): CountingFalcon {
  return new CallCounter(port);
}

/** A class, not closures: every step of every run makes one. */
class CallCounter implements CountingFalcon {
  private readonly port: FalconPort;
  private count = 0;

  constructor(port: FalconPort) {
    this.port = port;
  }

  calls(): number {
    return this.count;
  }

  call(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): Promise<FalconResult> {
    this.count += 1;
    return this.port.call(operation, params, options);
  }

  async *pages(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): AsyncIterable<FalconResult> {
    const iterator = this.port.pages(operation, params, options)[Symbol.asyncIterator]();
    try {
      for (;;) {
        // Counted before the request so a page that fails still shows as a call.
        this.count += 1;
        const next = await iterator.next();
        if (next.done) {
          this.count -= 1;
          return;
        }
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
}
