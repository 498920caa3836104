/**
 * POST /oauth2/token and POST /oauth2/revoke (falcon-api.md §1, §9.2). Credentials come from the
 * form body or HTTP Basic (any case of the scheme); grant_type is ignored; success is 201 with
 * access_token, token_type 'bearer' and expires_in. No X-Cs-Region naming a real region is ever sent.
 */
import { parseBasicAuth } from './auth.ts';
import type { EmulatorServices, Exchange } from './exchange.ts';
import type { Reply } from './http/envelope.ts';
import { parseFormBody, readRawBody } from './http/read-body.ts';
import { FalconReplyError, badRequest } from './http/reply-error.ts';
import { rateHeaders } from './rate-limit.ts';

export const TOKEN_PATH = '/oauth2/token';
export const REVOKE_PATH = '/oauth2/revoke';

const REDACTED_FORM_FIELDS = new Set(['client_secret', 'token', 'access_token']);

/** Answers an OAuth2 route; `applyFault` runs the fault book for the operation. */
export async function handleOAuth(
  services: EmulatorServices,
  exchange: Exchange,
  applyFault: (operationId: string) => Promise<void>,
): Promise<Reply> {
  exchange.poweredBy = 'csam';
  const isToken = exchange.path === TOKEN_PATH;
  exchange.operationId = isToken ? 'oauth2AccessToken' : 'oauth2RevokeToken';
  if (exchange.method !== 'POST')
    throw new FalconReplyError(405, `method ${exchange.method} not allowed on ${exchange.path}`);
  const decision = services.limiters.token.take(exchange.ip, services.options.clock.now());
  exchange.rateHeaders = rateHeaders(decision);
  if (!decision.allowed) throw new FalconReplyError(429, 'API rate limit exceeded.');
  const form = parseFormBody(await readRawBody(exchange.req, services.options.maxBodyBytes));
  exchange.loggedBody = Object.fromEntries(
    [...form.entries()].map(([k, v]) => [k, REDACTED_FORM_FIELDS.has(k) ? '[redacted]' : v]),
  );
  await applyFault(exchange.operationId);
  return isToken ? issueToken(services, exchange, form) : revokeToken(services, exchange, form);
}

function issueToken(services: EmulatorServices, exchange: Exchange, form: URLSearchParams): Reply {
  const basic = parseBasicAuth(exchange.req.headers.authorization);
  const clientId = form.get('client_id') ?? basic?.clientId;
  const clientSecret = form.get('client_secret') ?? basic?.clientSecret;
  if (!clientId || !clientSecret)
    throw badRequest('client_id and client_secret are required (form body or HTTP Basic)');
  exchange.clientId = clientId;
  const memberCid = form.get('member_cid') ?? undefined;
  if (memberCid !== undefined && !/^[0-9a-fA-F]{32}$/.test(memberCid)) {
    throw badRequest(`member_cid must be 32 hex characters (got "${memberCid}")`);
  }
  const client = services.auth.authenticate(clientId, clientSecret);
  if (!client) throw new FalconReplyError(403, 'Failed to issue access token - Client authentication failed');
  if (memberCid !== undefined) {
    // MSSP: a parent's client may lock its token to itself or to one of its children (Flight Control).
    const own = (client.cid ?? services.state.cid).toLowerCase();
    const child = services.state.children.get(memberCid.toLowerCase());
    if (memberCid.toLowerCase() !== own && child?.child_of !== own) {
      throw new FalconReplyError(
        403,
        "Failed to issue access token - member_cid is not a child of this API client's CID",
      );
    }
  }
  const { token, expiresIn } = services.auth.issue(client, services.options.clock.now(), memberCid);
  const headers: Record<string, string> = {};
  if (services.options.region) headers['X-Cs-Region'] = services.options.region;
  return {
    status: 201,
    meta: { queryTimeSeconds: 0, poweredBy: 'csam', traceId: exchange.traceId },
    headers,
    rawBody: { access_token: token, token_type: 'bearer', expires_in: expiresIn },
  };
}

function revokeToken(services: EmulatorServices, exchange: Exchange, form: URLSearchParams): Reply {
  const basic = parseBasicAuth(exchange.req.headers.authorization);
  if (basic) {
    exchange.clientId = basic.clientId;
    if (!services.auth.authenticate(basic.clientId, basic.clientSecret)) {
      throw new FalconReplyError(403, 'access denied, authorization failed');
    }
  }
  const token = form.get('token');
  if (!token) throw badRequest('token is required');
  services.auth.revoke(token);
  return { status: 200, meta: { queryTimeSeconds: 0, poweredBy: 'csam', traceId: exchange.traceId } };
}
