import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.ts';
import { runProgram } from '../../src/cli/index.ts';
import { ALL_OPERATIONS, REMOVED_OPERATIONS } from '../../src/falcon/operations/index.ts';

async function talon(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runProgram(COMMANDS, argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe('talon ops', () => {
  it('lists every operation of the table, served and removed, as JSON', async () => {
    const { code, out } = await talon('ops', 'list', '--json');
    expect(code).toBe(0);
    const names = (JSON.parse(out) as { name: string }[]).map((op) => op.name);
    expect(names).toEqual(
      [...ALL_OPERATIONS, ...REMOVED_OPERATIONS].map((op) => `${op.collection}.${op.pep8}`),
    );
  });

  it('lists one collection as text with method, route, kind and scope', async () => {
    const { code, out } = await talon('ops', 'list', 'ioc');
    expect(code).toBe(0);
    expect(out).toMatch(/ioc\.indicator_create\s+POST \/iocs\/entities\/indicators\/v1\s+write\s+ioc:write/);
    expect(out).not.toContain('detects.');
  });

  it('marks decommissioned operations with their date and successor', async () => {
    const { out } = await talon('ops', 'list', 'detects');
    expect(out).toMatch(
      /detects\.query_detects .*\[decommissioned 2025-09-30, use alerts\.query_alerts_v2\]/,
    );
  });

  it('refuses an unknown collection and names the known ones', async () => {
    const { code, err } = await talon('ops', 'list', 'nosuch');
    expect(code).toBe(2);
    expect(err).toContain("unknown collection 'nosuch'; collections: detects, incidents");
  });

  it('shows an operation by any of its names, with body fields and their enums', async () => {
    const { code, out } = await talon('ops', 'show', 'indicator_create_v1');
    expect(code).toBe(0);
    expect(out).toContain('ioc.indicator_create: Create indicators (201).');
    expect(out).toContain('route: POST /iocs/entities/indicators/v1');
    expect(out).toContain('ids: at most 2000 per request in indicators');
    expect(out).toContain(
      'indicators[].action (body, string: no_action, allow, prevent_no_ui, detect, prevent)',
    );
  });

  it('shows an operation as JSON with writes, scope, ids limit and nested fields', async () => {
    const { out } = await talon('ops', 'show', 'ioc.indicator_create', '--json');
    const view = JSON.parse(out);
    expect(view).toMatchObject({
      name: 'ioc.indicator_create',
      writes: true,
      scope: 'ioc:write',
      ids: { max: 2000 },
    });
    const indicators = view.params.find((p: { name: string }) => p.name === 'indicators');
    expect(indicators.fields.find((f: { name: string }) => f.name === 'type')).toMatchObject({
      required: true,
    });
  });

  it('suggests close names for an unknown operation', async () => {
    const { code, err } = await talon('ops', 'show', 'iocs.indicator_create');
    expect(code).toBe(2);
    expect(err).toContain('did you mean ioc.indicator_create');
  });
});
