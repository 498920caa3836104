export {
  budgetIdentity,
  CID_PATTERN,
  DEFAULT_TENANT,
  defaultTenant,
  TENANT_NAME_PATTERN,
} from './tenant.ts';
export type { TenantCredential, TenantSpec } from './tenant.ts';
export { parseTenantsFile, readTenantsFile } from './tenants-file.ts';
export { loadTenants, tenantDirectory, tenantNamesToCheck, unknownTenant } from './directory.ts';
export type { Tenants } from './directory.ts';
