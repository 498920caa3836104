import { describe, expect, it } from 'vitest';
import { compileFql, FqlSyntaxError, parseFql, tokenizeFql } from '../../src/emulator/index.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');

const ENTITIES = [
  {
    id: 'a',
    status: 'new',
    max_severity: 70,
    hostname: 'web-01',
    expired: false,
    assigned: null,
    tags: ['phish', 'vip'],
    first_behavior: '2026-11-20T06:00:00Z',
    device: { hostname: 'WEB-01', platform_name: 'Windows' },
    behaviors: [
      { tactic: 'Execution', sha256: 'aa', cmdline: 'powershell.exe -enc AAA' },
      { tactic: 'Persistence', sha256: 'bb', cmdline: 'reg add HKCU\\Run' },
    ],
  },
  {
    id: 'b',
    status: 'closed',
    max_severity: 30,
    hostname: 'db-02',
    expired: true,
    assigned: 'Ana',
    tags: [],
    first_behavior: '2026-11-10T06:00:00Z',
    device: { hostname: 'db-02', platform_name: 'Linux' },
    behaviors: [{ tactic: 'Discovery', sha256: 'cc', cmdline: 'whoami' }],
  },
  {
    id: 'c',
    status: 'in_progress',
    max_severity: 90,
    hostname: 'web-03',
    expired: false,
    assigned: 'Lee',
    tags: ['vip'],
    first_behavior: '2026-11-19T18:00:00Z',
    device: { hostname: 'web-03', platform_name: 'Mac' },
    behaviors: [],
  },
];

const FIELDS = new Set([
  'id',
  'status',
  'max_severity',
  'hostname',
  'expired',
  'assigned',
  'tags',
  'first_behavior',
  'device.hostname',
  'device.platform_name',
  'behaviors.tactic',
  'behaviors.sha256',
  'behaviors.cmdline',
]);

function select(filter: string): string[] {
  const predicate = compileFql<(typeof ENTITIES)[number]>(parseFql(filter), {
    resolveField: (f) => (FIELDS.has(f) ? f.split('.') : undefined),
    nowMs: NOW,
  });
  return ENTITIES.filter(predicate).map((e) => e.id);
}

describe('FQL evaluation', () => {
  it.each([
    ["status:'new'", ['a']],
    ["status:'NEW'", ['a']],
    ["status:!'new'", ['b', 'c']],
    ['max_severity:>50', ['a', 'c']],
    ['max_severity:>=70', ['a', 'c']],
    ['max_severity:<70', ['b']],
    ['max_severity:<=70', ['a', 'b']],
    ['max_severity:70', ['a']],
    ["status:'new',status:'closed'", ['a', 'b']],
    ["status:['new','closed']", ['a', 'b']],
    ["status:!['new','closed']", ['c']],
    ["max_severity:>=70+status:'in_progress'", ['c']],
    ["(status:'new',status:'closed')+max_severity:>=50", ['a']],
    ["status:'closed',status:'new'+max_severity:>80", ['b']],
    ["hostname:*'web*'", ['a', 'c']],
    ["hostname:'web*'", ['a', 'c']],
    ["hostname:!*'web*'", ['b']],
    ['hostname:*web*', ['a', 'c']],
    ["device.hostname:'web-01'", ['a']],
    ["device.platform_name:'windows'", ['a']],
    ["behaviors.tactic:'Persistence'", ['a']],
    ["behaviors.tactic:!'Persistence'", ['b', 'c']],
    ["behaviors.sha256:['cc','zz']", ['b']],
    ["behaviors.cmdline:~'POWERSHELL'", ['a']],
    ["behaviors.cmdline:!~'powershell'", ['b', 'c']],
    ["tags:'vip'", ['a', 'c']],
    ['tags:null', ['b']],
    ['assigned:null', ['a']],
    ['expired:false', ['a', 'c']],
    ['expired:true', ['b']],
    ["first_behavior:>'2026-11-15'", ['a', 'c']],
    ["first_behavior:<'2026-11-15T00:00:00Z'", ['b']],
    ["first_behavior:>='now-1d'", ['a', 'c']],
    ["first_behavior:>'now-12h'", ['a']],
    ["first_behavior:>'now-7d'+first_behavior:<'now-1h'", ['a', 'c']],
    ["!status:'new'", ['b', 'c']],
    ["status: 'new'", ['a']],
    ['max_severity:> 80', ['c']],
    ['*', ['a', 'b', 'c']],
    ["hostname:*'w*-0*'", ['a', 'c']],
    ["hostname:*'*0*2'", ['b']],
    ["device.hostname:*'WEB-0?'", []],
    ['status:"closed"', ['b']],
  ])('%s selects %j', (filter, expected) => {
    expect(select(filter)).toEqual(expected);
  });
});

