/**
 * The contract between the server and one route handler. A handler is keyed by `METHOD path` (the
 * wire facts); the server pairs it with the OperationSpec of that route from the operations table,
 * validates the request against the spec (scope, ids cap, limit range, body fields) and calls it.
 */
import type { OperationSpec } from '../../falcon/operations/index.ts';
import type { Session } from '../auth.ts';
import type { FalconErrorItem } from '../http/reply-error.ts';
import type { QueryParams } from '../http/query-params.ts';
import type { QueryEngine } from '../query/run-query.ts';
import type { EmulatorState } from '../state/emulator-state.ts';

/** Everything a handler may use. */
export interface RouteContext {
  readonly op: OperationSpec;
  readonly query: QueryParams;
  /** Values of the `{name}` parts of a templated route path (e.g. partition). */
  readonly pathParams: Readonly<Record<string, string>>;
  /** The parsed JSON body (object or array), or undefined when there was none. */
  readonly body: unknown;
  readonly session: Session;
  readonly state: EmulatorState;
  readonly queries: QueryEngine;
  readonly nowMs: number;
  /** Whether decommissioned collections answer as the real cloud does today. */
  readonly cloudToday: boolean;
  /**
   * Records a write in the audit log (call once per write request, with every id it changed).
   * `action` names the response action (contain, hide_host, an RTR command) when there is one.
   */
  recordWrite(ids: readonly string[], action?: string): void;
  /** Event Streams settings and the origin (scheme://host:port) the client reached us on. */
  readonly stream: { readonly origin: string; readonly sessionSeconds: number };
}

/** What a handler answers; the server wraps it in the envelope. */
export interface RouteResult {
  /** @default the operation's successStatus */
  status?: number;
  resources: readonly unknown[];
  pagination?: Readonly<Record<string, unknown>>;
  /** meta.writes.resources_affected */
  writes?: number;
  /** Partial failures reported next to a 2xx (e.g. ids not found). */
  errors?: readonly FalconErrorItem[];
  /** Extra top-level fields next to meta/resources/errors. */
  extra?: Readonly<Record<string, unknown>>;
  /**
   * A body that is not the envelope at all (the GraphQL answer `{data, errors, extensions}`); a Buffer
   * is sent as bytes (RTR extracted file contents).
   */
  raw?: unknown;
}

export type RouteHandler = (ctx: RouteContext) => RouteResult;

/** Handlers of one API family keyed by `METHOD /path`. */
export type RouteTable = Readonly<Record<string, RouteHandler>>;
