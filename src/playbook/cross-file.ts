/**
 * Checks across playbook files loaded together (a directory, or the files given to `talon validate`):
 * every playbook name and every webhook path belongs to one file. The later file gets the error, at
 * the line of the clashing name or path, naming the file that has it first.
 */
import { type Diagnostic, slugify } from '../shared/index.ts';
import type { CompiledPlaybook } from './compiled.ts';
import { finding, toDiagnostics } from './findings.ts';
import { parseYaml } from './parse-yaml.ts';

export interface LoadedPlaybook {
  playbook: CompiledPlaybook;
  /** The file's text, to place the diagnostic. */
  text: string;
}

export interface CrossFileResult {
  diagnostics: Diagnostic[];
  /** Playbooks that clash with an earlier one (a server must not load them). */
  clashing: Set<CompiledPlaybook>;
}

export function checkAcrossFiles(loaded: readonly LoadedPlaybook[]): CrossFileResult {
  const byName = new Map<string, string>();
  const byPath = new Map<string, string>();
  const byKey = new Map<string, { name: string; file: string }>();
  const diagnostics: Diagnostic[] = [];
  const clashing = new Set<CompiledPlaybook>();
  for (const { playbook, text } of loaded) {
    const findings = [];
    const owner = byName.get(playbook.name);
    const keyOwner = byKey.get(slugify(playbook.name));
    if (owner) {
      const message = `playbook name "${playbook.name}" is already used by ${owner}`;
      findings.push(finding('SOAR_PLAYBOOK_DUPLICATE_NAME', '/name', message));
    } else if (keyOwner) {
      // triage_alerts and triage-alerts would share cron slots, poll cursors and run ids.
      const message = `playbook name "${playbook.name}" maps to the same internal key "${slugify(playbook.name)}" as "${keyOwner.name}" in ${keyOwner.file}; rename one of them`;
      findings.push(finding('SOAR_PLAYBOOK_DUPLICATE_NAME', '/name', message));
    }
    playbook.triggers.forEach((trigger, index) => {
      if (trigger.type !== 'webhook') return;
      const pathOwner = byPath.get(trigger.path);
      if (!pathOwner) return;
      const message = `webhook path "${trigger.path}" is already used by ${pathOwner} (POST /hooks/${trigger.path})`;
      findings.push(finding('SOAR_PLAYBOOK_DUPLICATE_WEBHOOK', `/triggers/${index}/webhook/path`, message));
    });
    if (findings.length > 0) {
      diagnostics.push(...toDiagnostics(findings, playbook.file, parseYaml(text).map));
      clashing.add(playbook);
      continue;
    }
    byName.set(playbook.name, playbook.file);
    byKey.set(slugify(playbook.name), { name: playbook.name, file: playbook.file });
    for (const t of playbook.triggers) if (t.type === 'webhook') byPath.set(t.path, playbook.file);
  }
  return { diagnostics, clashing };
}
