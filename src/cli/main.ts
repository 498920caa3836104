import { COMMANDS } from './commands/index.ts';
import { runProgram } from './program.ts';

/** Entry point of the `talon` command. */
export async function main(argv: readonly string[]): Promise<number> {
  return runProgram(COMMANDS, argv, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
}
