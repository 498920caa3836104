/**
 * The tenants of a deployment: those of the tenants file plus `default` (FALCON_CLIENT_ID/SECRET),
 * looked up by name. Without a tenants file, today's single-tenant configuration is the tenant
 * `default`, so nothing changes for a deployment that has one tenant.
 */
import { type AppConfig, NO_PROXY_SETTINGS } from '../config/index.ts';
import { closest } from '../playbook/suggest.ts';
import { SoarError } from '../shared/index.ts';
import { DEFAULT_TENANT, defaultTenant, type TenantSpec } from './tenant.ts';
import { readTenantsFile } from './tenants-file.ts';

export interface Tenants {
  /** Every tenant name, sorted. */
  names(): string[];
  has(name: string): boolean;
  /**
   * The tenant called `name`.
   * @throws SoarError SOAR_TENANT_UNKNOWN (with a "did you mean") when there is none.
   */
  get(name: string): TenantSpec;
  /** More than one tenant: a 429 of one must not pause the others (see runtime.ts). */
  readonly several: boolean;
}

/** A directory over these tenants (names must be unique). */
export function tenantDirectory(list: readonly TenantSpec[]): Tenants {
  const byName = new Map(list.map((t) => [t.name, t]));
  const names = [...byName.keys()].sort();
  return {
    names: () => [...names],
    has: (name) => byName.has(name),
    get(name) {
      const tenant = byName.get(name);
      if (tenant !== undefined) return tenant;
      throw unknownTenant(name, names);
    },
    several: names.length > 1,
  };
}

/** SOAR_TENANT_UNKNOWN for `name`, naming the known tenants. */
export function unknownTenant(name: string, known: readonly string[]): SoarError {
  const hint = closest(name, known);
  return new SoarError(
    'SOAR_TENANT_UNKNOWN',
    `tenant "${name}" is not configured${hint ? `; did you mean ${hint}?` : ''} (known: ${known.length > 0 ? known.join(', ') : 'none: set FALCON_CLIENT_ID/SECRET or TALON_TENANTS_FILE'})`,
    { details: { tenant: name } },
  );
}

/**
 * The tenants of `config`: the tenants file (TALON_TENANTS_FILE) and `default` from FALCON_*.
 * @throws SoarError SOAR_TENANTS_INVALID for a bad file, or a file that defines `default` while
 *   FALCON_CLIENT_ID/SECRET are set too (which one is meant would be a guess).
 */
export async function loadTenants(
  config: Pick<AppConfig, 'falcon' | 'tenantsFile' | 'proxy'>,
): Promise<Tenants> {
  const list: TenantSpec[] = [];
  if (config.tenantsFile !== null) list.push(...(await readTenantsFile(config.tenantsFile, config.proxy)));
  if (config.falcon !== null) {
    if (list.some((t) => t.name === DEFAULT_TENANT)) {
      throw new SoarError(
        'SOAR_TENANTS_INVALID',
        `the tenants file ${config.tenantsFile} defines "${DEFAULT_TENANT}" and FALCON_CLIENT_ID/SECRET define it too; keep one`,
        { details: { file: config.tenantsFile } },
      );
    }
    list.push(defaultTenant(config.falcon));
  }
  return tenantDirectory(list);
}

/**
 * The tenant names playbooks are checked against (CompileOptions.tenantNames): those of the tenants
 * file and `default`; undefined without a tenants file (names are then checked by the worker only, so
 * `talon validate` on a laptop without the deployment's file does not refuse a tenant it cannot know).
 * @throws SoarError SOAR_TENANTS_INVALID for a bad file.
 */
export async function tenantNamesToCheck(tenantsFile: string | null): Promise<string[] | undefined> {
  if (tenantsFile === null) return undefined;
  const names = (await readTenantsFile(tenantsFile, NO_PROXY_SETTINGS)).map((t) => t.name);
  return [...new Set([...names, DEFAULT_TENANT])].sort();
}
