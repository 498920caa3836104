/**
 * `tenant:` of a playbook and of its triggers: each must name a configured tenant when the caller
 * knows them (CompileOptions.tenantNames: `talon validate`, the scheduler, the server), with a "did
 * you mean". The event stream is read for the default tenant only, so a stream trigger in a playbook
 * of another tenant (or one that fans out to children) is refused whatever the configuration.
 */
import { type Finding, finding } from './findings.ts';
import { closest } from './suggest.ts';

const DEFAULT_TENANT = 'default';

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Findings about tenant names; `known` null = names are not checked. */
export function checkTenants(doc: Doc, known: ReadonlySet<string> | null): Finding[] {
  const out: Finding[] = [];
  const check = (name: unknown, pointer: string): void => {
    if (known === null || typeof name !== 'string' || known.has(name)) return;
    const hint = closest(name, known);
    out.push(
      finding(
        'SOAR_PLAYBOOK_UNKNOWN_TENANT',
        pointer,
        `tenant "${name}" is not configured${hint ? `; did you mean ${hint}?` : ''} (known: ${[...known].sort().join(', ') || 'none'})`,
      ),
    );
  };
  check(doc.tenant, '/tenant');
  const triggers = Array.isArray(doc.triggers) ? doc.triggers : [];
  for (const [index, trigger] of triggers.entries()) {
    if (!isMap(trigger)) continue;
    check(trigger.tenant, `/triggers/${index}/tenant`);
    const otherTenant = typeof doc.tenant === 'string' && doc.tenant !== DEFAULT_TENANT;
    if ('stream' in trigger && (otherTenant || doc.children !== undefined)) {
      out.push(
        finding(
          'SOAR_PLAYBOOK_UNKNOWN_TENANT',
          `/triggers/${index}`,
          `a stream trigger reads the event stream of the ${DEFAULT_TENANT} tenant only; it cannot start runs of ${otherTenant ? `tenant "${String(doc.tenant)}"` : 'child CIDs'}`,
          'key',
        ),
      );
    }
  }
  return out;
}
