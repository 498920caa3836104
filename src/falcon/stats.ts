/** Per-client counters for metrics: requests, retries and 429s, in total and by operation. */

export interface OperationCounters {
  requests: number;
  retries: number;
  rateLimited: number;
  failures: number;
}

export interface ClientStats extends OperationCounters {
  tokenRequests: number;
  byOperation: Record<string, OperationCounters>;
}

/** Mutable counters behind FalconClient.stats(). */
export class StatsRecorder {
  readonly #total: OperationCounters = { requests: 0, retries: 0, rateLimited: 0, failures: 0 };
  readonly #byOp = new Map<string, OperationCounters>();

  #for(operationId: string): OperationCounters {
    let c = this.#byOp.get(operationId);
    if (c === undefined) {
      c = { requests: 0, retries: 0, rateLimited: 0, failures: 0 };
      this.#byOp.set(operationId, c);
    }
    return c;
  }

  count(operationId: string, field: keyof OperationCounters): void {
    this.#total[field] += 1;
    this.#for(operationId)[field] += 1;
  }

  /** A copy, safe to hand out. */
  snapshot(tokenRequests: number): ClientStats {
    const byOperation: Record<string, OperationCounters> = {};
    for (const [id, c] of this.#byOp) byOperation[id] = { ...c };
    return { ...this.#total, tokenRequests, byOperation };
  }
}
