/**
 * Request rate limits of `talon serve`, per client address, in this process's memory (a fixed window
 * per key). Two limits apply: every request counts against `requestsPerWindow`, and requests that
 * fail authentication also count against the much smaller `authFailuresPerWindow`, so a token cannot
 * be guessed at speed. Memory stays bounded: windows that ended are dropped on the next sweep.
 */

export interface RateLimitOptions {
  /** @default 600 */
  requestsPerWindow?: number;
  /** @default 30 */
  authFailuresPerWindow?: number;
  /** @default 60000 */
  windowMs?: number;
}

export interface RateLimiter {
  /** Counts a request; the seconds to wait when over a limit, else 0. */
  hit(client: string, nowMs: number): number;
  /** Counts a failed authentication. */
  failedAuth(client: string, nowMs: number): void;
  /** The seconds to wait when the client failed authentication too often, else 0. */
  authBlocked(client: string, nowMs: number): number;
}

interface Window {
  start: number;
  count: number;
}

export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxRequests = options.requestsPerWindow ?? 600;
  const maxFailures = options.authFailuresPerWindow ?? 30;
  const requests = new Map<string, Window>();
  const failures = new Map<string, Window>();
  let lastSweep = 0;

  const sweep = (nowMs: number) => {
    if (nowMs - lastSweep < windowMs) return;
    lastSweep = nowMs;
    for (const map of [requests, failures]) {
      for (const [key, window] of map) if (nowMs - window.start >= windowMs) map.delete(key);
    }
  };
  const current = (map: Map<string, Window>, client: string, nowMs: number): Window => {
    const window = map.get(client);
    if (window !== undefined && nowMs - window.start < windowMs) return window;
    const fresh = { start: nowMs, count: 0 };
    map.set(client, fresh);
    return fresh;
  };
  const waitSeconds = (window: Window, nowMs: number) =>
    Math.max(1, Math.ceil((window.start + windowMs - nowMs) / 1000));

  return {
    hit(client, nowMs) {
      sweep(nowMs);
      const window = current(requests, client, nowMs);
      window.count += 1;
      return window.count > maxRequests ? waitSeconds(window, nowMs) : 0;
    },
    failedAuth(client, nowMs) {
      current(failures, client, nowMs).count += 1;
    },
    authBlocked(client, nowMs) {
      const window = failures.get(client);
      if (window === undefined || nowMs - window.start >= windowMs) return 0;
      return window.count >= maxFailures ? waitSeconds(window, nowMs) : 0;
    },
  };
}
