/**
 * Flight Control (MSSP): the children of the caller's CID. queryChildren pages child CIDs (offset,
 * limit default 10, newest last_modified_timestamp first); getChildren answers domain.ChildLink
 * entities, unknown ids as 404 items. A token locked to a child (member_cid) sees that child's own
 * children: none.
 */
import type { ChildLink } from '../state/seed-children.ts';
import { offsetPage, requestIds } from './common.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

function childrenOf(ctx: RouteContext): ChildLink[] {
  const desc = ctx.query.string('sort') !== 'last_modified_timestamp|asc';
  return [...ctx.state.children.values()]
    .filter((c) => c.child_of === ctx.session.cid)
    .sort((a, b) =>
      desc
        ? b.last_modified_timestamp.localeCompare(a.last_modified_timestamp)
        : a.last_modified_timestamp.localeCompare(b.last_modified_timestamp),
    );
}

function queryChildren(ctx: RouteContext): RouteResult {
  return offsetPage(ctx, childrenOf(ctx), (c) => c.child_cid);
}

function getChildren(ctx: RouteContext): RouteResult {
  // Another parent's child is as unknown to this caller as a CID that does not exist.
  const mine = new Map(childrenOf(ctx).map((c) => [c.child_cid, c]));
  const resources: ChildLink[] = [];
  const errors: { code: number; message: string; id: string }[] = [];
  for (const id of requestIds(ctx)) {
    const child = mine.get(id.toLowerCase());
    if (child) resources.push(child);
    else errors.push({ code: 404, message: `child ${id} not found`, id });
  }
  if (errors.length === 0) return { resources };
  return resources.length === 0 ? { status: 404, resources, errors } : { resources, errors };
}

export const MSSP_ROUTES: RouteTable = {
  'GET /mssp/queries/children/v1': queryChildren,
  'GET /mssp/entities/children/v1': getChildren,
};
