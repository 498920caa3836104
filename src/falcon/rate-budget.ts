/**
 * The hook through which several processes share one Falcon rate budget (6000 requests/minute per
 * CID, falcon-api.md §2.4). The client calls acquire() before every API request and penalize() when
 * Falcon answers 429; src/queue implements it on Redis. Without one, each client paces itself from
 * the X-Ratelimit-Remaining header only.
 */
export interface RateBudget {
  acquire(operationId: string, signal?: AbortSignal): Promise<void>;
  penalize(retryAfterMs: number): Promise<void>;
}
