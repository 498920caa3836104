/**
 * `talon tokens create|list|revoke`: the API tokens of `talon serve`, kept hashed in the file named
 * by TALON_TOKENS_FILE (or --file). A new token is printed once and never stored in plain text.
 */
import { loadConfig } from '../../config/index.ts';
import { isRole, newApiToken, ROLES, readTokens, writeTokens } from '../../server/index.ts';
import { ConfigError, SoarError, systemClock } from '../../shared/index.ts';
import type { CliCommand, CliOption } from '../command-spec.ts';

const FILE_OPTION: CliOption = {
  flags: '--file <path>',
  description: 'tokens file (default: TALON_TOKENS_FILE)',
};

function tokensFile(options: Record<string, unknown>): string {
  const path = typeof options['file'] === 'string' ? options['file'] : loadConfig().tokensFile;
  if (path === null || path === '') {
    throw new ConfigError(
      'SOAR_CONFIG_MISSING',
      'TALON_TOKENS_FILE is not set (or pass --file): it names the file where `talon serve` finds API tokens',
    );
  }
  return path;
}

const createCommand: CliCommand = {
  name: 'create',
  description: 'Create an API token and print it once',
  arguments: [
    { name: 'name', description: 'who or what uses the token (e.g. ci, grafana, alice)', required: true },
  ],
  options: [
    { flags: '--role <role>', description: `one of ${ROLES.join(', ')}`, default: 'viewer' },
    FILE_OPTION,
  ],
  async run(args, options, io) {
    const name = String(args[0]);
    const role = options['role'];
    if (!isRole(role))
      throw new SoarError(
        'SOAR_CLI_USAGE',
        `--role must be one of ${ROLES.join(', ')} (got ${String(role)})`,
      );
    if (!/^[\w.@-]{1,64}$/.test(name)) {
      throw new SoarError(
        'SOAR_CLI_USAGE',
        'the token name must be 1-64 letters, digits, ".", "@", "_" or "-"',
      );
    }
    const path = tokensFile(options);
    const tokens = await readTokens(path);
    const { token, stored } = newApiToken(name, role, systemClock.now());
    await writeTokens(path, [...tokens, stored]);
    io.err(`created token ${stored.id} "${name}" (${role}) in ${path}; it is shown once, store it now:\n`);
    io.out(`${token}\n`);
    return 0;
  },
};

const listCommand: CliCommand = {
  name: 'list',
  description: 'List API tokens (ids, names, roles; never the tokens)',
  options: [FILE_OPTION, { flags: '--json', description: 'print JSON' }],
  async run(_args, options, io) {
    const tokens = await readTokens(tokensFile(options));
    const rows = tokens.map(({ id, name, role, createdAt }) => ({ id, name, role, createdAt }));
    if (options['json'] === true) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) io.out('no API tokens\n');
    for (const row of rows) io.out(`${row.id}  ${row.role.padEnd(8)}  ${row.createdAt}  ${row.name}\n`);
    return 0;
  },
};

const revokeCommand: CliCommand = {
  name: 'revoke',
  description: 'Revoke an API token by id (a running server stops accepting it at once)',
  arguments: [{ name: 'id', description: 'token id (see `talon tokens list`)', required: true }],
  options: [FILE_OPTION],
  async run(args, options, io) {
    const id = String(args[0]);
    const path = tokensFile(options);
    const tokens = await readTokens(path);
    const kept = tokens.filter((t) => t.id !== id);
    if (kept.length === tokens.length) {
      throw new SoarError('SOAR_CLI_USAGE', `no token with id "${id}" in ${path} (see talon tokens list)`);
    }
    await writeTokens(path, kept);
    io.out(`revoked token ${id}\n`);
    return 0;
  },
};

/** The `tokens` command. */
export const tokensCommand: CliCommand = {
  name: 'tokens',
  description: 'Manage API tokens for talon serve (create, list, revoke)',
  subcommands: [createCommand, listCommand, revokeCommand],
};
