/**
 * OAuth2 client credentials and bearer tokens (falcon-api.md §1, §9.2-3). Clients are configured
 * with their scopes; tokens are random, expire after the configured TTL and can be expired or
 * revoked from the admin surface. Secrets are compared in constant time and never logged.
 */
import { timingSafeEqual } from 'node:crypto';
import { randomHex } from '../shared/index.ts';

/** An API client the emulator accepts. */
export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  /** OAuth2 scopes such as "detects:read", or '*' for every scope. */
  scopes: readonly string[] | '*';
  /** Customer id the client belongs to (32 hex). @default the emulator's CID */
  cid?: string;
}

/** Who a valid token belongs to. */
export interface Session {
  clientId: string;
  cid: string;
  scopes: readonly string[] | '*';
  expiresAtMs: number;
}

export type TokenLookup = { kind: 'valid'; session: Session } | { kind: 'invalid' };

/** Known clients and issued tokens. */
export class AuthRegistry {
  private readonly clients: Map<string, EmulatorClient>;
  private readonly defaultCid: string;
  private readonly tokens = new Map<string, Session>();
  private ttlSeconds: number;

  constructor(clients: readonly EmulatorClient[], defaultCid: string, ttlSeconds: number) {
    this.clients = new Map(clients.map((c) => [c.clientId, c]));
    this.defaultCid = defaultCid;
    this.ttlSeconds = ttlSeconds;
  }

  /** The client when id and secret match, else undefined. */
  authenticate(clientId: string, clientSecret: string): EmulatorClient | undefined {
    const client = this.clients.get(clientId);
    if (!client) return undefined;
    const expected = Buffer.from(client.clientSecret);
    const given = Buffer.from(clientSecret);
    return expected.length === given.length && timingSafeEqual(expected, given) ? client : undefined;
  }

  /** Issues a token; `memberCid` (MSSP) locks it to that customer. */
  issue(client: EmulatorClient, nowMs: number, memberCid?: string): { token: string; expiresIn: number } {
    const token = randomHex(32);
    this.tokens.set(token, {
      clientId: client.clientId,
      cid: (memberCid ?? client.cid ?? this.defaultCid).toLowerCase(),
      scopes: client.scopes,
      expiresAtMs: nowMs + this.ttlSeconds * 1000,
    });
    return { token, expiresIn: this.ttlSeconds };
  }

  /** Resolves an `Authorization` header value. */
  lookup(authorization: string | undefined, nowMs: number): TokenLookup {
    const match = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const session = match ? this.tokens.get(match[1] as string) : undefined;
    if (!session || session.expiresAtMs <= nowMs) return { kind: 'invalid' };
    return { kind: 'valid', session };
  }

  /** Revokes one token; true when it existed. */
  revoke(token: string): boolean {
    return this.tokens.delete(token);
  }

  /** Makes every issued token expired now (clients must log in again). */
  expireAll(nowMs: number): number {
    for (const session of this.tokens.values()) session.expiresAtMs = Math.min(session.expiresAtMs, nowMs);
    return this.tokens.size;
  }

  /** Forgets every issued token. */
  revokeAll(): number {
    const count = this.tokens.size;
    this.tokens.clear();
    return count;
  }

  /** Whether a session may call an operation needing `scope`. */
  static allows(session: Session, scope: string): boolean {
    return session.scopes === '*' || session.scopes.includes(scope);
  }
}

/** Reads `Authorization: Basic b64(id:secret)` (scheme in any case, falcon-api.md §1.2). */
export function parseBasicAuth(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}
