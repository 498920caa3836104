export { startLocalRedis } from './redis-server.ts';
export type { LocalRedis, LocalRedisOptions } from './redis-server.ts';
export { findFreePort } from './free-port.ts';
export { ensureRedisServer, planRedisInstall } from './redis-install.ts';
export type { RedisInstallFacts, RedisInstallPlan } from './redis-install.ts';
export { startEmbeddedFalcon } from './embedded-falcon.ts';
export type { EmbeddedFalcon } from './embedded-falcon.ts';
