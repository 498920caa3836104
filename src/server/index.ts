export { startTalonServer } from './server.ts';
export type { TalonServer, TalonServerOptions } from './server.ts';
