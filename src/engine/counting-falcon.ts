import { type PageHooks, pagesWithHooks } from './page-hooks.ts';
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
class CallCounter implements CountingFalcon, PageHooks {
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

  pages(
    operation: string,
    params: Record<string, unknown>,
    options?: FalconCallOptions,
  ): AsyncIterable<FalconResult> {
    return pagesWithHooks(() => this.port.pages(operation, params, options), this);
  }

  /** Counted before the request so a page that fails still shows as a call. */
  beforePage(): void {
    this.count += 1;
  }

  /** The request that found no more pages returned nothing: not a call. */
  afterLastPage(): void {
    this.count -= 1;
  }
}
