import { type CliCommand, notYetAvailable } from '../command-spec.ts';
import { callCommand } from './call.ts';
import { emulatorCommand } from './emulator.ts';
import { validateCommand } from './validate.ts';

/**
 * Every `talon` command, in the order `--help` lists them. Commands still to be built say
 * "not yet available" and exit 2.
 */
export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  notYetAvailable('run', 'Run a playbook now and follow its progress', 6),
  notYetAvailable('worker', 'Start a worker that executes queued playbook runs', 6),
  notYetAvailable('scheduler', 'Start the scheduler that enqueues cron and poll triggers', 6),
  notYetAvailable('serve', 'Serve webhooks, the queue dashboard, health and metrics', 6),
  notYetAvailable('runs', 'List runs or show one run with its steps', 6),
  callCommand,
  emulatorCommand,
  notYetAvailable('demo', 'Run the headline playbook against the embedded emulator and a local Redis', 6),
];
