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
export { ALERT_ACTION_NAMES, ALERT_STATUS_VALUES } from './alerts.ts';
export { INCIDENT_ACTION_NAMES } from './incidents.ts';
export type {
  Deprecation,
  HttpMethod,
  OperationKind,
  OperationSpec,
  PaginationStyle,
  ParamLocation,
  ParamSpec,
  ParamType,
} from './types.ts';
