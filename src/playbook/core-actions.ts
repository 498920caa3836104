// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
/**
 * The built-in `core.*` actions a step can use besides Falcon operations. The engine implements them;
 * this table is what the checker validates `with` against and what docs/playbooks.md describes.
 */

import { ACTION_DECLARATIONS } from '../actions/registry.ts';

export interface CoreParam {
  name: string;
  required: boolean;
  enum?: readonly string[];
  description: string;
}

export interface CoreAction {
  name: string;
  summary: string;
  /** null = any keys (core.set), or keys checked by the schema instead (approval). */
  params: readonly CoreParam[] | null;
  /** What the step's output (steps.<id>) holds. */
  output: string;
  /**
   * Dotted paths inside `with` that hold a named secret (`${{ secrets.NAME }}`, the whole value);
   * the only places a secret may appear. Absent for the core.* actions.
   */
  secretSlots?: readonly string[];
}

/** Every core action, by name. */
export const CORE_ACTIONS: Readonly<Record<string, CoreAction>> = {
  'core.log': {
    name: 'core.log',
    summary: 'Write a message to the run log.',
    params: [
      { name: 'message', required: true, description: 'The text; may interpolate ${{ }}.' },
      {
        name: 'level',
        required: false,
        enum: ['debug', 'info', 'warn', 'error'],
        description: 'Default info.',
      },
    ],
    output: '{message}: the rendered message.',
  },
  'core.set': {
    name: 'core.set',
    summary: "Compute values once and keep them as this step's output.",
    params: null,
    output: 'The rendered `with` map itself.',
  },
  'core.fail': {
    name: 'core.fail',
    summary: 'Stop the run as failed with a message (use with `if:`).',
    params: [{ name: 'message', required: true, description: 'Why the run fails.' }],
    output: 'None: the step fails with SOAR_ENGINE_STEP_FAILED carrying the message.',
  },
  'core.assert': {
    name: 'core.assert',
    summary: 'Fail the run unless `that` is truthy (non-empty lists and mappings count as true).',
    params: [
      { name: 'that', required: true, description: 'Usually a ${{ }} expression.' },
      { name: 'message', required: false, description: 'Why, when it does not hold.' },
    ],
    output: '{ok: true}; otherwise the step fails with SOAR_ENGINE_ASSERTION_FAILED.',
  },
  // Its `with` is structured (approvers, on_timeout...): schema.ts checks it, with positions.
  approval: {
    name: 'approval',
    summary:
      'Ask people to decide (approve, deny or a custom choice); the run waits holding no worker until they do or the timeout passes.',
    params: null,
    output:
      '{decision, approved, by, at, channel, reason, votes, timed_out, escalated}: see "Approval steps" in docs/playbooks.md.',
  },
};

/** The actions that reach other services (src/actions), checked like the core ones. */
const SERVICE_ACTIONS: Readonly<Record<string, CoreAction>> = Object.fromEntries(
  ACTION_DECLARATIONS.map((d) => [
    d.name,
    { name: d.name, summary: d.summary, params: d.params, output: d.output, secretSlots: d.secretSlots },
  ]),
);

/** Every action a step can use besides Falcon operations: core.* and the service actions. */
export const STEP_ACTIONS: Readonly<Record<string, CoreAction>> = { ...CORE_ACTIONS, ...SERVICE_ACTIONS };

/** The core action called `name`, if any. */
export function findCoreAction(name: string): CoreAction | undefined {
  return Object.hasOwn(STEP_ACTIONS, name) ? STEP_ACTIONS[name] : undefined;
}
