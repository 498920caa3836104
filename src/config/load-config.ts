import { ConfigError } from '../shared/errors.ts';
import { Secret } from '../shared/secret.ts';
import type { LogLevel } from '../shared/logger.ts';
import { FALCON_CLOUDS, resolveFalconBaseUrl } from './clouds.ts';
import { type ProxySettings, proxyFor, readProxySettings } from './proxy.ts';
import { parseRedisUrl } from './redis-url.ts';

/** Falcon API credentials and where to send them. */
export interface FalconConfig {
  clientId: string;
  clientSecret: Secret;
  /** API base URL without a trailing slash. */
  baseUrl: string;
  /** MSSP child CID, or null. */
  memberCid: string | null;
  /** The proxy for this base URL (HTTPS_PROXY unless NO_PROXY bypasses it); absent or null: direct. */
  proxy?: Secret | null;
}

/** Everything Talon reads from the environment, validated once and frozen. */
export interface AppConfig {
  /** Null when no Falcon credentials are set (the demo then uses the embedded emulator). */
  falcon: FalconConfig | null;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY for Falcon calls. */
  proxy: ProxySettings;
  /** Null when REDIS_URL is not set. */
  redisUrl: string | null;
  /** Null when TALON_WEBHOOK_SECRET is not set. */
  webhookSecret: Secret | null;
  /** TALON_JOB_SIGNING_KEY: signs run jobs (producers) and verifies them (workers); null when unset. */
  jobSigningKey: Secret | null;
  /** TALON_TOKENS_FILE: where `talon serve` reads API tokens (hashed); null when unset. */
  tokensFile: string | null;
  /** TALON_TENANTS_FILE: named Falcon tenants (src/tenants reads it); null = the one tenant of FALCON_*. */
  tenantsFile: string | null;
  logLevel: LogLevel;
  /**
   * TALON_PROTECTED_HOSTS: an FQL filter over devices naming hosts response actions must never
   * contain or change (e.g. product_type_desc:'Domain Controller'); null when unset.
   */
  protectedHostsFilter: string | null;
  /** Approval settings: groups for `group:<name>` approvers, the link signing key, the public URL. */
  approvals: ApprovalConfig;
  /**
   * TALON_RUN_RETENTION_COUNT: finished runs a worker keeps in Redis (the newest n succeeded or
   * cancelled, and apart from them the newest n failed); null when unset (the worker's default).
   */
  runRetentionCount: number | null;
}

/** How approval steps name people and sign their links. */
export interface ApprovalConfig {
  /** TALON_APPROVER_GROUPS "soc-leads=alice,bob;managers=carol": group -> user names (lower case). */
  groups: Readonly<Record<string, readonly string[]>>;
  /** TALON_APPROVAL_KEY: the HMAC key of one-time approval links; null = no links. */
  linkKey: Secret | null;
  /** TALON_PUBLIC_URL: where people reach `talon serve` (links point there), without a trailing slash. */
  publicUrl: string | null;
}

