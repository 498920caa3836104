export {
  readInstallEnv,
  loadConfig,
  readAllowedEnv,
  readExpressionEnv,
  readSecretVariable,
  readTenantsFileVariable,
  CONFIG_VARIABLES,
} from './load-config.ts';
export type { AppConfig, ApprovalConfig, FalconConfig } from './load-config.ts';
export { FALCON_CLOUDS, resolveFalconBaseUrl } from './clouds.ts';
export { isLoopbackHost, NO_PROXY_SETTINGS, proxyFor, readProxySettings } from './proxy.ts';
export type { ProxySettings } from './proxy.ts';
export type { FalconCloudName } from './clouds.ts';
export {
  readOutboundPolicy,
  readSecretSources,
  SECRET_NAME_PATTERN,
  SECRET_VARIABLE_PREFIX,
} from './outbound.ts';
export type { OutboundPolicy, SecretSources } from './outbound.ts';
export { DEFAULT_REPLICATED_WAIT, parseRedisUrl, redactRedisUrl } from './redis-url.ts';
export type { RedisNodeAddress, RedisTopology, ReplicaWait } from './redis-url.ts';
