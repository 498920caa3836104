/**
 * One stream as listAvailableStreamsOAuth2 describes it, checked the way gofalcon's
 * checkStreamDescriptor does (dataFeedURL, sessionToken.token and a usable
 * refreshActiveSessionInterval are required), with the partition read from refreshActiveSessionURL
 * the way the integration gateway does (`.../datafeed-actions/v1/<partition>?...`).
 */
import { FalconApiError } from '../errors.ts';

export interface StreamDescriptor {
  partition: number;
  /** The feed URL as given (it already carries `?appId=...`). */
  dataFeedURL: string;
  token: string;
  /** Session expiry (epoch ms), from sessionToken.expiration. */
  expiresAtMs: number;
  /** refreshActiveSessionInterval, in seconds. */
  refreshIntervalSeconds: number;
}

function bad(message: string): FalconApiError {
  return new FalconApiError('SOAR_FALCON_BAD_RESPONSE', `listAvailableStreamsOAuth2: ${message}`, {
    operationId: 'listAvailableStreamsOAuth2',
  });
}

/** Parses one resource of the list answer. @throws FalconApiError SOAR_FALCON_BAD_RESPONSE */
export function parseStreamDescriptor(resource: unknown): StreamDescriptor {
  if (typeof resource !== 'object' || resource === null) throw bad('a stream resource is not an object');
  const r = resource as Record<string, unknown>;
  const url = r['dataFeedURL'];
  if (typeof url !== 'string' || url === '') throw bad('stream has no dataFeedURL');
  const session = r['sessionToken'] as Record<string, unknown> | undefined;
  const token = session?.['token'];
  if (typeof token !== 'string' || token === '') throw bad('stream has no sessionToken.token');
  const interval = r['refreshActiveSessionInterval'];
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0)
    throw bad(`stream has an unusable refreshActiveSessionInterval (${String(interval)})`);
  const refreshUrl = String(r['refreshActiveSessionURL'] ?? '');
  const match = /\/sensors\/entities\/datafeed-actions\/v1\/([0-9]+)\?/.exec(refreshUrl);
  if (!match)
    throw bad(`cannot read the partition from refreshActiveSessionURL "${refreshUrl.slice(0, 120)}"`);
  const expiration = Date.parse(String(session?.['expiration'] ?? ''));
  return {
    partition: Number(match[1]),
    dataFeedURL: url,
    token,
    expiresAtMs: Number.isNaN(expiration) ? Number.POSITIVE_INFINITY : expiration,
    refreshIntervalSeconds: interval,
  };
}

/** When to refresh a session: at 9/10 of the interval, as gofalcon and the integration gateway do. */
export function refreshDelayMs(descriptor: StreamDescriptor): number {
  return Math.floor(descriptor.refreshIntervalSeconds * 900);
}