describe('FQL syntax errors', () => {
  it.each([
    ["status:'new", 'unterminated string'],
    ["status:'new' max_severity:>50", "a raw '+' in a URL decodes as a space"],
    ["status'new'", "expected ':' after property"],
    ["(status:'new'", "expected ')'"],
    ["status:'new')", "expected '+', ',' or the end"],
    ['status:', 'expected a value'],
    ['status:[]', 'a list needs at least one value'],
    ["status:['a' 'b']", "expected ',' or ']'"],
    ["+status:'new'", 'expected a property name'],
    ["status:'new'+", 'expected a property name'],
    ['', 'the filter is empty'],
    ["bogus_field:'x'", 'unknown property "bogus_field"'],
    [Array.from({ length: 21 }, (_, i) => `status:'${i}'`).join(','), 'at most 20 are allowed'],
  ])('rejects %j (%s)', (filter, message) => {
    let caught: unknown;
    try {
      select(filter);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FqlSyntaxError);
    expect((caught as Error).message).toContain(message);
    expect((caught as FqlSyntaxError).code).toBe('SOAR_EMULATOR_FQL_SYNTAX');
  });

  it('rejects nesting deeper than 32 levels instead of exhausting the stack', () => {
    expect(() => parseFql(`${'('.repeat(5000)}status:'new'${')'.repeat(5000)}`)).toThrow(
      /nest deeper than 32/,
    );
    expect(() => parseFql(`${'!'.repeat(40)}status:'new'`)).toThrow(FqlSyntaxError);
    expect(parseFql(`${'('.repeat(10)}status:'new'${')'.repeat(10)}`)).toMatchObject({ kind: 'compare' });
  });

  it('reports the position of the problem', () => {
    try {
      parseFql("status:'new'+(max_severity:>5");
      expect.unreachable('parseFql accepted an unclosed parenthesis');
    } catch (error) {
      expect((error as FqlSyntaxError).position).toBe(29);
    }
  });
});

describe('FQL wildcards', () => {
  it('matches a hostile pattern against a long value without backtracking blow-up', () => {
    const long = { id: 'x', hostname: 'a'.repeat(5000) };
    const predicate = compileFql<typeof long>(parseFql(`hostname:*'${'*a'.repeat(15)}*b'`), {
      resolveField: (f) => (f === 'hostname' ? ['hostname'] : undefined),
      nowMs: NOW,
    });
    expect(predicate(long)).toBe(false);
    expect(predicate({ id: 'y', hostname: `${'a'.repeat(20)}b` })).toBe(true);
  });
});

describe('FQL parser', () => {
  it('binds + tighter than , and keeps lists, operators and nesting', () => {
    expect(parseFql("a:'x',b:>=2+c:['p','q']")).toEqual({
      kind: 'or',
      items: [
        { kind: 'compare', field: 'a', op: 'eq', value: { kind: 'string', text: 'x', quoted: true }, pos: 0 },
        {
          kind: 'and',
          items: [
            {
              kind: 'compare',
              field: 'b',
              op: 'gte',
              value: { kind: 'number', value: 2, text: '2' },
              pos: 6,
            },
            {
              kind: 'compare',
              field: 'c',
              op: 'eq',
              value: {
                kind: 'list',
                items: [
                  { kind: 'string', text: 'p', quoted: true },
                  { kind: 'string', text: 'q', quoted: true },
                ],
              },
              pos: 12,
            },
          ],
        },
      ],
    });
  });

  it('lower-cases property names and reads every operator form', () => {
    const ops = ['', '!', '>', '>=', '<', '<=', '~', '!~', '*', '!*'].map((op) => {
      const node = parseFql(`Field.Name:${op}'v'`);
      return node.kind === 'compare' ? `${node.field} ${node.op}` : node.kind;
    });
    expect(ops).toEqual([
      'field.name eq',
      'field.name ne',
      'field.name gt',
      'field.name gte',
      'field.name lt',
      'field.name lte',
      'field.name match',
      'field.name notmatch',
      'field.name wild',
      'field.name notwild',
    ]);
  });

  it('tokenizes quoted strings with escapes and keeps positions', () => {
    expect(tokenizeFql("name:'it\\'s'")).toEqual([
      { kind: 'word', text: 'name', pos: 0 },
      { kind: 'op', op: 'eq', pos: 4 },
      { kind: 'string', text: "it's", pos: 5 },
    ]);
  });
});
