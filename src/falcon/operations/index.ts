export {
  ALL_OPERATIONS,
  COLLECTIONS,
  REMOVED_OPERATIONS,
  editDistance,
  findOperation,
  findOperationByRoute,
  operationRoutes,
  operationsByCollection,
  qualifiedName,
  suggestOperations,
} from './registry.ts';
export type { OperationRoute } from './registry.ts';
export { allCollections, describeOperation, listOperations } from './describe.ts';
export type { OperationView, ParamView } from './describe.ts';
export { paramTypeText, renderOperationsDoc, statusText } from './operations-doc.ts';
export { ALERT_ACTION_NAMES, ALERT_STATUS_VALUES } from './alerts.ts';
export { CONTAINMENT_STATUSES, HOST_ACTION_NAMES } from './hosts.ts';
export { INCIDENT_ACTION_NAMES } from './incidents.ts';
export { REFRESH_ACTION_NAME } from './event-streams.ts';
export type {
  Deprecation,
  HttpMethod,
  OperationKind,
  OperationSpec,
  PaginationStyle,
  ParamLocation,
  ParamSpec,
  ParamType,
  ResponseActionKind,
  ResponseMarker,
} from './types.ts';
