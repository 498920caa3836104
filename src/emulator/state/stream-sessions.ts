/**
 * Event Streams sessions: listing the streams opens (or renews) a session per appId and partition
 * with its own token; the data feed accepts only `Authorization: Token <that token>` until the
 * session expires; refreshActiveStreamSession pushes the expiry out by one interval.
 */
import { randomBytes } from 'node:crypto';

export interface StreamSession {
  appId: string;
  partition: number;
  token: string;
  expiresAtMs: number;
}

/** The open sessions of one emulator. */
export class StreamSessions {
  private byKey = new Map<string, StreamSession>();
  private byToken = new Map<string, StreamSession>();

  /** A session with a fresh token for (appId, partition), valid for `ttlMs`. */
  open(appId: string, partition: number, nowMs: number, ttlMs: number): StreamSession {
    const key = `${appId}\u0000${partition}`;
    const old = this.byKey.get(key);
    if (old) this.byToken.delete(old.token);
    const session: StreamSession = {
      appId,
      partition,
      token: randomBytes(24).toString('base64url'),
      expiresAtMs: nowMs + ttlMs,
    };
    this.byKey.set(key, session);
    this.byToken.set(session.token, session);
    return session;
  }

  /** Extends the live session of (appId, partition); undefined when there is none. */
  refresh(appId: string, partition: number, nowMs: number, ttlMs: number): StreamSession | undefined {
    const session = this.byKey.get(`${appId}\u0000${partition}`);
    if (!session || session.expiresAtMs <= nowMs) return undefined;
    session.expiresAtMs = nowMs + ttlMs;
    return session;
  }

  /** The live session a feed token belongs to. */
  byFeedToken(token: string, nowMs: number): StreamSession | undefined {
    const session = this.byToken.get(token);
    return session && session.expiresAtMs > nowMs ? session : undefined;
  }

  /** Expires every session now (fault: expired token); returns how many. */
  expireAll(nowMs: number): number {
    for (const session of this.byKey.values()) session.expiresAtMs = Math.min(session.expiresAtMs, nowMs);
    return this.byKey.size;
  }

  clear(): void {
    this.byKey.clear();
    this.byToken.clear();
  }
}
