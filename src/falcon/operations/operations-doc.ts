/**
 * Renders docs/operations.md from the operations table (`npm run docs:operations`); a unit test fails
 * when the committed file differs, so the page cannot fall behind the table.
 */
import { allCollections, listOperations, type OperationView, type ParamView } from './describe.ts';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `string`, `string[] ≤ 500`, `integer 1..500`, `string: a, b, c`. */
export function paramTypeText(param: ParamView): string {
  let text = param.type;
  if (param.maxItems !== undefined) text += ` (≤ ${param.maxItems})`;
  if (param.minimum !== undefined || param.maximum !== undefined) {
    text += ` (${param.minimum ?? ''}..${param.maximum ?? ''})`;
  }
  if (param.enum) text += `: ${param.enum.join(', ')}`;
  return text;
}

/** One-word status: decommissioned (with date), removed, or empty when current. */
export function statusText(op: OperationView): string {
  if (!op.decommissioned) return '';
  const to = op.decommissioned.successor ? `, use ${op.decommissioned.successor}` : '';
  return `${op.decommissioned.removed ? 'removed' : 'decommissioned'} ${op.decommissioned.date}${to}`;
}

function paramRows(params: readonly ParamView[], prefix = ''): string[] {
  return params.flatMap((p) => {
    const name = `${prefix}${p.name}`;
    const row = `| \`${name}\` | ${p.in} | ${cell(paramTypeText(p))} | ${p.required ? 'yes' : ''} | ${cell(p.description ?? '')} |`;
    const suffix = p.type === 'object[]' ? '[].' : '.';
    return [row, ...paramRows(p.fields ?? [], `${name}${suffix}`)];
  });
}

function renderOperation(op: OperationView): string[] {
  const facts = [
    `\`${op.method} ${op.route}\``,
    `scope \`${op.scope}\``,
    op.writes ? 'writes' : 'reads',
    ...(op.ids ? [`at most ${op.ids.max} ${op.ids.param} per request`] : []),
    ...(op.limit ? [`limit ${op.limit.min}..${op.limit.max} (default ${op.limit.default})`] : []),
    ...(op.pagination !== 'none' ? [`pages by ${op.pagination}`] : []),
  ];
  const names = [op.operationId, ...op.aliases].map((n) => `\`${n}\``).join(', ');
  const lines = [`### ${op.name}`, '', `${op.summary} ${facts.join(' · ')}.`, '', `Also called: ${names}.`];
  if (op.decommissioned) lines.push('', `**${statusText(op)}.** ${op.decommissioned.note}`);
  if (op.params.length > 0) {
    lines.push('', '| Parameter | In | Type | Required | Description |', '|---|---|---|---|---|');
    lines.push(...paramRows(op.params));
  }
  lines.push('', `Source: ${op.source}.`, '');
  return lines;
}

/** The whole page. */
export function renderOperationsDoc(): string {
  const lines = [
    '# Falcon operations',
    '',
    'Every operation a playbook step can call (`uses: <collection>.<operation>`), generated from the',
    'operations table in src/falcon/operations/ by `npm run docs:operations`; do not edit by hand.',
    'The same data is printed by `talon ops list [collection]` and `talon ops show <operation>` (add',
    '`--json` for machines). A step may name an operation by any of its names; parameters marked',
    '`body` travel in the JSON body, the others in the query string.',
    '',
  ];
  for (const collection of allCollections()) {
    const ops = listOperations(collection);
    lines.push(
      `## ${collection}`,
      '',
      '| Operation | Method and route | Scope | Kind | Status |',
      '|---|---|---|---|---|',
    );
    for (const op of ops) {
      lines.push(
        `| [${op.name}](#${op.name.replace(/[^a-z0-9_-]/gi, '').toLowerCase()}) | \`${op.method} ${op.route}\` | \`${op.scope}\` | ${op.writes ? 'write' : 'read'} | ${cell(statusText(op))} |`,
      );
    }
    lines.push('');
    for (const op of ops) lines.push(...renderOperation(op));
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
