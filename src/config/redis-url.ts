/**
 * REDIS_URL and the Redis topology it names. Three forms:
 *
 *   redis://[user:pass@]host:port[/db]                      one Redis (rediss:// for TLS)
 *   redis+cluster://[user:pass@]host:port,host:port[?opts]    a Redis Cluster: seed nodes, any masters or replicas
 *   redis+sentinel://[user:pass@]host:port,host:port/<master>[/db][?opts]   Sentinel: the sentinels and the master's name
 *
 * (`rediss+cluster://`, `rediss+sentinel://`: TLS to the data nodes.) Credentials in the URL are the data
 * nodes' (AUTH / ACL user); sentinels are reached without a password. Options in the query string:
 * `wait=<replicas>` and `waitMs=<ms>` make the writes that guard a Falcon write (intents, checkpoints)
 * wait for that many replicas to acknowledge them (Redis WAIT), so a failover right after them does not
 * lose them; cluster and Sentinel default to 1 replica, 500 ms; one Redis to 0 (no replica to wait for).
 *
 * Pure: no connection is made here (src/queue/bullmq.ts connects). Errors name REDIS_URL, what is wrong
 * and where, and never contain the password.
 */
import { ConfigError } from '../shared/errors.ts';
import { Secret } from '../shared/secret.ts';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** How long guarded writes wait for replicas, and for how many. replicas 0 = no WAIT. */
export interface ReplicaWait {
  replicas: number;
  timeoutMs: number;
}

interface TopologyBase {
  /** The URL with its password replaced, for logs and errors. */
  display: string;
  wait: ReplicaWait;
}

export type RedisTopology =
  | (TopologyBase & { kind: 'single'; url: string })
  | (TopologyBase & {
      kind: 'cluster';
      nodes: RedisNodeAddress[];
      tls: boolean;
      username: string | null;
      password: Secret | null;
    })
  | (TopologyBase & {
      kind: 'sentinel';
      sentinels: RedisNodeAddress[];
      masterName: string;
      db: number;
      tls: boolean;
      username: string | null;
      password: Secret | null;
    });

/** Replica wait of a cluster or Sentinel deployment unless the URL says otherwise. */
export const DEFAULT_REPLICATED_WAIT: ReplicaWait = { replicas: 1, timeoutMs: 500 };
const NO_WAIT: ReplicaWait = { replicas: 0, timeoutMs: 0 };

const FORMS =
  'redis://host:6379/0, rediss://host:6380, redis+cluster://host:7000,host:7001 or redis+sentinel://host:26379,host:26380/<master-name>';

/**
 * The userinfo (null when there is none) and what follows it, in the text after `scheme://`. The
 * userinfo ends at the LAST '@': a password written with a raw '/', '?' or '#' (generated passwords
 * often hold '/') must not end it early, or part of it would be read as a host and shown in errors.
 * Hosts, a database or master name and Talon's options never hold '@'.
 */
function splitUserinfo(rest: string): { userinfo: string | null; afterUserinfo: string } {
  const at = rest.lastIndexOf('@');
  return at < 0
    ? { userinfo: null, afterUserinfo: rest }
    : { userinfo: rest.slice(0, at), afterUserinfo: rest.slice(at + 1) };
}

/** `url` with any password replaced by `***` (also in the multi-host forms URL() cannot parse). */
export function redactRedisUrl(url: string): string {
  const scheme = /^[a-z+]+:\/\//i.exec(url)?.[0] ?? '';
  const { userinfo, afterUserinfo } = splitUserinfo(url.slice(scheme.length));
  if (userinfo === null) return url;
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? '' : userinfo.slice(0, colon);
  // A userinfo without ':' is a password alone in ioredis' reading (redis://secret@host): hide it all.
  return `${scheme}${user}:***@${afterUserinfo}`;
}

function fail(display: string, what: string): never {
  throw new ConfigError('SOAR_CONFIG_INVALID', `REDIS_URL ${display}: ${what} (forms: ${FORMS})`);
}

function decode(display: string, text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(display, `the ${what} has a bad %-escape`);
  }
}

function parseNode(display: string, text: string, defaultPort: number, index: number): RedisNodeAddress {
  const where = `host ${index + 1} ("${text}")`;
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail(display, `${where} opens an IPv6 address with [ but never closes it`);
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail(display, `${where} has text after the IPv6 address`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const parts = text.split(':');
    if (parts.length > 2) fail(display, `${where}: write an IPv6 address in brackets, [::1]:7000`);
    host = parts[0] ?? '';
    portText = parts[1];
  }
  if (host === '' || !/^[A-Za-z0-9._:-]+$/.test(host)) fail(display, `${where} has no valid host name`);
  if (portText === undefined) return { host, port: defaultPort };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    fail(display, `${where} has port "${portText}", expected a number from 1 to 65535`);
  return { host, port };
}

