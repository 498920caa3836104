import { GuardedFalcon } from './guarded-falcon.ts';
import type { FalconPort } from './ports.ts';

/** A FalconPort that counts the requests made through it (one per call, one per page). */
export interface CountingFalcon extends FalconPort {
  calls(): number;
}

/** Wraps `port` so a step can report how many API calls it made. */
export function countingFalcon(port: FalconPort): CountingFalcon {
  return new CallCounter(port);
}

/** A class, not closures: every step of every run makes one. */
class CallCounter extends GuardedFalcon implements CountingFalcon {
  private count = 0;

  calls(): number {
    return this.count;
  }

  /** Counted before the request so a request that fails still shows as a call. */
  protected beforeRequest(): void {
    this.count += 1;
  }

  /** The request that found no more pages returned nothing: not a call. */
  protected override afterLastPage(): void {
    this.count -= 1;
  }
}
