export { createFalconClient, FalconClient } from './client.ts';
export type { BatchedResult, BatchOptions, FalconClientOptions } from './client.ts';
export { codeForStatus, FalconApiError } from './errors.ts';
export type { FalconApiErrorItem, FalconErrorFacts } from './errors.ts';
export type { RateBudget } from './rate-budget.ts';
export { buildRequest } from './request.ts';
export type { BuiltRequest } from './request.ts';
export { nextPageParams } from './pagination.ts';
export {
  backoffMs,
  DEFAULT_RETRY_POLICY,
  paceDelayMs,
  retryAfterMs,
  retryDelay,
} from './retry.ts';
export type { AttemptOutcome, RetryInput, RetryPolicy } from './retry.ts';
export type { ClientStats, OperationCounters } from './stats.ts';
export type { CollectionService, ServiceMethod } from './services.ts';
export {
  ALERT_ACTION_NAMES,
  ALERT_STATUS_VALUES,
  ALL_OPERATIONS,
  COLLECTIONS,
  CONTAINMENT_STATUSES,
  HOST_ACTION_NAMES,
  INCIDENT_ACTION_NAMES,
  REMOVED_OPERATIONS,
  editDistance,
  findOperation,
  findOperationByRoute,
  operationRoutes,
  operationsByCollection,
  qualifiedName,
  suggestOperations,
} from './operations/index.ts';
export type {
  Deprecation,
  HttpMethod,
  OperationKind,
  OperationRoute,
  OperationSpec,
  PaginationStyle,
  ParamLocation,
  ParamSpec,
  ParamType,
  ResponseActionKind,
  ResponseMarker,
} from './operations/index.ts';
