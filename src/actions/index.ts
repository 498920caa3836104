export { ACTION_DECLARATIONS, ACTIONS, findAction } from './registry.ts';
export { createActionRunner } from './runner.ts';
export type { ActionRunner, ActionRunnerOptions } from './runner.ts';
export type { ActionDeclaration, ActionDefinition, ActionParam } from './types.ts';
export { internalAddressReason, hostAllowed } from './address-policy.ts';
