/**
 * Operations as plain data for people and machines: what `talon ops list|show --json` prints and what
 * docs/operations.md is rendered from. Derived from the operations table only, so a collection added
 * to the table appears here without further work.
 */
import { ALL_OPERATIONS, COLLECTIONS, REMOVED_OPERATIONS, qualifiedName } from './registry.ts';
import type { OperationSpec, ParamSpec } from './types.ts';

export interface ParamView {
  name: string;
  in: ParamSpec['in'];
  type: ParamSpec['type'];
  required: boolean;
  enum?: readonly string[];
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
  /** Fields of each object (body objects and lists of objects), when the API documents them. */
  fields?: ParamView[];
}

export interface OperationView {
  /** The name a playbook uses: `collection.pep8`. */
  name: string;
  operationId: string;
  pep8: string;
  aliases: readonly string[];
  collection: string;
  method: OperationSpec['method'];
  route: string;
  scope: string;
  writes: boolean;
  idempotent: boolean;
  summary: string;
  /** The ids parameter and the most ids one request may carry. */
  ids?: { param: string; max: number };
  limit?: { min: number; max: number; default: number };
  pagination: OperationSpec['pagination'];
  /** Set when the real cloud stopped (or will stop) serving the operation. */
  decommissioned?: { date: string; successor?: string; removed: boolean; note: string };
  params: ParamView[];
  source: string;
}

function viewParam(param: ParamSpec): ParamView {
  const view: ParamView = {
    name: param.name,
    in: param.in,
    type: param.type,
    required: param.required === true,
  };
  if (param.enum) view.enum = param.enum;
  if (param.maxItems !== undefined) view.maxItems = param.maxItems;
  if (param.minimum !== undefined) view.minimum = param.minimum;
  if (param.maximum !== undefined) view.maximum = param.maximum;
  if (param.description) view.description = param.description;
  if (param.fields) view.fields = param.fields.map(viewParam);
  return view;
}

/** One operation as data. */
export function describeOperation(op: OperationSpec): OperationView {
  const view: OperationView = {
    name: qualifiedName(op),
    operationId: op.operationId,
    pep8: op.pep8,
    aliases: op.aliases ?? [],
    collection: op.collection,
    method: op.method,
    route: op.path,
    scope: op.scope,
    writes: op.kind === 'write',
    idempotent: op.idempotent,
    summary: op.summary,
    pagination: op.pagination,
    params: op.params.map(viewParam),
    source: op.source,
  };
  if (op.ids) view.ids = { ...op.ids };
  if (op.limit) view.limit = { ...op.limit };
  if (op.deprecated) {
    const successor = op.deprecated.successor
      ? ALL_OPERATIONS.find((o) => o.operationId === op.deprecated?.successor)
      : undefined;
    view.decommissioned = {
      date: op.deprecated.decommissioned,
      removed: op.deprecated.removed === true,
      note: op.deprecated.note,
    };
    if (op.deprecated.successor) {
      view.decommissioned.successor = successor ? qualifiedName(successor) : op.deprecated.successor;
    }
  }
  return view;
}

/** Every collection key, served and removed, in table order. */
export function allCollections(): string[] {
  return [...new Set([...COLLECTIONS, ...REMOVED_OPERATIONS.map((op) => op.collection)])];
}

/** Every operation (removed ones included, after the served ones), optionally of one collection. */
export function listOperations(collection?: string): OperationView[] {
  return [...ALL_OPERATIONS, ...REMOVED_OPERATIONS]
    .filter((op) => collection === undefined || op.collection === collection)
    .map(describeOperation);
}
