export { createSecretStore } from './store.ts';
export type { SecretStore } from './store.ts';