/** The variables Talon reads. Nothing else in the environment is looked at. */
export const CONFIG_VARIABLES = [
  'FALCON_CLIENT_ID',
  'FALCON_CLIENT_SECRET',
  'FALCON_CLOUD',
  'FALCON_MEMBER_CID',
  'REDIS_URL',
  'TALON_WEBHOOK_SECRET',
  'TALON_TOKENS_FILE',
  'TALON_TENANTS_FILE',
  'TALON_JOB_SIGNING_KEY',
  'TALON_LOG_LEVEL',
  'TALON_PROTECTED_HOSTS',
  'TALON_APPROVER_GROUPS',
  'TALON_APPROVAL_KEY',
  'TALON_PUBLIC_URL',
  'TALON_RUN_RETENTION_COUNT',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * Reads and validates the configuration. All problems are collected and reported together.
 * @throws ConfigError SOAR_CONFIG_INVALID or SOAR_CONFIG_MISSING naming each variable and what is wanted.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: (typeof CONFIG_VARIABLES)[number]): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const redisUrl = read('REDIS_URL') ?? null;
  // Lower-case spellings are as common as upper-case ones; the upper-case one wins.
  const proxy = readProxySettings(
    {
      https: read('HTTPS_PROXY') ?? readLower(env, 'https_proxy'),
      http: read('HTTP_PROXY') ?? readLower(env, 'http_proxy'),
      noProxy: read('NO_PROXY') ?? readLower(env, 'no_proxy'),
    },
    problems,
  );
  const falcon = readFalcon(read, problems, proxy);
  if (redisUrl !== null) {
    try {
      parseRedisUrl(redisUrl);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  const webhookRaw = read('TALON_WEBHOOK_SECRET');
  if (webhookRaw !== undefined && webhookRaw.length < 16) {
    problems.push(
      'TALON_WEBHOOK_SECRET must be at least 16 characters (a random string shared with the sender)',
    );
  }
  const signingRaw = read('TALON_JOB_SIGNING_KEY');
  if (signingRaw !== undefined && signingRaw.length < 32) {
    problems.push('TALON_JOB_SIGNING_KEY must be at least 32 characters (for example: openssl rand -hex 32)');
  }
  const logLevel = (read('TALON_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`TALON_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const approvals = readApprovals(read, problems);
  const retentionRaw = read('TALON_RUN_RETENTION_COUNT');
  const runRetentionCount = retentionRaw === undefined ? null : Number(retentionRaw);
  if (runRetentionCount !== null && !(Number.isInteger(runRetentionCount) && runRetentionCount >= 1)) {
    problems.push(
      `TALON_RUN_RETENTION_COUNT must be a whole number ≥ 1 of finished runs to keep, for example 10000 (got "${retentionRaw}")`,
    );
  }

  if (problems.length > 0) {
    const missing = problems.every((p) => p.includes(' is not set'));
    throw new ConfigError(
      missing ? 'SOAR_CONFIG_MISSING' : 'SOAR_CONFIG_INVALID',
      `invalid configuration:\n  - ${problems.join('\n  - ')}`,
      { details: { problems } },
    );
  }
  return Object.freeze({
    falcon: falcon === null ? null : Object.freeze(falcon),
    proxy: Object.freeze(proxy),
    redisUrl,
    webhookSecret: webhookRaw === undefined ? null : new Secret(webhookRaw),
    tokensFile: read('TALON_TOKENS_FILE') ?? null,
    tenantsFile: read('TALON_TENANTS_FILE') ?? null,
    jobSigningKey: signingRaw === undefined ? null : new Secret(signingRaw),
    logLevel,
    protectedHostsFilter: read('TALON_PROTECTED_HOSTS') ?? null,
    approvals: Object.freeze(approvals),
    runRetentionCount,
  });
}

function readApprovals(
  read: (name: (typeof CONFIG_VARIABLES)[number]) => string | undefined,
  problems: string[],
): ApprovalConfig {
  const groups: Record<string, string[]> = {};
  for (const entry of (read('TALON_APPROVER_GROUPS') ?? '').split(';')) {
    if (entry.trim() === '') continue;
    const [name = '', members = ''] = entry.split('=');
    const names = members
      .split(',')
      .map((m) => m.trim().toLowerCase())
      .filter((m) => m !== '');
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name.trim()) || names.length === 0) {
      problems.push(
        `TALON_APPROVER_GROUPS entry "${entry.trim()}" must be <group>=<name>,<name> (groups separated by ;)`,
      );
      continue;
    }
    groups[name.trim()] = names;
  }
  const key = read('TALON_APPROVAL_KEY');
  if (key !== undefined && key.length < 32) {
    problems.push('TALON_APPROVAL_KEY must be at least 32 characters (random; only Talon holds it)');
  }
  const publicUrl = read('TALON_PUBLIC_URL')?.replace(/\/+$/, '') ?? null;
  if (publicUrl !== null && !/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    problems.push('TALON_PUBLIC_URL must be an http(s) URL, for example https://talon.example.com');
  }
  return { groups, linkKey: key === undefined ? null : new Secret(key), publicUrl };
}

function readFalcon(
  read: (name: (typeof CONFIG_VARIABLES)[number]) => string | undefined,
  problems: string[],
  proxy: ProxySettings,
): FalconConfig | null {
  const clientId = read('FALCON_CLIENT_ID');
  const clientSecret = read('FALCON_CLIENT_SECRET');
  const cloud = read('FALCON_CLOUD') ?? 'us-1';
  const memberCid = read('FALCON_MEMBER_CID') ?? null;
  if (clientId === undefined && clientSecret === undefined) return null;
  if (clientId === undefined)
    problems.push('FALCON_CLIENT_ID is not set (FALCON_CLIENT_SECRET is; set both or neither)');
  if (clientSecret === undefined) {
    problems.push('FALCON_CLIENT_SECRET is not set (FALCON_CLIENT_ID is; set both or neither)');
  }
  if (clientId !== undefined && !/^[0-9a-f]{32}$/i.test(clientId) && !/^[\w.-]{1,128}$/.test(clientId)) {
    problems.push('FALCON_CLIENT_ID must be an API client id (32 hex characters)');
  }
  const baseUrl = resolveFalconBaseUrl(cloud);
  if (baseUrl === null && /^http:\/\//i.test(cloud)) {
    problems.push(
      'FALCON_CLOUD may use plain http only for a loopback address (the emulator, e.g. http://127.0.0.1:8081); use https',
    );
  } else if (baseUrl === null) {
    problems.push(
      `FALCON_CLOUD must be one of ${Object.keys(FALCON_CLOUDS).join(', ')} or an http(s) base URL`,
    );
  }
  if (memberCid !== null && !/^[0-9a-f]{32}(-[0-9a-f]{2})?$/i.test(memberCid)) {
    problems.push('FALCON_MEMBER_CID must be a CID (32 hex characters)');
  }
  if (clientId === undefined || clientSecret === undefined || baseUrl === null) return null;
  return {
    clientId,
    clientSecret: new Secret(clientSecret),
    baseUrl,
    memberCid,
    proxy: proxyFor(baseUrl, proxy),
  };
}

function readLower(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * Reads the named variables for playbook expressions (`env.NAME`), only those a playbook allows.
 * Missing ones are left out. This is the one place besides loadConfig that reads the environment.
 */
export function readAllowedEnv(names: readonly string[], env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && !isTalonOwned(name)) out[name] = value;
  }
  return out;
}

