/**
 * Every action that is not a Falcon call and not a pure core.* step, by name. The playbook checker
 * reads their declarations; the worker runs them through createActionRunner (runner.ts).
 */
import { httpRequest } from './http-request.ts';
import { notifyEmail } from './notify-email.ts';
import { notifySlack } from './notify-slack.ts';
import { notifyTeams } from './notify-teams.ts';
import { rtrRunCommand } from './rtr-run-command.ts';
import type { ActionDeclaration, ActionDefinition } from './types.ts';

export const ACTIONS: readonly ActionDefinition[] = [
  notifySlack,
  notifyTeams,
  notifyEmail,
  httpRequest,
  rtrRunCommand,
];

const BY_NAME = new Map(ACTIONS.map((action) => [action.declaration.name, action]));

/** The action called `name`, if any. */
export function findAction(name: string): ActionDefinition | undefined {
  return BY_NAME.get(name);
}

/** The declarations, in a stable order, for the checker and the docs. */
export const ACTION_DECLARATIONS: readonly ActionDeclaration[] = ACTIONS.map((a) => a.declaration);
