// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ secrets.NAME }} is playbook expression syntax.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.ts';
import { NO_PROXY_SETTINGS } from '../../src/config/index.ts';
import { compilePlaybookSource } from '../../src/playbook/index.ts';
import { Secret, SoarError } from '../../src/shared/index.ts';
import { loadTenants, parseTenantsFile, tenantNamesToCheck } from '../../src/tenants/index.ts';

const GOOD = [
  'tenants:',
  '  acme:',
  '    cloud: us-2',
  '    client_id: 0123456789abcdef0123456789abcdef',
  '    client_secret: ${{ secrets.ACME_FALCON }}',
  '    concurrency: 3',
  '  globex:',
  '    cloud: http://127.0.0.1:8081',
  '    client_id: globex-client',
  '    client_secret: "${{ secrets.GLOBEX_FALCON }}"',
  '    member_cid: ABCDEF0123456789ABCDEF0123456789-1f',
  '    requests_per_minute: 600',
].join('\n');

function problemsOf(text: string, file = 'tenants.yaml'): string[] {
  try {
    parseTenantsFile(text, file, NO_PROXY_SETTINGS);
  } catch (error) {
    expect(error).toBeInstanceOf(SoarError);
    expect((error as SoarError).code).toBe('SOAR_TENANTS_INVALID');
    return (error as SoarError).details['problems'] as string[];
  }
  throw new Error('the file was accepted');
}