/**
 * Talon's own variables (credentials) and the named secrets (TALON_SECRET_*, TALON_SECRETS_DIR) are
 * never visible through `env`: a secret reaches a step only as `${{ secrets.NAME }}` in a secret slot.
 */
function isTalonOwned(name: string): boolean {
  return (
    (CONFIG_VARIABLES as readonly string[]).includes(name) ||
    name.startsWith('TALON_SECRET_') ||
    name === 'TALON_SECRETS_DIR'
  );
}

/**
 * The environment that playbook expressions may see through `env`, minus Talon's own variables (which
 * hold credentials). Each run still sees only the names its playbook lists under `env:`.
 */
export function readExpressionEnv(env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !isTalonOwned(name)) out[name] = value;
  }
  return out;
}

/**
 * What finding (or installing) a local redis-server depends on (src/local/redis-install.ts): PATH and
 * TALON_NO_INSTALL ('1' refuses the install).
 */
export function readInstallEnv(env: Env = process.env): { PATH?: string; TALON_NO_INSTALL?: string } {
  return {
    ...(env['PATH'] === undefined ? {} : { PATH: env['PATH'] }),
    ...(env['TALON_NO_INSTALL'] === undefined ? {} : { TALON_NO_INSTALL: env['TALON_NO_INSTALL'] }),
  };
}

/**
 * A secret named by a playbook (a webhook trigger's `secret_env`), wrapped so it cannot be printed;
 * null when the variable is unset or empty.
 */
export function readSecretVariable(name: string, env: Env = process.env): Secret | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : new Secret(value.trim());
}

/** TALON_TENANTS_FILE alone (for `talon validate`, which checks names without the rest of the config). */
export function readTenantsFileVariable(env: Env = process.env): string | null {
  const value = env['TALON_TENANTS_FILE']?.trim();
  return value === undefined || value === '' ? null : value;
}
