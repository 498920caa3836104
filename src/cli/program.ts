import { Command, CommanderError } from 'commander';
import { SoarError, toSoarError } from '../shared/index.ts';
import { type CliCommand, type CliIo, type CommandEntry, isLazy } from './command-spec.ts';

/** Builds the `talon` program from command descriptions. The only importer of commander. */
export function buildProgram(
  commands: readonly CliCommand[],
  io: CliIo,
  setExitCode: (code: number) => void,
): Command {
  const program = new Command('talon')
    .description('Talon: run YAML security playbooks against the CrowdStrike Falcon API')
    .version('0.1.0')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();
  for (const spec of commands) program.addCommand(toCommander(spec, io, setExitCode));
  return program;
}

function toCommander(spec: CliCommand, io: CliIo, setExitCode: (code: number) => void): Command {
  const cmd = new Command(spec.name).description(spec.description);
  cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) }).exitOverride();
  for (const arg of spec.arguments ?? []) {
    const name = `${arg.name}${arg.variadic ? '...' : ''}`;
    cmd.argument(arg.required ? `<${name}>` : `[${name}]`, arg.description);
  }
  for (const opt of spec.options ?? []) cmd.option(opt.flags, opt.description, opt.default);
  for (const sub of spec.subcommands ?? []) cmd.addCommand(toCommander(sub, io, setExitCode));
  const run = spec.run;
  if (run) {
    cmd.action(async (...received: unknown[]) => {
      const positional = received.slice(0, spec.arguments?.length ?? 0) as (string | string[] | undefined)[];
      const options = cmd.opts();
      try {
        setExitCode(await run(positional, options, io));
      } catch (error) {
        setExitCode(reportError(error, io));
      }
    });
  }
  return cmd;
}

/** Prints an error as `error CODE: message` with its hint; never a stack or a raw foreign error. */
export function reportError(error: unknown, io: CliIo): number {
  const soar = toSoarError(error);
  io.err(`error ${soar.code}: ${soar.message}\n`);
  if (soar instanceof SoarError && soar.code !== 'SOAR_INTERNAL') io.err(`  hint: ${soar.hint}\n`);
  return soar.code === 'SOAR_CLI_USAGE' ? 2 : 1;
}

/** The command argv names (`talon <name> ...` or `talon help <name>`), if any. */
function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Loads the one lazy command argv asks for; the others stay name-and-description stubs, which is all
 * `talon --help` shows.
 */
export async function resolveCommands(
  entries: readonly CommandEntry[],
  argv: readonly string[],
): Promise<CliCommand[]> {
  const wanted = requestedCommand(argv);
  return Promise.all(
    entries.map(async (entry) => {
      if (!isLazy(entry)) return entry;
      if (entry.name === wanted) return entry.load();
      return { name: entry.name, description: entry.description };
    }),
  );
}

/** Parses argv and runs; resolves to the exit code. */
export async function runProgram(
  entries: readonly CommandEntry[],
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  let exitCode = 0;
  const commands = await resolveCommands(entries, argv);
  const program = buildProgram(commands, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; usage errors with 1 from commander, 2 by our convention.
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error, io);
  }
  return exitCode;
}