describe('tenants file', () => {
  it('reads named tenants: cloud, client id, the name of the secret, member CID, limits', () => {
    const tenants = parseTenantsFile(GOOD, 'tenants.yaml', NO_PROXY_SETTINGS);
    expect(tenants).toEqual([
      {
        name: 'acme',
        baseUrl: 'https://api.us-2.crowdstrike.com',
        clientId: '0123456789abcdef0123456789abcdef',
        credential: { kind: 'named', secret: 'ACME_FALCON' },
        memberCid: null,
        concurrency: 3,
        requestsPerMinute: null,
        proxy: null,
      },
      {
        name: 'globex',
        baseUrl: 'http://127.0.0.1:8081',
        clientId: 'globex-client',
        credential: { kind: 'named', secret: 'GLOBEX_FALCON' },
        memberCid: 'abcdef0123456789abcdef0123456789',
        concurrency: null,
        requestsPerMinute: 600,
        proxy: null,
      },
    ]);
  });

  it('reads the same file written as JSON', () => {
    const json = JSON.stringify(
      { tenants: { acme: { cloud: 'eu-1', client_id: 'acme-id', client_secret: '${{ secrets.ACME }}' } } },
      null,
      2,
    );
    const [acme] = parseTenantsFile(json, 'tenants.json', NO_PROXY_SETTINGS);
    expect(acme?.baseUrl).toBe('https://api.eu-1.crowdstrike.com');
    expect(acme?.credential).toEqual({ kind: 'named', secret: 'ACME' });
  });

  it('lists every problem of the file with file:line:column, and never repeats a pasted secret', () => {
    const pasted = 'Sup3rS3cretValue-pasted-by-mistake';
    const text = [
      'tenants:', //                                      1
      '  acme:', //                                       2
      '    cloud: mars-1', //                             3
      '    client_id: acme-id', //                        4
      `    client_secret: ${pasted}`, //                  5
      '    concurency: 4', //                             6
      '  Bad Name:', //                                   7
      '    cloud: us-1', //                               8
      '    client_id: x', //                              9
      '    client_secret: ${{ secrets.X }}', //          10
      '    member_cid: not-a-cid', //                    11
      '  plain:', //                                     12
      '    cloud: http://10.0.0.5:8080', //              13
      '    client_id: y', //                             14
      '    requests_per_minute: 0', //                   15
    ].join('\n');
    const problems = problemsOf(text, 'conf/tenants.yaml');
    expect(problems.join('\n')).not.toContain(pasted);
    expect(problems).toEqual([
      'conf/tenants.yaml:6:5: tenant "acme": unknown key "concurency"; did you mean concurrency? (known: cloud, client_id, client_secret, member_cid, concurrency, requests_per_minute)',
      expect.stringMatching(
        /^conf\/tenants\.yaml:3:12: tenant "acme": cloud must be one of us-1, us-2, eu-1/,
      ),
      expect.stringMatching(/^conf\/tenants\.yaml:5:20: tenant "acme": client_secret must name a secret/),
      expect.stringMatching(/^conf\/tenants\.yaml:7:3: tenant "Bad Name": a tenant name is lower-case/),
      'conf/tenants.yaml:11:17: tenant "Bad Name": member_cid must be a CID (32 hex characters)',
      expect.stringMatching(
        /^conf\/tenants\.yaml:13:12: tenant "plain": cloud may use plain http only for a loopback/,
      ),
      expect.stringMatching(/^conf\/tenants\.yaml:12:3: tenant "plain": client_secret is missing/),
      'conf/tenants.yaml:15:26: tenant "plain": requests_per_minute must be a whole number from 1 to 100000',
    ]);
  });

  it('reports YAML syntax errors and a wrong shape with their line', () => {
    expect(problemsOf('tenants:\n  acme:\n    cloud: us-1\n    cloud: us-2\n')[0]).toMatch(
      /^tenants\.yaml:4:5: .*cloud/,
    );
    expect(problemsOf('- acme\n')).toEqual([
      'tenants.yaml:1:1: a tenants file is a mapping with one key, tenants: (a mapping of tenant name -> settings)',
    ]);
    expect(problemsOf('tenant:\n  acme: {}\n')).toEqual([
      'tenants.yaml:1:1: unknown key "tenant"; the file has one key, tenants:',
      'tenants.yaml:1:1: tenants: must be a mapping of tenant name -> settings with at least one tenant',
    ]);
  });

  it('keeps FALCON_* working as the tenant "default", beside the file or without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talon-tenants-'));
    const file = join(dir, 'tenants.yaml');
    writeFileSync(file, GOOD);
    const falcon = {
      clientId: 'env-client',
      clientSecret: new Secret('env-secret-value'),
      baseUrl: 'https://api.crowdstrike.com',
      memberCid: null,
    };
    const alone = await loadTenants({ falcon, tenantsFile: null, proxy: NO_PROXY_SETTINGS });
    expect(alone.names()).toEqual(['default']);
    expect(alone.several).toBe(false);
    expect(alone.get('default').credential).toEqual({ kind: 'value', secret: falcon.clientSecret });
    const both = await loadTenants({ falcon, tenantsFile: file, proxy: NO_PROXY_SETTINGS });
    expect(both.names()).toEqual(['acme', 'default', 'globex']);
    expect(() => both.get('acmee')).toThrow(/tenant "acmee" is not configured; did you mean acme\?/);
    expect(await tenantNamesToCheck(file)).toEqual(['acme', 'default', 'globex']);
    expect(await tenantNamesToCheck(null)).toBeUndefined();

    const twice = join(dir, 'twice.yaml');
    writeFileSync(
      twice,
      'tenants:\n  default:\n    cloud: us-1\n    client_id: a\n    client_secret: ${{ secrets.A }}\n',
    );
    await expect(loadTenants({ falcon, tenantsFile: twice, proxy: NO_PROXY_SETTINGS })).rejects.toThrow(
      /defines "default" and FALCON_CLIENT_ID\/SECRET define it too/,
    );
    await expect(
      loadTenants({ falcon: null, tenantsFile: join(dir, 'missing.yaml'), proxy: NO_PROXY_SETTINGS }),
    ).rejects.toThrow(/cannot read the tenants file .*missing\.yaml \(TALON_TENANTS_FILE\): ENOENT/);
  });
});

