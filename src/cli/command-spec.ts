/**
 * A CLI command as data. Command modules describe themselves with this shape and never import the
 * argument parser; src/cli/program.ts turns the list into the real parser.
 */
export interface CliArgument {
  name: string;
  description: string;
  required?: boolean;
  variadic?: boolean;
}

export interface CliOption {
  /** commander-style flags, e.g. "--port <n>", "--dry-run", "-i, --input <k=v...>". */
  flags: string;
  description: string;
  default?: string | boolean | string[];
}

/** Where a command writes; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  description: string;
  arguments?: readonly CliArgument[];
  options?: readonly CliOption[];
  subcommands?: readonly CliCommand[];
  /**
   * Runs the command. `args` are the positional arguments in order (a variadic one is a string[]),
   * `options` the parsed options keyed by camelCase name. Resolves to the process exit code; a
   * long-running command (worker, serve) resolves when it has shut down.
   */
  run?(
    args: readonly (string | string[] | undefined)[],
    options: Record<string, unknown>,
    io: CliIo,
  ): Promise<number>;
}

/**
 * A command listed by name and description whose module is imported only when it runs (or its help
 * is asked for): `talon --help` and `talon validate` then never load the queue, the server or the
 * emulator. `description` must equal the loaded command's (a unit test checks).
 */
export interface LazyCliCommand {
  name: string;
  description: string;
  load(): Promise<CliCommand>;
}

/** An entry of the command list: built in place, or loaded on demand. */
export type CommandEntry = CliCommand | LazyCliCommand;

export function isLazy(entry: CommandEntry): entry is LazyCliCommand {
  return typeof (entry as Partial<LazyCliCommand>).load === 'function';
}

/** A command that is planned but not built: it says so and fails, it never pretends to succeed. */
export function notYetAvailable(name: string, description: string, issue: number): CliCommand {
  return {
    name,
    description: `${description} (not yet available)`,
    arguments: [{ name: 'args', description: 'ignored until the command exists', variadic: true }],
    async run(_args, _options, io) {
      io.err(`talon ${name}: not yet available (planned in issue #${issue})\n`);
      return 2;
    },
  };
}
