import type { CliCommand } from '../command-spec.ts';
import { callCommand } from './call.ts';
import { demoCommand } from './demo.ts';
import { emulatorCommand } from './emulator.ts';
import { opsCommand } from './ops.ts';
import { runCommand } from './run.ts';
import { runsCommand } from './runs.ts';
import { schedulerCommand } from './scheduler.ts';
import { serveCommand } from './serve.ts';
import { tokensCommand } from './tokens.ts';
import { validateCommand } from './validate.ts';
import { workerCommand } from './worker.ts';

/**
 * Every `talon` command, in the order `--help` lists them. A command still to be built is listed with
 * notYetAvailable (from ../command-spec.ts): it says "not yet available" and exits 2.
 */
export const COMMANDS: readonly CliCommand[] = [
  validateCommand,
  opsCommand,
  runCommand,
  workerCommand,
  schedulerCommand,
  serveCommand,
  tokensCommand,
  runsCommand,
  callCommand,
  emulatorCommand,
  demoCommand,
];
