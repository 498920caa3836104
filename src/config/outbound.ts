/**
 * Where named secrets come from and what the workers may call: read from the environment once, like
 * the rest of the configuration. Secret values are not read here (src/secrets reads them at call
 * time), only the variables that carry them or point at their files.
 */
import { ConfigError } from '../shared/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Prefix of the variables that hold named secrets: TALON_SECRET_<NAME>, TALON_SECRET_<NAME>_FILE. */
export const SECRET_VARIABLE_PREFIX = 'TALON_SECRET_';

/** A secret name: letters, digits and underscores, starting with a letter. */
export const SECRET_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Where each named secret can be found; values are read only when a step needs them. */
export interface SecretSources {
  /** NAME -> value, from TALON_SECRET_<NAME>. */
  values: Readonly<Record<string, string>>;
  /** NAME -> path of a file holding the value, from TALON_SECRET_<NAME>_FILE. */
  files: Readonly<Record<string, string>>;
  /** A folder of files named after secrets (Docker and Kubernetes secrets), from TALON_SECRETS_DIR. */
  dir: string | null;
}

/**
 * Collects the secret variables. A name set both as a value and as a file is refused: which one wins
 * would be a guess.
 * @throws ConfigError SOAR_CONFIG_INVALID naming the variables.
 */
export function readSecretSources(env: Env = process.env): SecretSources {
  const values: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const [variable, raw] of Object.entries(env)) {
    if (!variable.startsWith(SECRET_VARIABLE_PREFIX) || raw === undefined || raw === '') continue;
    const rest = variable.slice(SECRET_VARIABLE_PREFIX.length);
    if (rest.endsWith('_FILE')) files[rest.slice(0, -'_FILE'.length)] = raw.trim();
    else values[rest] = raw;
  }
  const problems = Object.keys(files)
    .filter((name) => Object.hasOwn(values, name))
    .map(
      (name) =>
        `${SECRET_VARIABLE_PREFIX}${name} and ${SECRET_VARIABLE_PREFIX}${name}_FILE are both set; keep one`,
    );
  for (const name of [...Object.keys(values), ...Object.keys(files)]) {
    if (!SECRET_NAME_PATTERN.test(name)) {
      problems.push(
        `${SECRET_VARIABLE_PREFIX}${name}: a secret name is letters, digits and _ starting with a letter`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      'SOAR_CONFIG_INVALID',
      `invalid secret configuration:\n  - ${problems.join('\n  - ')}`,
      {
        details: { problems },
      },
    );
  }
  const dir = env['TALON_SECRETS_DIR']?.trim();
  return { values, files, dir: dir === undefined || dir === '' ? null : dir };
}

/** What http.request and the chat notifications may reach. */
export interface OutboundPolicy {
  /** Private, loopback, link-local and other internal addresses are refused unless this is true. */
  allowPrivate: boolean;
  /** When set, only these hosts (exact, or `*.example.com` for subdomains) are reached. */
  allowHosts: readonly string[] | null;
}

/**
 * Reads TALON_HTTP_ALLOW_PRIVATE (true/false) and TALON_HTTP_ALLOW_HOSTS (comma-separated hosts).
 * @throws ConfigError SOAR_CONFIG_INVALID for a value that is neither true nor false.
 */
export function readOutboundPolicy(env: Env = process.env): OutboundPolicy {
  const rawPrivate = env['TALON_HTTP_ALLOW_PRIVATE']?.trim().toLowerCase() ?? '';
  if (!['', 'true', 'false', '1', '0'].includes(rawPrivate)) {
    throw new ConfigError('SOAR_CONFIG_INVALID', 'TALON_HTTP_ALLOW_PRIVATE must be true or false');
  }
  const hosts = (env['TALON_HTTP_ALLOW_HOSTS'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return {
    allowPrivate: rawPrivate === 'true' || rawPrivate === '1',
    allowHosts: hosts.length > 0 ? hosts : null,
  };
}
