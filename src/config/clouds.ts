import { isLoopbackHost } from './proxy.ts';

/** Falcon cloud names and their API base URLs (falcon-api.md §1.4). */
export const FALCON_CLOUDS = {
  'us-1': 'https://api.crowdstrike.com',
  'us-2': 'https://api.us-2.crowdstrike.com',
  'eu-1': 'https://api.eu-1.crowdstrike.com',
  'us-gov-1': 'https://api.laggar.gcw.crowdstrike.com',
  'us-gov-2': 'https://api.us-gov-2.crowdstrike.mil',
} as const;

export type FalconCloudName = keyof typeof FALCON_CLOUDS;

/**
 * Resolves a cloud name (case-insensitive, dash optional) or a URL to a base URL; null if neither.
 * A URL must be https, or plain http to a loopback address (the emulator): credentials and tokens
 * never cross a network in clear text.
 */
export function resolveFalconBaseUrl(value: string): string | null {
  const trimmed = value.trim();
  const byName = Object.entries(FALCON_CLOUDS).find(
    ([name]) => name.replace(/-/g, '') === trimmed.toLowerCase().replace(/-/g, ''),
  );
  if (byName) return byName[1];
  try {
    const url = new URL(trimmed);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) return null;
    return trimmed.replace(/\/+$/, '');
  } catch {
    return null;
  }
}
