/**
 * Read-backs of creates addressed by a name the playbook chose (a case, an identity policy rule): the
 * create was applied when an entity with that name (and description, for cases) exists. Playbooks
 * make such names unique per run (e.g. "Talon triage ${{ run.started_at }}", stable across resumes).
 */
import { isRecord, type ReadBack, type ReadBackContext } from './read-back.ts';
import type { WriteParams } from './write-params.ts';

/** FQL string literal with quotes and backslashes escaped. */
function fqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

async function lookUp(
  query: { operation: string; params: Record<string, unknown> },
  get: string,
  context: ReadBackContext,
): Promise<Record<string, unknown>[]> {
  const ids = await context.falcon.call(query.operation, query.params, { signal: context.signal });
  if (ids.resources.length === 0) return [];
  const entities = await context.falcon.call(get, { ids: ids.resources }, { signal: context.signal });
  return entities.resources.filter(isRecord);
}

function decide(found: Record<string, unknown> | undefined, write: WriteParams, what: string): ReadBack {
  if (found)
    return { kind: 'done', resources: [found], note: `${what} ${String(found['id'])} was already created` };
  return { kind: 'write', params: write.params, found: [], note: null };
}

/** Case create: done when a case with the same name and description exists. */
export async function readBackCaseCreate(write: WriteParams, context: ReadBackContext): Promise<ReadBack> {
  const params = write.fields;
  const name = params['name'];
  if (typeof name !== 'string' || name === '')
    return { kind: 'unknown', note: 'case create has no name to look up' };
  const cases = await lookUp(
    { operation: 'queries_cases_get_v1', params: { filter: `name:${fqlString(name)}`, limit: 100 } },
    'entities_cases_post_v2',
    context,
  );
  const match = cases.find(
    (c) =>
      c['name'] === name &&
      (params['description'] === undefined || c['description'] === params['description']),
  );
  return decide(match, write, 'case');
}

/** Identity protection policy rule create: done when a rule with the same name exists. */
export async function readBackPolicyRuleCreate(
  write: WriteParams,
  context: ReadBackContext,
): Promise<ReadBack> {
  const name = write.fields['name'];
  if (typeof name !== 'string' || name === '')
    return { kind: 'unknown', note: 'policy rule create has no name' };
  const rules = await lookUp(
    { operation: 'get_policy_rules_query', params: { name } },
    'get_policy_rules',
    context,
  );
  return decide(
    rules.find((r) => r['name'] === name),
    write,
    'policy rule',
  );
}
