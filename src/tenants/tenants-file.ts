// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ secrets.NAME }} is playbook expression syntax, not a JS template.
/**
 * The tenants file (TALON_TENANTS_FILE), YAML or JSON:
 *
 *   tenants:
 *     acme:                                   # the name playbooks and triggers use (tenant: acme)
 *       cloud: us-2                           # us-1, us-2, eu-1, us-gov-1, us-gov-2, or a base URL
 *       client_id: 0123456789abcdef0123456789abcdef
 *       client_secret: ${{ secrets.ACME_FALCON }}   # a named secret, never the value
 *       member_cid: ...                       # optional: MSSP parent credentials acting in this child
 *       concurrency: 4                        # optional: most runs of this tenant at once, fleet-wide
 *       requests_per_minute: 3000             # optional: this tenant's fleet-wide Falcon budget
 *
 * Every problem of the file is reported at once with file:line:column. The file never holds a secret
 * value: `client_secret` must be `${{ secrets.NAME }}`, and anything else is refused without echoing it.
 */
import { readFile } from 'node:fs/promises';
import { FALCON_CLOUDS, type ProxySettings, proxyFor, resolveFalconBaseUrl } from '../config/index.ts';
import { parseYaml } from '../playbook/index.ts';
import { closest } from '../playbook/suggest.ts';
import { SoarError } from '../shared/index.ts';
import { secretNameOf } from '../shared/secret-ref.ts';
import { CID_PATTERN, TENANT_NAME_PATTERN, type TenantSpec } from './tenant.ts';

const TENANT_KEYS = [
  'cloud',
  'client_id',
  'client_secret',
  'member_cid',
  'concurrency',
  'requests_per_minute',
] as const;

/** Largest tenants file read: a few hundred tenants fit in far less. */
const MAX_TENANTS_FILE_BYTES = 1024 * 1024;

type Doc = Record<string, unknown>;

