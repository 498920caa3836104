/**
 * Sliding one-minute request budgets (falcon-api.md §2.4): 6,000/min per customer (CID) by default,
 * 15/min per source IP for calls with a missing or bad token, 300/min per IP on /oauth2/token.
 * A refused call does not use budget; `retryAtEpochSeconds` is when the oldest counted call leaves
 * the window, which is what the real `X-Ratelimit-Retryafter` header carries (epoch seconds).
 */

const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Set when refused. */
  retryAtEpochSeconds?: number;
}

interface Window {
  hits: number[];
  head: number;
}

/** A set of per-key sliding windows sharing one limit. */
export class SlidingWindowLimiter {
  private perMinute: number;
  private readonly windows = new Map<string, Window>();

  constructor(perMinute: number) {
    this.perMinute = perMinute;
  }

  get limit(): number {
    return this.perMinute;
  }

  setLimit(perMinute: number): void {
    this.perMinute = perMinute;
  }

  /** Counts one call for `key` if the budget allows it. */
  take(key: string, nowMs: number): RateDecision {
    const window = this.prune(key, nowMs);
    const used = window.hits.length - window.head;
    if (used >= this.perMinute) {
      const oldest = window.hits[window.head] ?? nowMs;
      return {
        allowed: false,
        limit: this.perMinute,
        remaining: 0,
        retryAtEpochSeconds: Math.ceil((oldest + WINDOW_MS) / 1000),
      };
    }
    window.hits.push(nowMs);
    return { allowed: true, limit: this.perMinute, remaining: this.perMinute - used - 1 };
  }

  /** Forgets every window. */
  clear(): void {
    this.windows.clear();
  }

  private prune(key: string, nowMs: number): Window {
    let window = this.windows.get(key);
    if (!window) {
      window = { hits: [], head: 0 };
      this.windows.set(key, window);
    }
    const cutoff = nowMs - WINDOW_MS;
    while (window.head < window.hits.length && (window.hits[window.head] as number) <= cutoff) window.head++;
    // Compact now and then so the array does not grow without bound.
    if (window.head > 1024 && window.head * 2 > window.hits.length) {
      window.hits = window.hits.slice(window.head);
      window.head = 0;
    }
    return window;
  }
}

/** Headers every rate-limited route sends. */
export function rateHeaders(decision: RateDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Ratelimit-Limit': String(decision.limit),
    'X-Ratelimit-Remaining': String(decision.remaining),
  };
  if (decision.retryAtEpochSeconds !== undefined) {
    headers['X-Ratelimit-Retryafter'] = String(decision.retryAtEpochSeconds);
  }
  return headers;
}
