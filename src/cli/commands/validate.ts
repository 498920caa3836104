import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSecretSources, readTenantsFileVariable } from '../../config/index.ts';
import {
  checkAcrossFiles,
  isPlaybookFileName,
  type LoadedPlaybook,
  loadPlaybookFileWithText,
} from '../../playbook/index.ts';
import { createSecretStore } from '../../secrets/index.ts';
import { tenantNamesToCheck } from '../../tenants/index.ts';
import { type Diagnostic, formatDiagnostic } from '../../shared/index.ts';
import type { CliCommand, CliIo } from '../command-spec.ts';

interface FileReport {
  file: string;
  ok: boolean;
  errors: number;
  warnings: number;
  /** OAuth2 scopes the playbook needs; empty when it did not compile. */
  scopes: readonly string[];
  diagnostics: Diagnostic[];
}

/** Expands directories to the `*.yaml`/`*.yml` files directly inside them. */
async function expand(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter(isPlaybookFileName).sort();
      out.push(...names.map((n) => join(path, n)));
    } else {
      out.push(path);
    }
  }
  return out;
}

async function validateOne(
  path: string,
  strict: boolean,
  names: { secretNames: readonly string[]; tenantNames: readonly string[] | undefined },
  loaded: LoadedPlaybook[],
): Promise<FileReport> {
  const result = await loadPlaybookFileWithText(path, {
    strict,
    secretNames: names.secretNames,
    ...(names.tenantNames === undefined ? {} : { tenantNames: names.tenantNames }),
  });
  if (result.playbook) loaded.push({ playbook: result.playbook, text: result.text });
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const file = result.diagnostics[0]?.file ?? result.playbook?.file ?? path;
  return {
    file,
    ok: errors === 0,
    errors,
    warnings: result.diagnostics.length - errors,
    scopes: result.playbook?.scopes ?? [],
    diagnostics: result.diagnostics,
  };
}

/** Adds the cross-file findings (duplicate names, webhook paths) to the later file's report. */
function addCrossFile(reports: FileReport[], loaded: readonly LoadedPlaybook[]): void {
  for (const d of checkAcrossFiles(loaded).diagnostics) {
    const report = reports.find((r) => r.file === d.file);
    if (!report) continue;
    report.diagnostics.push(d);
    report.errors += 1;
    report.ok = false;
  }
}

function printText(report: FileReport, io: CliIo): void {
  for (const d of report.diagnostics) io.out(`${formatDiagnostic(d)}\n`);
  const warnings = report.warnings > 0 ? `, ${report.warnings} warning(s)` : '';
  if (report.ok) {
    io.out(`${report.file}: ok${warnings}\n`);
    io.out(`  scopes: ${report.scopes.length > 0 ? report.scopes.join(', ') : '(none)'}\n`);
  } else {
    io.out(`${report.file}: ${report.errors} error(s)${warnings}\n`);
  }
}

/**
 * `talon validate <files...>`: every diagnostic, ok per file, the scopes each playbook needs; names and
 * webhook paths must be unique across the files given.
 */
export const validateCommand: CliCommand = {
  name: 'validate',
  description: 'Validate playbooks and list the OAuth2 scopes they need',
  arguments: [
    { name: 'files', description: 'playbook files or directories of them', required: true, variadic: true },
  ],
  options: [
    { flags: '--json', description: 'print one JSON report for machines' },
    { flags: '--strict', description: 'treat warnings (decommissioned operations) as errors' },
  ],
  async run(args, options, io) {
    const given = args[0];
    const paths = Array.isArray(given) ? given : typeof given === 'string' ? [given] : [];
    if (paths.length === 0) {
      io.err('talon validate: give at least one playbook file or directory\n');
      return 2;
    }
    const strict = options.strict === true;
    const reports: FileReport[] = [];
    // `${{ secrets.NAME }}` must name a secret defined here (names only; no value is read).
    const secretNames = createSecretStore(readSecretSources()).names();
    // `tenant:` must name a tenant of TALON_TENANTS_FILE (or default), when the file is set here.
    const tenantNames = await tenantNamesToCheck(readTenantsFileVariable());
    const loaded: LoadedPlaybook[] = [];
    for (const path of await expand(paths))
      reports.push(await validateOne(path, strict, { secretNames, tenantNames }, loaded));
    addCrossFile(reports, loaded);
    const ok = reports.length > 0 && reports.every((r) => r.ok);
    if (options.json === true) {
      io.out(`${JSON.stringify({ ok, files: reports }, null, 2)}\n`);
    } else {
      for (const report of reports) printText(report, io);
      if (reports.length === 0) io.err('talon validate: no playbook files found\n');
    }
    return ok ? 0 : 1;
  },
};