function isMap(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON pointer token of a key. */
function token(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Parses and checks tenants-file text. `file` names the file in messages.
 * @throws SoarError SOAR_TENANTS_INVALID listing every problem as file:line:column: message.
 */
export function parseTenantsFile(text: string, file: string, proxy: ProxySettings): TenantSpec[] {
  const parsed = parseYaml(text);
  const problems: string[] = [];
  const at = (pointer: string, message: string, prefer: 'key' | 'value' = 'value'): void => {
    const { line, column } = parsed.map.position(pointer, prefer);
    problems.push(`${file}:${line}:${column}: ${message}`);
  };
  for (const p of parsed.problems) {
    const { line, column } = parsed.map.at(p.offset);
    problems.push(`${file}:${line}:${column}: ${p.message}`);
  }
  const tenants: TenantSpec[] = [];
  const root = parsed.value;
  if (problems.length === 0) {
    if (!isMap(root)) {
      at('', 'a tenants file is a mapping with one key, tenants: (a mapping of tenant name -> settings)');
    } else {
      for (const key of Object.keys(root)) {
        if (key !== 'tenants')
          at(`/${token(key)}`, `unknown key "${key}"; the file has one key, tenants:`, 'key');
      }
      const list = root['tenants'];
      if (!isMap(list) || Object.keys(list).length === 0) {
        at('/tenants', 'tenants: must be a mapping of tenant name -> settings with at least one tenant');
      } else {
        for (const [name, value] of Object.entries(list)) {
          const tenant = readTenant(name, value, `/tenants/${token(name)}`, at, proxy);
          if (tenant !== null) tenants.push(tenant);
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new SoarError(
      'SOAR_TENANTS_INVALID',
      `invalid tenants file ${file}:\n  - ${problems.join('\n  - ')}`,
      { details: { file, problems } },
    );
  }
  return tenants;
}

function readTenant(
  name: string,
  value: unknown,
  pointer: string,
  at: (pointer: string, message: string, prefer?: 'key' | 'value') => void,
  proxy: ProxySettings,
): TenantSpec | null {
  const before = { count: 0 };
  const problem = (p: string, message: string, prefer?: 'key' | 'value'): void => {
    before.count += 1;
    at(p, `tenant "${name}": ${message}`, prefer);
  };
  if (!TENANT_NAME_PATTERN.test(name)) {
    problem(
      pointer,
      'a tenant name is lower-case letters, digits, - and _, starting with a letter (at most 64)',
      'key',
    );
  }
  if (!isMap(value)) {
    problem(pointer, 'settings must be a mapping (cloud, client_id, client_secret, ...)');
    return null;
  }
  for (const key of Object.keys(value)) {
    if ((TENANT_KEYS as readonly string[]).includes(key)) continue;
    const hint = closest(key, TENANT_KEYS);
    problem(
      `${pointer}/${token(key)}`,
      `unknown key "${key}"${hint ? `; did you mean ${hint}?` : ''} (known: ${TENANT_KEYS.join(', ')})`,
      'key',
    );
  }
  const text = (key: string): string | null => {
    const v = value[key];
    if (v === undefined) return null;
    if (typeof v !== 'string' || v.trim() === '') {
      problem(`${pointer}/${key}`, `${key} must be a non-empty string`);
      return null;
    }
    return v.trim();
  };
  const cloud = text('cloud');
  const clientId = text('client_id');
  const rawSecret = value['client_secret'];
  let baseUrl: string | null = null;
  if (cloud === null) {
    if (value['cloud'] === undefined)
      problem(pointer, 'cloud is missing (us-1, us-2, eu-1, us-gov-1, us-gov-2 or a base URL)', 'key');
  } else {
    baseUrl = resolveFalconBaseUrl(cloud);
    if (baseUrl === null) {
      problem(
        `${pointer}/cloud`,
        /^http:\/\//i.test(cloud)
          ? 'cloud may use plain http only for a loopback address (the emulator); use https'
          : `cloud must be one of ${Object.keys(FALCON_CLOUDS).join(', ')} or an https base URL`,
      );
    }
  }
  if (clientId === null && value['client_id'] === undefined) problem(pointer, 'client_id is missing', 'key');
  if (clientId !== null && !/^[\w.-]{1,128}$/.test(clientId)) {
    problem(`${pointer}/client_id`, 'client_id must be an API client id (32 hex characters)');
  }
  const secretName = secretNameOf(rawSecret);
  if (rawSecret === undefined) {
    problem(pointer, 'client_secret is missing: name a secret, client_secret: ${{ secrets.NAME }}', 'key');
  } else if (secretName === null) {
    // The value is not repeated: it may be the secret itself, pasted by mistake.
    problem(
      `${pointer}/client_secret`,
      'client_secret must name a secret, ${{ secrets.NAME }} (TALON_SECRET_NAME or a file in TALON_SECRETS_DIR); a secret value never goes in this file',
    );
  }
  const memberCid = text('member_cid');
  if (memberCid !== null && !CID_PATTERN.test(memberCid)) {
    problem(`${pointer}/member_cid`, 'member_cid must be a CID (32 hex characters)');
  }
  const count = (key: string, max: number): number | null => {
    const v = value[key];
    if (v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      problem(`${pointer}/${key}`, `${key} must be a whole number from 1 to ${max}`);
      return null;
    }
    return v;
  };
  const concurrency = count('concurrency', 10_000);
  const requestsPerMinute = count('requests_per_minute', 100_000);
  if (before.count > 0 || baseUrl === null || clientId === null || secretName === null) return null;
  return {
    name,
    baseUrl,
    clientId,
    credential: { kind: 'named', secret: secretName },
    memberCid: memberCid === null ? null : memberCid.toLowerCase().slice(0, 32),
    concurrency,
    requestsPerMinute,
    proxy: proxyFor(baseUrl, proxy),
  };
}

/**
 * Reads and checks the tenants file at `path`.
 * @throws SoarError SOAR_TENANTS_INVALID when it cannot be read or has problems.
 */
export async function readTenantsFile(path: string, proxy: ProxySettings): Promise<TenantSpec[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new SoarError(
      'SOAR_TENANTS_INVALID',
      `cannot read the tenants file ${path} (TALON_TENANTS_FILE)${typeof code === 'string' ? `: ${code}` : ''}`,
      { details: { file: path } },
    );
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_TENANTS_FILE_BYTES) {
    throw new SoarError('SOAR_TENANTS_INVALID', `the tenants file ${path} is larger than 1 MiB`, {
      details: { file: path },
    });
  }
  return parseTenantsFile(text, path, proxy);
}
