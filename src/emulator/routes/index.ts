/**
 * Every route handler, keyed by `METHOD path`. The server serves exactly the operations of the
 * operations table that have a handler here; test/emulator/routes.test.ts fails when an operation
 * of the table has none.
 */
import { ALERTS_ROUTES } from './alerts.ts';
import { CASE_ADMIN_ROUTES } from './case-admin.ts';
import { CASES_ROUTES } from './cases.ts';
import { DETECTS_ROUTES } from './detects.ts';
import { HOSTS_ROUTES } from './hosts.ts';
import { IDENTITY_PROTECTION_ROUTES } from './identity-protection.ts';
import { INCIDENTS_ROUTES } from './incidents.ts';
import { IOC_ROUTES } from './ioc.ts';
import { MSSP_ROUTES } from './mssp.ts';
import { ODS_ROUTES } from './ods.ts';
import { STREAMS_ROUTES } from './streams.ts';
import { RTR_ROUTES } from './rtr.ts';
import type { RouteTable } from './types.ts';

/** All handlers of all API families. */
export const ROUTE_HANDLERS: RouteTable = {
  ...DETECTS_ROUTES,
  ...INCIDENTS_ROUTES,
  ...IOC_ROUTES,
  ...ODS_ROUTES,
  ...IDENTITY_PROTECTION_ROUTES,
  ...ALERTS_ROUTES,
  ...CASES_ROUTES,
  ...CASE_ADMIN_ROUTES,
  ...HOSTS_ROUTES,
  ...STREAMS_ROUTES,
  ...RTR_ROUTES,
  ...MSSP_ROUTES,
};
