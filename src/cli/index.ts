export { main } from './main.ts';
export { runProgram, reportError } from './program.ts';
export { notYetAvailable } from './command-spec.ts';
export type { CliCommand, CliArgument, CliOption, CliIo } from './command-spec.ts';
