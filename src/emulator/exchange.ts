/**
 * One request in flight and the services every part of the pipeline shares. Kept apart from the
 * server so the OAuth2, admin and Falcon route modules can be written against it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthRegistry } from './auth.ts';
import type { FaultBook } from './faults.ts';
import type { QueryParams } from './http/query-params.ts';
import type { Journal } from './journal.ts';
import type { ResolvedEmulatorOptions } from './options.ts';
import type { QueryEngine } from './query/run-query.ts';
import type { SlidingWindowLimiter } from './rate-limit.ts';
import type { FeedRegistry } from './feed-registry.ts';
import type { EmulatorState } from './state/emulator-state.ts';

/** A request being answered. Fields filled as the pipeline learns them end up in the request log. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly traceId: string;
  readonly startedMs: number;
  readonly method: string;
  readonly path: string;
  readonly query: QueryParams;
  readonly ip: string;
  /** Body as it goes into the request log (JSON, or the form with secrets redacted). */
  loggedBody: unknown;
  operationId: string | undefined;
  clientId: string | undefined;
  /** X-Ratelimit-* headers decided for this request. */
  rateHeaders: Record<string, string>;
  /** `meta.powered_by` of the answer. */
  poweredBy: string;
}

/** The emulator's services. */
export interface EmulatorServices {
  readonly options: ResolvedEmulatorOptions;
  readonly state: EmulatorState;
  readonly auth: AuthRegistry;
  readonly journal: Journal;
  readonly faults: FaultBook;
  readonly queries: QueryEngine;
  /** Open Event Streams feeds (for the drop and stall faults). */
  readonly feeds: FeedRegistry;
  readonly limiters: {
    readonly cid: SlidingWindowLimiter;
    readonly unauthenticated: SlidingWindowLimiter;
    readonly token: SlidingWindowLimiter;
  };
}
