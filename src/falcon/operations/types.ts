/**
 * The shape of one Falcon API operation, as data. One table of these (one file per collection) serves
 * the client (how to call), the playbook checker (names, parameters, scopes) and the emulator (which
 * routes to serve), so the three cannot drift apart. Facts come from ../shared/reference/falcon-api.md.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Where a parameter travels. `body` means a field of the JSON body object; `path` replaces
 * `{name}` in the route path.
 */
export type ParamLocation = 'query' | 'body' | 'form' | 'path';

export type ParamType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'string[]'
  | 'object'
  | 'object[]'
  | 'any';

export interface ParamSpec {
  name: string;
  in: ParamLocation;
  type: ParamType;
  required?: boolean;
  description?: string;
  /** Allowed values, when the API enumerates them. */
  enum?: readonly string[];
  /** For arrays: the most items one request may carry. */
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  /**
   * For `object` and `object[]` parameters: the fields one object (or each item) may carry, when the
   * API documents them. The playbook checker checks literal values against these (enums included);
   * a field not listed is still passed through, since the API grows fields faster than this table.
   */
  fields?: readonly ParamSpec[];
}

/** How a query endpoint pages (falcon-api.md §2.5). */
export type PaginationStyle = 'none' | 'offset' | 'offset-or-after' | 'after';

/** Whether the operation reads or changes Falcon state; decides retries, dry-run and max_targets. */
export type OperationKind = 'read' | 'write';

/**
 * What a response action does to an endpoint, for the guard rails (blast radius, protected hosts,
 * dry-run listing) that apply to every operation carrying this marker, whatever its collection:
 * - 'containment': network containment and its lifting (Hosts PerformActionV2 contain/lift).
 * - 'host-action': other host state changes that are not containment (hide, suppress, tags).
 * - 'rtr-read': Real Time Response read-only commands and sessions (change nothing on the host).
 * - 'rtr-active': RTR active-responder commands (kill, rm, ...): change the host, not idempotent.
 * - 'rtr-admin': RTR admin commands (run, put, runscript): change the host, not idempotent.
 */
export type ResponseActionKind = 'containment' | 'host-action' | 'rtr-read' | 'rtr-active' | 'rtr-admin';

/** The response-action marker of an operation: its kind and the parameter that names the hosts. */
export interface ResponseMarker {
  kind: ResponseActionKind;
  /** The parameter carrying the target host ids (e.g. `ids`, `device_ids`, `host_ids`, `device_id`). */
  hostsParam: string;
  /**
   * For operations whose effect depends on an action parameter (PerformActionV2's `action_name`):
   * the parameter and the kind per value. Values not listed use `kind`.
   */
  byAction?: { param: string; kinds: Readonly<Record<string, ResponseActionKind>> };
}

export interface Deprecation {
  /** ISO date the real cloud stopped serving it (or announced removal). */
  decommissioned: string;
  /** Operation id of the successor, when one exists. */
  successor?: string;
  note: string;
  /**
   * True when the route no longer answers at all (the SDKs send no request). Such operations live in
   * REMOVED_OPERATIONS, not ALL_OPERATIONS: the checker can name them, the client refuses them and the
   * emulator does not serve them.
   */
  removed?: boolean;
}

export interface OperationSpec {
  /** Falcon's own operationId, unchanged (e.g. "QueryDetects", "indicator_create_v1", "query-scans"). */
  operationId: string;
  /** falconpy's PEP 8 method name (e.g. "query_detects", "indicator_create"). */
  pep8: string;
  /**
   * Other names the SDKs use for the same operation (falconpy aliases, the spec's dotted or hyphenated
   * ids). Looked up like pep8 names, but only inside the collection when a bare alias is ambiguous.
   */
  aliases?: readonly string[];
  /** Collection key used in playbooks: detects, incidents, ioc, iocs, ods, identity_protection, alerts, cases. */
  collection: string;
  method: HttpMethod;
  /** Route path, starting with '/', no query string. */
  path: string;
  /** OAuth2 scope required, e.g. "detects:read". */
  scope: string;
  kind: OperationKind;
  /** Safe to retry after a timeout or 5xx (reads, including POST .../GET/v1 routes). */
  idempotent: boolean;
  /** Success status the real API answers with (200, 201, or 202 for accepted host actions). */
  successStatus: 200 | 201 | 202;
  params: readonly ParamSpec[];
  /**
   * When the whole JSON body is an array (aggregates) or free-form, describe it here instead of as
   * body params: 'ids' = {"ids": [...]}, 'array' = a JSON array, 'object' = named body params.
   */
  bodyShape: 'none' | 'object' | 'array';
  /** The parameter that carries ids, if any, and the most ids one request may carry. */
  ids?: { param: string; max: number };
  pagination: PaginationStyle;
  /** Limits of `limit` for query endpoints. */
  limit?: { min: number; max: number; default: number };
  /** For writes: how to read back the targets to reconcile an unknown outcome, if the API allows. */
  readBack?: string;
  deprecated?: Deprecation;
  /**
   * Set on operations that act on endpoints (contain, RTR): the engine applies the response guard
   * rails (blast radius, protected hosts, dry-run host listing) to every operation that carries it.
   */
  response?: ResponseMarker;
  /**
   * RTR batch answers: `resources` (or `combined.resources`) is an object keyed by host id, not a list.
   * The client turns it into a list of entries that carry their host id as `aid`.
   */
  keyedByHost?: boolean;
  /**
   * What the response's resources hold: ids (strings) or entity objects; `file` when the answer is a
   * file's bytes rather than JSON (extracted file contents): the client gives one resource
   * `{content_type, size, base64}`.
   */
  resources: 'ids' | 'entities' | 'none' | 'file';
  summary: string;
  /** Section of falcon-api.md (or SDK source) the entry came from. */
  source: string;
}
