/**
 * Outbound proxy choice for Falcon calls, the way corporate networks configure it: HTTPS_PROXY (or
 * HTTP_PROXY for plain-http targets), bypassed for hosts listed in NO_PROXY. Pure: loadConfig reads
 * the variables, the Falcon client asks `proxyFor(baseUrl)`.
 *
 * NO_PROXY: comma- or space-separated; `*` bypasses everything; `example.com` and `.example.com` match
 * the host and its subdomains; `host:port` matches that port only; an IP matches that IP.
 */
import { Secret } from '../shared/secret.ts';

export interface ProxySettings {
  /** Proxy URL for https targets (may carry credentials, hence a Secret). */
  https: Secret | null;
  /** Proxy URL for http targets. */
  http: Secret | null;
  noProxy: readonly string[];
}

export const NO_PROXY_SETTINGS: ProxySettings = Object.freeze({ https: null, http: null, noProxy: [] });

/** Builds the settings from raw values; `problems` collects malformed ones. */
export function readProxySettings(
  raw: { https?: string | undefined; http?: string | undefined; noProxy?: string | undefined },
  problems: string[],
): ProxySettings {
  const url = (name: string, value: string | undefined): Secret | null => {
    if (value === undefined) return null;
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return new Secret(value);
    } catch {
      // reported below
    }
    problems.push(`${name} must be an http:// or https:// proxy URL, for example http://proxy.corp:3128`);
    return null;
  };
  return {
    https: url('HTTPS_PROXY', raw.https),
    http: url('HTTP_PROXY', raw.http),
    noProxy: (raw.noProxy ?? '')
      .split(/[\s,]+/)
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry) => entry !== ''),
  };
}

/** The proxy to use for requests to `targetUrl`, or null to connect directly. */
export function proxyFor(targetUrl: string, settings: ProxySettings): Secret | null {
  const target = new URL(targetUrl);
  const proxy = target.protocol === 'https:' ? settings.https : settings.http;
  if (proxy === null) return null;
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const bypass = settings.noProxy.some((entry) => {
    if (entry === '*') return true;
    // "[::1]:8081", "::1" (an IPv6 address without a port), "host:port" or "host".
    const [entryHost = '', entryPort] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':').length > 2
        ? [entry, undefined]
        : entry.split(':');
    if (entryPort !== undefined && entryPort !== port) return false;
    const domain = entryHost.replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
  return bypass ? null : proxy;
}

/** True for localhost and loopback addresses (127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
