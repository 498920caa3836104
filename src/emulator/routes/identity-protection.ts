/**
 * Identity Protection (falcon-api.md §4.6): sensor query/details/aggregates, policy rules
 * (query by enabled/simulation_mode/name, get, create, delete; camelCase keys as in the create
 * body) and a minimal GraphQL endpoint.
 * Emulator choices: policy-rule answers use the standard envelope with the rule objects (the spec
 * has no schema for them, §11). GraphQL understands one shape, the `entities(first:, after:)`
 * connection over seeded endpoints with `pageInfo`; anything else gets a GraphQL error in
 * `errors` with status 200, as GraphQL servers do.
 */
import { createHash } from 'node:crypto';
import { badRequest } from '../http/reply-error.ts';
import { aggregateSpecs, runAggregates } from '../query/aggregates.ts';
import { toIso } from '../state/seed-context.ts';
import type { IdpSensor, PolicyRule } from '../state/seed-idp.ts';
import { bodyObject, entitiesByIds, offsetPage, requestIds, runQuery } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const sensorId = (s: IdpSensor) => s.device_id;

function querySensors(ctx: RouteContext): RouteResult {
  return offsetPage(
    ctx,
    runQuery(ctx, ctx.state.idpSensors, sensorId, { defaultSort: 'hostname.asc' }),
    sensorId,
  );
}

function aggregateSensors(ctx: RouteContext): RouteResult {
  const sensors = [...ctx.state.idpSensors.values()];
  return { resources: runAggregates(ctx.state.idpSensors, sensors, aggregateSpecs(ctx.body), ctx.nowMs) };
}

function queryRules(ctx: RouteContext): RouteResult {
  const enabled = ctx.query.boolean('enabled');
  const simulation = ctx.query.boolean('simulation_mode');
  const name = ctx.query.string('name')?.toLowerCase();
  const ids = [...ctx.state.policyRules.values()]
    .filter((r) => enabled === undefined || r.enabled === enabled)
    .filter((r) => simulation === undefined || r.simulationMode === simulation)
    .filter((r) => name === undefined || r.name.toLowerCase().includes(name))
    .map((r) => r.id);
  return { resources: ids };
}

function uniqueIds(ctx: RouteContext): string[] {
  const ids = requestIds(ctx);
  if (new Set(ids).size !== ids.length) throw badRequest('ids must be unique');
  if (ids.length === 0) throw badRequest('ids is required');
  return ids;
}

function createRule(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const now = toIso(ctx.nowMs);
  const id = createHash('md5')
    .update(`${ctx.state.cid}:rule:${++ctx.state.indicatorGeneration}`)
    .digest('hex');
  const rule: PolicyRule = {
    id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    name: body['name'] as string,
    action: body['action'],
    trigger: body['trigger'],
    enabled: body['enabled'] as boolean,
    simulationMode: body['simulationMode'] as boolean,
    ...pick(body, ['activity', 'destination', 'sourceEndpoint', 'sourceUser']),
    createdOn: now,
    createdBy: ctx.session.clientId,
    modifiedOn: now,
    modifiedBy: ctx.session.clientId,
  };
  ctx.state.policyRules.put(rule);
  ctx.recordWrite([rule.id]);
  return { resources: [rule] };
}

function deleteRules(ctx: RouteContext): RouteResult {
  const ids = uniqueIds(ctx);
  const deleted = ids.filter((id) => ctx.state.policyRules.delete(id));
  ctx.recordWrite(deleted);
  const errors = ids
    .filter((id) => !deleted.includes(id))
    .map((id) => ({ code: 404, message: `policy rule ${id} not found`, id }));
  if (deleted.length === 0) return { status: 404, resources: [], errors };
  return errors.length > 0 ? { resources: deleted, errors } : { resources: deleted };
}

function graphql(ctx: RouteContext): RouteResult {
  const body = bodyObject(ctx);
  const query = String(body['query'] ?? '');
  const variables = (body['variables'] ?? {}) as Record<string, unknown>;
  const extensions = { remainingPoints: 49_999, reset: 60_000, consumedPoints: 1 };
  if (/^\s*mutation\b/.test(query) || !/\bentities\s*\(/.test(query)) {
    return {
      resources: [],
      raw: {
        data: null,
        errors: [{ message: 'the emulator answers only the entities(first:, after:) query' }],
        extensions,
      },
    };
  }
  const first = Number(argument(query, variables, 'first') ?? 100);
  const after = argument(query, variables, 'after');
  const start =
    after === undefined ? 0 : Number(Buffer.from(String(after), 'base64url').toString('utf8')) || 0;
  const devices = [...ctx.state.devices.values()];
  const page = devices.slice(start, start + first);
  const end = start + page.length;
  const nodes = page.map((d) => ({
    entityId: d.device_id,
    primaryDisplayName: d.hostname,
    secondaryDisplayName: d['machine_domain'],
    type: 'ENDPOINT',
    riskScore: Number.parseInt(d.device_id.slice(0, 2), 16) / 255,
    archived: false,
  }));
  const pageInfo = {
    hasNextPage: end < devices.length,
    endCursor: Buffer.from(String(end)).toString('base64url'),
  };
  return { resources: [], raw: { data: { entities: { nodes, pageInfo } }, errors: [], extensions } };
}

/** An argument of the entities(...) call, literal or `$variable`. */
function argument(query: string, variables: Record<string, unknown>, name: string): unknown {
  const match = new RegExp(`\\b${name}\\s*:\\s*("([^"]*)"|\\$(\\w+)|(\\d+))`).exec(query);
  if (!match) return undefined;
  if (match[3] !== undefined) return variables[match[3]];
  return match[2] ?? match[4];
}

function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
}

export const IDENTITY_PROTECTION_ROUTES: RouteTable = {
  'GET /identity-protection/queries/devices/v1': querySensors,
  'POST /identity-protection/entities/devices/GET/v1': (ctx) =>
    entitiesByIds(ctx.state.idpSensors, requestIds(ctx)),
  'POST /identity-protection/aggregates/devices/GET/v1': aggregateSensors,
  'GET /identity-protection/queries/policy-rules/v1': queryRules,
  'GET /identity-protection/entities/policy-rules/v1': (ctx) =>
    entitiesByIds(ctx.state.policyRules, uniqueIds(ctx)),
  'POST /identity-protection/entities/policy-rules/v1': createRule,
  'DELETE /identity-protection/entities/policy-rules/v1': deleteRules,
  'POST /identity-protection/combined/graphql/v1': graphql,
};
