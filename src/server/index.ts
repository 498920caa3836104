export { principalOf, startTalonServer } from './server.ts';
export type { TalonServer, TalonServerOptions } from './server.ts';
export { access, authorize, isRole, newApiToken, ROLES, roleAllows, verifyApiToken } from './auth.ts';
export type { Principal, Role, RouteAccess, StoredToken } from './auth.ts';
export { readTokens, tokenSource, writeTokens } from './token-store.ts';
