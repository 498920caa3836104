/**
 * Case Management administration routes (docs/falcon-successors.md): templates, SLAs and notification
 * groups (v1 and v2 share one store) with query, get, create, update, delete and aggregates; the
 * fields templates define; access tags (after-token paging). References are checked: a template's
 * sla_id must name an SLA, an SLA escalation step an existing notification group, and a record in
 * use cannot be deleted (409).
 */
import { FalconReplyError, badRequest } from '../http/reply-error.ts';
import { aggregateSpecs, runAggregates } from '../query/aggregates.ts';
import type { Actor, AdminRecord, CaseAdminState, TemplateRecord } from '../state/case-admin.ts';
import type { EntityStore } from '../state/entity-store.ts';
import { toIso } from '../state/seed-context.ts';
import {
  bodyObject,
  entitiesByIds,
  notFound,
  offsetPage,
  pageWindow,
  requestIds,
  runQuery,
  tokenPage,
} from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

const idOf = (r: { id: string }) => r.id;

/** What differs between templates, SLAs and notification groups. */
interface Kind<T extends AdminRecord> {
  store: (admin: CaseAdminState) => EntityStore<T>;
  label: string;
  /** Checks and normalises the kind's own body fields into the record (create and update). */
  apply: (ctx: RouteContext, record: Record<string, unknown>, body: Record<string, unknown>) => void;
  /** Why a record may not be deleted, if it is in use. */
  inUse: (admin: CaseAdminState, id: string) => string | undefined;
}

function actor(ctx: RouteContext): Actor {
  return { id: ctx.session.clientId, type: 'api_client' };
}

function objectList(value: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) throw badRequest(`${where} must be an array of objects`);
  return value as Record<string, unknown>[];
}

function requireText(entry: Record<string, unknown>, field: string, where: string): void {
  if (typeof entry[field] !== 'string' || entry[field] === '')
    throw badRequest(`${where}.${field} is required and must be a non-empty string`);
}

const TEMPLATES: Kind<TemplateRecord> = {
  store: (admin) => admin.templates,
  label: 'template',
  apply(ctx, record, body) {
    const slaId = body['sla_id'];
    if (slaId !== undefined && slaId !== '') {
      if (typeof slaId !== 'string' || !ctx.state.caseAdmin.slas.has(slaId))
        throw badRequest(`body.sla_id ${JSON.stringify(slaId)} is not an existing SLA`);
      record['sla_id'] = slaId;
    }
    if (body['fields'] !== undefined) {
      const fields = objectList(body['fields'], 'body.fields');
      fields.forEach((field, i) => {
        requireText(field, 'name', `body.fields[${i}]`);
        requireText(field, 'data_type', `body.fields[${i}]`);
      });
      record['fields'] = ctx.state.caseAdmin.withFieldIds(fields);
    }
    record['fields'] ??= [];
  },
  inUse: () => undefined,
};

const SLAS: Kind<AdminRecord> = {
  store: (admin) => admin.slas,
  label: 'SLA',
  apply(ctx, record, body) {
    if (body['goals'] === undefined) return;
    const goals = objectList(body['goals'], 'body.goals');
    goals.forEach((goal, i) => {
      requireText(goal, 'type', `body.goals[${i}]`);
      const seconds = goal['duration_seconds'];
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw badRequest(`body.goals[${i}].duration_seconds must be an integer of 0 or more`);
      const steps = (goal['escalation_policy'] as { steps?: unknown } | undefined)?.steps ?? [];
      objectList(steps, `body.goals[${i}].escalation_policy.steps`).forEach((step, j) => {
        const group = step['notification_group_id'];
        if (typeof group !== 'string' || !ctx.state.caseAdmin.notificationGroups.has(group))
          throw badRequest(
            `body.goals[${i}].escalation_policy.steps[${j}].notification_group_id ${JSON.stringify(group)} is not an existing notification group`,
          );
      });
    });
    record['goals'] = goals;
  },
  inUse(admin, id) {
    const user = [...admin.templates.values()].find((t) => t.sla_id === id);
    return user ? `template ${user.id} (${user.name}) uses it` : undefined;
  },
};

const NOTIFICATION_GROUPS: Kind<AdminRecord> = {
  store: (admin) => admin.notificationGroups,
  label: 'notification group',
  apply(_ctx, record, body) {
    if (body['channels'] === undefined) return;
    const channels = objectList(body['channels'], 'body.channels');
    channels.forEach((channel, i) => {
      requireText(channel, 'type', `body.channels[${i}]`);
    });
    record['channels'] = channels;
  },
  inUse(admin, id) {
    for (const sla of admin.slas.values()) {
      const goals =
        (sla['goals'] as { escalation_policy?: { steps?: { notification_group_id?: string }[] } }[]) ?? [];
      if (goals.some((g) => g.escalation_policy?.steps?.some((s) => s.notification_group_id === id)))
        return `SLA ${sla.id} (${sla.name}) escalates to it`;
    }
    return undefined;
  },
};

