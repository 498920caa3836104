/**
 * `talon ops list [collection]` and `talon ops show <operation>`: the operations a playbook can call,
 * from the operations table (the same data as docs/operations.md), as text or `--json`.
 */
import {
  allCollections,
  describeOperation,
  findOperation,
  listOperations,
  type OperationView,
  type ParamView,
  paramTypeText,
  statusText,
  suggestOperations,
} from '../../falcon/operations/index.ts';
import { SoarError } from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

function printList(ops: readonly OperationView[], io: CliIo): void {
  const width = Math.max(...ops.map((op) => op.name.length));
  const routeWidth = Math.max(...ops.map((op) => op.method.length + op.route.length + 1));
  let collection = '';
  for (const op of ops) {
    if (op.collection !== collection) {
      collection = op.collection;
      io.out(`${collection}\n`);
    }
    const status = statusText(op);
    const route = `${op.method} ${op.route}`;
    io.out(
      `  ${op.name.padEnd(width)}  ${route.padEnd(routeWidth)}  ${op.writes ? 'write' : 'read '}  ${op.scope}${status ? `  [${status}]` : ''}\n`,
    );
  }
}

function paramLines(params: readonly ParamView[], prefix: string, io: CliIo): void {
  for (const p of params) {
    const name = `${prefix}${p.name}`;
    const required = p.required ? ' required' : '';
    const description = p.description ? `  ${p.description}` : '';
    io.out(`    ${name} (${p.in}, ${paramTypeText(p)}${required})${description}\n`);
    if (p.fields) paramLines(p.fields, `${name}${p.type === 'object[]' ? '[].' : '.'}`, io);
  }
}

function printOne(op: OperationView, io: CliIo): void {
  io.out(`${op.name}: ${op.summary}\n`);
  io.out(`  route: ${op.method} ${op.route}\n`);
  io.out(`  names: ${[op.operationId, op.pep8, ...op.aliases].join(', ')}\n`);
  io.out(`  scope: ${op.scope}\n`);
  io.out(`  kind: ${op.writes ? 'write' : 'read'}${op.idempotent ? ' (safe to retry)' : ''}\n`);
  if (op.ids) io.out(`  ids: at most ${op.ids.max} per request in ${op.ids.param}\n`);
  if (op.limit) io.out(`  limit: ${op.limit.min}..${op.limit.max}, default ${op.limit.default}\n`);
  if (op.pagination !== 'none') io.out(`  pagination: ${op.pagination}\n`);
  if (op.decommissioned) io.out(`  status: ${statusText(op)}: ${op.decommissioned.note}\n`);
  io.out(op.params.length > 0 ? '  parameters:\n' : '  parameters: (none)\n');
  paramLines(op.params, '', io);
  io.out(`  source: ${op.source}\n`);
}

const listCommand: CliCommand = {
  name: 'list',
  description: 'List the Falcon operations playbooks can call, optionally of one collection',
  arguments: [{ name: 'collection', description: 'collection key, e.g. ioc, alerts, hosts' }],
  options: [{ flags: '--json', description: 'print JSON for machines' }],
  async run(args, options, io) {
    const collection = typeof args[0] === 'string' ? args[0] : undefined;
    const known = allCollections();
    if (collection !== undefined && !known.includes(collection)) {
      throw new SoarError(
        'SOAR_CLI_USAGE',
        `unknown collection '${collection}'; collections: ${known.join(', ')}`,
      );
    }
    const ops = listOperations(collection);
    if (options.json === true) io.out(json(ops));
    else printList(ops, io);
    return 0;
  },
};

const showCommand: CliCommand = {
  name: 'show',
  description: 'Show one operation: route, parameters (types, enums, body fields), scope, limits',
  arguments: [
    {
      name: 'operation',
      description: 'any name of the operation, e.g. ioc.indicator_create',
      required: true,
    },
  ],
  options: [{ flags: '--json', description: 'print JSON for machines' }],
  async run(args, options, io) {
    const name = String(args[0] ?? '');
    const op = findOperation(name);
    if (!op) {
      const close = suggestOperations(name);
      const hint = close.length > 0 ? `; did you mean ${close.join(', ')}?` : '; see `talon ops list`';
      throw new SoarError('SOAR_CLI_USAGE', `unknown operation '${name}'${hint}`);
    }
    const view = describeOperation(op);
    if (options.json === true) io.out(json(view));
    else printOne(view, io);
    return 0;
  },
};

/** `talon ops`: the operations catalogue. */
export const opsCommand: CliCommand = {
  name: 'ops',
  description: 'List Falcon operations and show their parameters (the operations catalogue)',
  subcommands: [listCommand, showCommand],
};
