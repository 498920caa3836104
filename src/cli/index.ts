export { main } from './main.ts';
export { runProgram, reportError, resolveCommands } from './program.ts';
export { isLazy, notYetAvailable } from './command-spec.ts';
export type {
  CliCommand,
  CliArgument,
  CliOption,
  CliIo,
  CommandEntry,
  LazyCliCommand,
} from './command-spec.ts';