function handlers<T extends AdminRecord>(kind: Kind<T>): Record<string, (ctx: RouteContext) => RouteResult> {
  const storeOf = (ctx: RouteContext) => kind.store(ctx.state.caseAdmin);
  return {
    query: (ctx) =>
      offsetPage(ctx, runQuery(ctx, storeOf(ctx), idOf, { defaultSort: 'created_timestamp|desc' }), idOf),
    get: (ctx) => entitiesByIds(storeOf(ctx), requestIds(ctx)),
    create(ctx) {
      const body = bodyObject(ctx);
      const now = toIso(ctx.nowMs);
      const record: Record<string, unknown> = {
        id: ctx.state.caseAdmin.newId(),
        cid: ctx.state.cid,
        name: body['name'],
        description: body['description'] ?? '',
        created_by: actor(ctx),
        created_by_name: ctx.session.clientId,
        created_timestamp: now,
        updated_by: actor(ctx),
        updated_by_name: ctx.session.clientId,
        updated_timestamp: now,
      };
      kind.apply(ctx, record, body);
      storeOf(ctx).put(record as T);
      ctx.recordWrite([record['id'] as string]);
      return { resources: [record] };
    },
    update(ctx) {
      const body = bodyObject(ctx);
      const id = body['id'] as string;
      const record = storeOf(ctx).get(id);
      if (!record) throw notFound(`${kind.label} ${id} not found`);
      // Check everything before changing anything: a 400 leaves the record as it was.
      const draft: Record<string, unknown> = { ...record };
      for (const field of ['name', 'description'] as const)
        if (body[field] !== undefined) draft[field] = body[field];
      kind.apply(ctx, draft, body);
      Object.assign(record, draft, {
        updated_by: actor(ctx),
        updated_by_name: ctx.session.clientId,
        updated_timestamp: toIso(ctx.nowMs),
      });
      storeOf(ctx).touch();
      ctx.recordWrite([id]);
      return { resources: [record] };
    },
    delete(ctx) {
      const store = storeOf(ctx);
      const ids = requestIds(ctx);
      const missing = ids.filter((id) => !store.has(id));
      if (missing.length === ids.length) throw notFound(`${kind.label} ${missing.join(', ')} not found`);
      for (const id of ids) {
        const reason = store.has(id) ? kind.inUse(ctx.state.caseAdmin, id) : undefined;
        if (reason) throw new FalconReplyError(409, `${kind.label} ${id} is in use: ${reason}`);
      }
      const deleted = ids.filter((id) => store.delete(id));
      ctx.recordWrite(deleted);
      return {
        resources: deleted,
        writes: deleted.length,
        errors: missing.map((id) => ({ code: 404, message: `${kind.label} ${id} not found`, id })),
      };
    },
    aggregate(ctx) {
      const store = storeOf(ctx);
      return { resources: runAggregates(store, [...store.values()], aggregateSpecs(ctx.body), ctx.nowMs) };
    },
  };
}

function routesOf<T extends AdminRecord>(route: string, version: string, kind: Kind<T>): RouteTable {
  const h = handlers(kind);
  const entities = `/casemgmt/entities/${route}/${version}`;
  return {
    [`GET /casemgmt/queries/${route}/${version}`]: h['query'],
    [`GET ${entities}`]: h['get'],
    [`POST ${entities}`]: h['create'],
    [`PATCH ${entities}`]: h['update'],
    [`DELETE ${entities}`]: h['delete'],
    [`POST /casemgmt/aggregates/${route}/${version}`]: h['aggregate'],
  } as RouteTable;
}

function queryAccessTags(ctx: RouteContext): RouteResult {
  const { limit } = pageWindow(ctx);
  const store = ctx.state.caseAdmin.accessTags;
  return tokenPage(
    runQuery(ctx, store, idOf, { defaultSort: 'key|asc' }),
    idOf,
    ctx.query.string('after'),
    limit,
  );
}

export const CASE_ADMIN_ROUTES: RouteTable = {
  ...routesOf('templates', 'v1', TEMPLATES),
  ...routesOf('slas', 'v1', SLAS),
  ...routesOf('notification-groups', 'v1', NOTIFICATION_GROUPS),
  ...routesOf('notification-groups', 'v2', NOTIFICATION_GROUPS),
  'GET /casemgmt/queries/fields/v1': (ctx) => {
    const fields = ctx.state.caseAdmin.fields();
    return offsetPage(ctx, runQuery(ctx, fields, idOf, { defaultSort: 'name|asc' }), idOf);
  },
  'GET /casemgmt/entities/fields/v1': (ctx) => entitiesByIds(ctx.state.caseAdmin.fields(), requestIds(ctx)),
  'GET /casemgmt/queries/access-tags/v1': queryAccessTags,
  'GET /casemgmt/entities/access-tags/v1': (ctx) =>
    entitiesByIds(ctx.state.caseAdmin.accessTags, requestIds(ctx)),
  'POST /casemgmt/aggregates/access-tags/v1': (ctx) => {
    const store = ctx.state.caseAdmin.accessTags;
    return { resources: runAggregates(store, [...store.values()], aggregateSpecs(ctx.body), ctx.nowMs) };
  },
};
