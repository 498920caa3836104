import type { ErrorCodeEntry } from './entry.ts';

/** Codes of named tenants (TALON_TENANTS_FILE, `tenant:` in playbooks, MSSP child runs). */
export const TENANTS_ERROR_CODES = {
  SOAR_TENANTS_INVALID: {
    title: 'Invalid tenants file',
    retryable: false,
    hint: 'Fix the tenants file (TALON_TENANTS_FILE) at the named line; every problem of the file is listed.',
  },
  SOAR_TENANT_UNKNOWN: {
    title: 'Unknown tenant',
    retryable: false,
    hint: 'Name a tenant of TALON_TENANTS_FILE (or `default`, from FALCON_CLIENT_ID/SECRET), or add the tenant to the file.',
  },
  SOAR_PLAYBOOK_UNKNOWN_TENANT: {
    title: 'Playbook names an unknown tenant',
    retryable: false,
    hint: 'Use a tenant name from TALON_TENANTS_FILE (or `default`), or add the tenant to the file.',
  },
  SOAR_TENANT_CHILDREN: {
    title: 'Child CIDs unavailable',
    retryable: false,
    hint: '`children:` needs an MSSP parent tenant (no member_cid of its own) whose API client has the Flight Control read scope (mssp:read).',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