function parseWait(display: string, query: string, kind: 'single' | 'cluster' | 'sentinel'): ReplicaWait {
  const wait = { ...(kind === 'single' ? NO_WAIT : DEFAULT_REPLICATED_WAIT) };
  if (query === '') return wait;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const [name = '', value = ''] = pair.split('=');
    const n = Number(value);
    if (name === 'wait') {
      if (!/^\d+$/.test(value) || n > 16)
        fail(display, `wait=${value}: expected a replica count from 0 to 16`);
      wait.replicas = n;
    } else if (name === 'waitMs') {
      if (!/^\d+$/.test(value) || n < 1 || n > 60_000)
        fail(display, `waitMs=${value}: expected milliseconds from 1 to 60000`);
      wait.timeoutMs = n;
    } else if (kind !== 'single') {
      fail(display, `unknown option "${name}" (known: wait, waitMs)`);
    }
  }
  if (wait.replicas > 0 && wait.timeoutMs === 0) wait.timeoutMs = DEFAULT_REPLICATED_WAIT.timeoutMs;
  return wait;
}

/** Removes Talon's own options (wait, waitMs) from a one-node URL before ioredis reads it. */
function withoutTalonOptions(url: URL): string {
  url.searchParams.delete('wait');
  url.searchParams.delete('waitMs');
  return url.toString();
}

/**
 * The topology named by `url`.
 * @throws ConfigError (SOAR_CONFIG_INVALID) naming what is wrong and where, with the password hidden.
 */
export function parseRedisUrl(url: string): RedisTopology {
  const trimmed = url.trim();
  const display = redactRedisUrl(trimmed);
  if (/\s/.test(trimmed)) fail(display, 'contains white space');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (!scheme) fail(display, 'does not start with a scheme such as redis://');
  const name = (scheme[1] ?? '').toLowerCase();
  if (name === 'redis' || name === 'rediss') {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return fail(
        display,
        "is not a valid URL (%-encode a password's '/', '?', '#' or '@': %2F, %3F, %23, %40)",
      );
    }
    if (parsed.hostname === '') fail(display, 'has no host');
    if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,2}$/.test(parsed.pathname))
      fail(display, `the path "${parsed.pathname}" must be a database number such as /0`);
    const wait = parseWait(display, parsed.search.slice(1), 'single');
    return { kind: 'single', url: withoutTalonOptions(parsed), display, wait };
  }
  const match = /^(rediss?)\+(cluster|sentinel)$/.exec(name);
  if (!match) fail(display, `unknown scheme "${name}://"`);
  const tls = match[1] === 'rediss';
  const kind = match[2] as 'cluster' | 'sentinel';
  const { userinfo, afterUserinfo: rest } = splitUserinfo(trimmed.slice(scheme[0].length));
  const queryAt = rest.indexOf('?');
  const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const query = queryAt < 0 ? '' : rest.slice(queryAt + 1);
  const slash = beforeQuery.indexOf('/');
  const hostList = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
  const path = slash < 0 ? '' : beforeQuery.slice(slash + 1);
  let username: string | null = null;
  let password: Secret | null = null;
  if (userinfo !== null) {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? '' : decode(display, userinfo.slice(0, colon), 'user name');
    const pass = decode(display, colon < 0 ? userinfo : userinfo.slice(colon + 1), 'password');
    username = user === '' ? null : user;
    password = pass === '' ? null : new Secret(pass);
  }
  if (hostList === '') fail(display, 'lists no host');
  const defaultPort = kind === 'sentinel' ? 26379 : 6379;
  const nodes = hostList.split(',').map((text, i) => parseNode(display, text, defaultPort, i));
  const wait = parseWait(display, query, kind);
  if (kind === 'cluster') {
    if (path !== '')
      fail(display, `a cluster has no database path ("/${path}"): Redis Cluster only has database 0`);
    return { kind, nodes, tls, username, password, display, wait };
  }
  const [master = '', dbText, ...extra] = path.split('/');
  if (master === '') fail(display, 'names no master: add /<master-name> after the sentinel hosts');
  if (!/^[A-Za-z0-9._-]+$/.test(master))
    fail(display, `master name "${master}" may hold only letters, digits, '.', '_' and '-'`);
  if (extra.length > 0) fail(display, 'has more path after /<master-name>/<db>');
  let db = 0;
  if (dbText !== undefined && dbText !== '') {
    if (!/^\d{1,2}$/.test(dbText))
      fail(display, `database "${dbText}" after the master name must be a number`);
    db = Number(dbText);
  }
  return { kind, sentinels: nodes, masterName: master, db, tls, username, password, display, wait };
}
