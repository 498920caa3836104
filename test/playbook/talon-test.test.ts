/**
 * `talon test`: playbook tests beside their playbooks, run against an embedded emulator with world
 * fixtures, stand-ins for other services and expectations on outputs, steps and the writes the
 * emulator saw.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCommand } from '../../src/cli/commands/test.ts';
import { isPlaybookFileName } from '../../src/playbook/index.ts';

const DIR = 'test/fixtures/playbook-tests';

async function talonTest(paths: string[], options: Record<string, unknown> = {}) {
  let out = '';
  const code = await testCommand.run!([paths], options, { out: (t) => (out += t), err: (t) => (out += t) });
  return { code, out };
}

describe('talon test', () => {
  it('runs a test with fixtures and stand-ins, and prints the differences of a failing one', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'talon-junit-')), 'results.xml');
    const { code, out } = await talonTest([`${DIR}/delete-ioc.test.yaml`], { junit });
    expect(code).toBe(1);
    expect(out).toMatch(/✓ deletes the fixture indicator and tells Slack {2}\d+ ms\n/);
    expect(out).toMatch(/✗ a wrong expectation fails with a readable difference {2}\d+ ms\n/);
    expect(out).toContain(
      [
        '      outputs.removed[0]: expected "some-other-id", got "fixture-ioc-1"',
        '      writes: ioc.indicator_delete wrote 1 target(s), expected 2: ["fixture-ioc-1"]',
        '      no_writes: ioc.indicator_delete must not be called, but it wrote ["fixture-ioc-1"]',
      ].join('\n'),
    );
    expect(out).toMatch(/\n1 passed, 1 failed in \d+ ms\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuites name="talon" tests="2" failures="1">');
    expect(xml).toContain('<failure message="outputs.removed[0]: expected &quot;some-other-id&quot;');
  });

  it('checks the test file itself and reports each mistake at its line and column', async () => {
    const { code, out } = await talonTest([`${DIR}/broken.test.yaml`]);
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `${DIR}/broken.test.yaml:4:20: /tests/0/world/seed: seed must be a whole number`,
      `${DIR}/broken.test.yaml:4:24: /tests/0/world/hostz: unknown field "hostz" (fields: seed, hosts, detections, iocs)`,
      `${DIR}/broken.test.yaml:6:15: /tests/0/expect/status: status must be succeeded or failed`,
      `${DIR}/broken.test.yaml:9:20: /tests/0/expect/writes/0/targets: targets is a list of ids or a count`,
      '',
    ]);
    expect(lines[5]).toMatch(/^0 passed, 0 failed, 1 invalid file\(s\) in \d+ ms$/);
  });

  it('checks approval stand-ins at their line and column', async () => {
    const { code, out } = await talonTest([`${DIR}/approval-broken.test.yaml`]);
    expect(code).toBe(1);
    expect(out.split('\n').slice(0, 4)).toEqual([
      `${DIR}/approval-broken.test.yaml:5:15: /tests/0/approvals/decide: decision is approve, deny, one of the step's choices, or timeout`,
      `${DIR}/approval-broken.test.yaml:5:17: /tests/0/approvals/decide/decison: unknown field "decison" (fields: decision, by, reason)`,
      `${DIR}/approval-broken.test.yaml:5:39: /tests/0/approvals/decide/by: by is an approver name or a list of names`,
      `${DIR}/approval-broken.test.yaml:6:14: /tests/0/approvals/other: an approval stand-in is a mapping: { decision: approve, by: alice, reason: ... }`,
    ]);
  });

  it('fails a test whose approval stand-in the step cannot accept', async () => {
    const { code, out } = await talonTest([`${DIR}/approval-wrong.test.yaml`]);
    expect(code).toBe(1);
    expect(out).toContain(
      `(SOAR_APPROVAL_BAD_REQUEST: approval step "decide": the test's decision "maybe" is not one of the step's choices (approve, deny, timeout))`,
    );
    expect(out).toContain(
      'approvals.contain: contain-host-with-approval has no approval step "contain" (approval steps: decide)',
    );
    expect(out).toContain(`the test's approver "mallory" is not among alice, bob`);
    expect(out).toMatch(/\n0 passed, 2 failed in \d+ ms\n$/);
  });

  it('has a test file beside every example playbook', () => {
    const examples = readdirSync('playbooks').filter(isPlaybookFileName);
    expect(examples.length).toBeGreaterThan(5);
    const untested = examples.filter(
      (name) => !existsSync(join('playbooks', name.replace(/\.ya?ml$/, '.test.yaml'))),
    );
    expect(untested).toEqual([]);
  });

  it('passes the tests that ship with the example playbooks', async () => {
    const { code, out } = await talonTest(['playbooks']);
    expect(out).not.toContain('✗');
    expect(code).toBe(0);
    expect(out).toContain('✓ blocks the hash from the webhook body everywhere');
    expect(out).toContain('✓ contains the host once alice approves, and notes who approved on the alert');
    expect(out).toContain('✓ emails the escalation group and contains nothing when nobody decides in time');
    expect(out).toContain('✓ collects ps and netstat from every online host of the group into one case');
  });
});
