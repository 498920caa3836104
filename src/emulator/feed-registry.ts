/** The Event Streams feeds open right now, kept apart so the services can hold them without a cycle. */
import type { ServerResponse } from 'node:http';

export interface OpenFeed {
  appId: string;
  partition: number;
  res: ServerResponse;
}

/** The feeds open right now, and the stall fault. */
export class FeedRegistry {
  readonly open = new Set<OpenFeed>();
  /** While now < this, open feeds write nothing (events are held, not lost). */
  stalledUntilMs = 0;

  /** Destroys every open feed's connection (fault: dropped stream); returns how many. */
  dropAll(): number {
    const count = this.open.size;
    for (const feed of this.open) feed.res.destroy();
    this.open.clear();
    return count;
  }

  stall(ms: number, nowMs: number): void {
    this.stalledUntilMs = nowMs + ms;
  }
}