describe('tenant: in playbooks', () => {
  const playbook = (lines: string[]) =>
    ['name: triage', ...lines, 'steps:', '  - id: find', '    uses: alerts.query_alerts_v2'].join('\n');

  it('checks playbook and trigger tenants against the configured names, with a did-you-mean', () => {
    const source = playbook([
      'tenant: acmee', // line 2
      'triggers:',
      '  - cron: "*/5 * * * *"',
      '    tenant: globex', // line 5
      '  - webhook: { path: hook, secret_env: HOOK_SECRET }',
      '    tenant: initech', // line 7
    ]);
    const result = compilePlaybookSource(source, 'pb.yaml', { tenantNames: ['acme', 'default', 'globex'] });
    expect(result.playbook).toBeNull();
    expect(result.diagnostics.map((d) => `${d.line}:${d.code}:${d.message}`)).toEqual([
      '2:SOAR_PLAYBOOK_UNKNOWN_TENANT:tenant "acmee" is not configured; did you mean acme? (known: acme, default, globex)',
      '7:SOAR_PLAYBOOK_UNKNOWN_TENANT:tenant "initech" is not configured (known: acme, default, globex)',
    ]);
    // Without the configured names (no tenants file where it is validated) only the shape is checked.
    const unchecked = compilePlaybookSource(source, 'pb.yaml');
    expect(unchecked.playbook?.tenant).toBe('acmee');
    expect(unchecked.playbook?.triggers.map((t) => ('tenant' in t ? t.tenant : null))).toEqual([
      'globex',
      'initech',
    ]);
  });

  it('compiles children: all and a list of child CIDs (lower case), and refuses a stream trigger there', () => {
    const all = compilePlaybookSource(playbook(['tenant: acme', 'children: all']), 'a.yaml');
    expect(all.playbook?.children).toBe('all');
    const cid = 'ABCDEF0123456789ABCDEF0123456789';
    const listed = compilePlaybookSource(playbook([`children: [${cid}]`]), 'b.yaml');
    expect(listed.playbook?.children).toEqual([cid.toLowerCase()]);
    const bad = compilePlaybookSource(playbook(['children: [nope]']), 'c.yaml');
    expect(bad.playbook).toBeNull();
    const stream = compilePlaybookSource(
      playbook(['tenant: acme', 'triggers:', '  - stream: { events: [EppDetectionSummaryEvent] }']),
      'd.yaml',
    );
    expect(stream.diagnostics.map((d) => d.message)).toEqual([
      'a stream trigger reads the event stream of the default tenant only; it cannot start runs of tenant "acme"',
    ]);
  });
});

describe('talon validate with TALON_TENANTS_FILE', () => {
  it('checks tenant names against the file, and stops on a bad file naming file:line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'talon-validate-tenants-'));
    const tenantsFile = join(dir, 'tenants.yaml');
    writeFileSync(tenantsFile, GOOD);
    const file = join(dir, 'pb.yaml');
    writeFileSync(file, 'name: pb\ntenant: acmee\nsteps:\n  - id: find\n    uses: alerts.query_alerts_v2\n');
    const run = async () => {
      let out = '';
      const code = await validateCommand.run?.(
        [[file]],
        {},
        { out: (t) => (out += t), err: (t) => (out += t) },
      );
      return { code, out };
    };
    const before = process.env['TALON_TENANTS_FILE'];
    process.env['TALON_TENANTS_FILE'] = tenantsFile;
    try {
      const { code, out } = await run();
      expect(code).toBe(1);
      expect(out).toContain(`${file}:2:9`);
      expect(out).toContain(
        'tenant "acmee" is not configured; did you mean acme? (known: acme, default, globex)',
      );
      writeFileSync(tenantsFile, 'tenants:\n  acme:\n    cloud: us-9\n');
      await expect(run()).rejects.toThrow(/tenants\.yaml:3:12: tenant "acme": cloud must be one of/);
    } finally {
      if (before === undefined) delete process.env['TALON_TENANTS_FILE'];
      else process.env['TALON_TENANTS_FILE'] = before;
    }
  });
});
