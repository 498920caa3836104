/** Shared helpers of the emulator tests: start one emulator, log in, call routes over real HTTP. */
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.ts';

export interface FalconReply {
  status: number;
  headers: Headers;
  body: {
    meta: {
      query_time: number;
      powered_by: string;
      trace_id: string;
      pagination?: Record<string, unknown>;
      writes?: { resources_affected: number };
    };
    resources: unknown[];
    errors: { code: number; message: string; id?: string }[];
    [key: string]: unknown;
  };
}

/** Starts an emulator with small default sizes for fast tests. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    seed: 7,
    sizes: {
      detections: 300,
      incidents: 20,
      iocs: 60,
      scans: 10,
      scheduledScans: 4,
      idpSensors: 6,
      policyRules: 4,
      cases: 5,
    },
    anchorTime: '2026-11-20T00:00:00Z',
    ...options,
  });
}

/** Logs in with form credentials; returns the access token. */
export async function login(url: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }),
  });
  if (response.status !== 201)
    throw new Error(`login failed with ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export interface CallOptions {
  token?: string | undefined;
  query?: Record<string, string | readonly string[]>;
  json?: unknown;
  rawBody?: string;
  contentType?: string;
}

/** Calls a route and parses the JSON answer. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<FalconReply> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    for (const item of typeof value === 'string' ? [value] : value) search.append(key, item);
  }
  const headers: Record<string, string> = {};
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.rawBody !== undefined) body = options.rawBody;
  if (options.contentType !== undefined) headers['content-type'] = options.contentType;
  const qs = search.toString();
  const response = await fetch(`${url}${path}${qs ? `?${qs}` : ''}`, { method, headers, body: body ?? null });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: JSON.parse(text) as FalconReply['body'],
  };
}

/** A client bound to one emulator and token. */
export function client(emulator: RunningEmulator, token: string) {
  return {
    get: (path: string, query: CallOptions['query'] = {}) =>
      call(emulator.url, 'GET', path, { token, query }),
    post: (path: string, json: unknown, query: CallOptions['query'] = {}) =>
      call(emulator.url, 'POST', path, { token, json, query }),
    patch: (path: string, json: unknown, query: CallOptions['query'] = {}) =>
      call(emulator.url, 'PATCH', path, { token, json, query }),
    put: (path: string, json: unknown, query: CallOptions['query'] = {}) =>
      call(emulator.url, 'PUT', path, { token, json, query }),
    delete: (path: string, query: CallOptions['query'] = {}) =>
      call(emulator.url, 'DELETE', path, { token, query }),
  };
}

export type TestClient = ReturnType<typeof client>;
