/**
 * API tokens and roles for `talon serve`. Framework-free: server.ts wires it into fastify.
 *
 * How a route declares the role it needs (for every helper adding routes to src/server/server.ts):
 *
 *     app.get('/runs/:id', { config: access('viewer') }, handler);      // viewer, operator, admin
 *     app.post('/runs', { config: access('operator') }, handler);        // operator, admin
 *     app.post('/hooks/*', { config: access('webhook') }, handler);      // signed webhook, no token
 *     app.get('/approvals/links/:token', { config: access('signed-link') }, handler); // HMAC link, no token
 *     app.get('/healthz', { config: access('public') }, handler);        // open: health only
 *
 * server.ts refuses to register a route whose config has no `access` (the server fails to start), so a
 * route cannot be exposed by forgetting. In a handler, `principalOf(request)` (server.ts) says who called.
 *
 * Roles are ordered: scrape < viewer < operator < admin. `scrape` reads /metrics only (a Prometheus
 * scrape token); viewer reads runs and the dashboard; operator also starts runs and decides
 * approvals; admin also uses the dashboard's write actions.
 *
 * Tokens look like `talon_<12 hex id>_<43 base64url chars>` (256 random bits). Only the SHA-256 of a
 * token is stored (a token is random, so a slow hash adds nothing) and the comparison is constant-time.
 * A request carries one as `Authorization: Bearer <token>`, or as the password of HTTP Basic auth (so a
 * browser can open Bull Board: the user name is ignored).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SoarError } from '../shared/index.ts';

export const ROLES = ['scrape', 'viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs: a role, a valid webhook signature or a signed one-time link (both checked by
 * the handler), or nothing.
 */
export type RouteAccess = Role | 'webhook' | 'signed-link' | 'public';

/** The route option that declares access: `{ config: access('viewer') }`. */
export function access(needed: RouteAccess): { access: RouteAccess } {
  return { access: needed };
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when a token holding `held` may use a route needing `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** One token as stored: never the token itself, only its hash. */
export interface StoredToken {
  id: string;
  name: string;
  role: Role;
  sha256: string;
  createdAt: string;
}

/** Who made a request. */
export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
}

const TOKEN_RE = /^talon_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A new random token; the plain value is shown once and only `stored` is kept. */
export function newApiToken(name: string, role: Role, nowMs: number): { token: string; stored: StoredToken } {
  const id = randomBytes(6).toString('hex');
  const token = `talon_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    token,
    stored: { id, name, role, sha256: sha256Hex(token), createdAt: new Date(nowMs).toISOString() },
  };
}

/** The token a request carries (Bearer, or Basic's password), or null. */
export function tokenFromAuthorization(header: string | undefined): string | null {
  if (header === undefined) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (value === undefined) return null;
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? null : decoded.slice(colon + 1);
  }
  return null;
}

/**
 * Finds the stored token matching `token`, comparing hashes in constant time.
 * @returns the principal, or null for an unknown, revoked or malformed token.
 */
export function verifyApiToken(token: string, stored: readonly StoredToken[]): Principal | null {
  const match = TOKEN_RE.exec(token);
  if (!match) return null;
  const entry = stored.find((s) => s.id === match[1]);
  // Compare against a dummy when the id is unknown so both paths do the same work.
  const expected = Buffer.from(entry?.sha256 ?? '0'.repeat(64), 'hex');
  const given = Buffer.from(sha256Hex(token), 'hex');
  const equal = expected.length === given.length && timingSafeEqual(expected, given);
  return entry !== undefined && equal ? { tokenId: entry.id, name: entry.name, role: entry.role } : null;
}

/**
 * Decides a request: the principal when allowed.
 * @throws SoarError SOAR_SERVER_UNAUTHENTICATED (401: no or unknown token) or SOAR_SERVER_FORBIDDEN
 *   (403: the token's role is below `needed`). Messages never repeat the token.
 */
export function authorize(
  authorization: string | undefined,
  needed: Role,
  stored: readonly StoredToken[],
): Principal {
  const token = tokenFromAuthorization(authorization);
  if (token === null) {
    throw new SoarError(
      'SOAR_SERVER_UNAUTHENTICATED',
      'this route needs an API token (Authorization: Bearer)',
      {
        details: { status: 401 },
      },
    );
  }
  const principal = verifyApiToken(token, stored);
  if (principal === null) {
    throw new SoarError('SOAR_SERVER_UNAUTHENTICATED', 'the API token is not valid (unknown or revoked)', {
      details: { status: 401 },
    });
  }
  if (!roleAllows(principal.role, needed)) {
    throw new SoarError(
      'SOAR_SERVER_FORBIDDEN',
      `this route needs the ${needed} role; token "${principal.name}" has ${principal.role}`,
      { details: { status: 403 } },
    );
  }
  return principal;
}
