/**
 * Reading playbooks from disk: the only file-system reader of src/playbook. Checks the size before
 * reading, names files relative to the working directory, and compiles whole directories with the
 * cross-file checks (unique playbook names and webhook paths).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../shared/index.ts';
import {
  type CompileOptions,
  type CompileResult,
  MAX_PLAYBOOK_BYTES,
  compilePlaybookSource,
} from './compile.ts';
import type { CompiledPlaybook } from './compiled.ts';

function displayName(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function fileProblem(file: string, code: Diagnostic['code'], message: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, pointer: '' };
}

/** Loads and compiles one playbook file; never throws for a missing, unreadable or invalid file. */
export async function loadPlaybookFile(path: string, options: CompileOptions = {}): Promise<CompileResult> {
  const file = displayName(path);
  try {
    const info = await stat(path);
    if (!info.isFile())
      return { diagnostics: [fileProblem(file, 'SOAR_PLAYBOOK_READ', 'not a regular file')], playbook: null };
    if (info.size > MAX_PLAYBOOK_BYTES) {
      const message = `file is ${info.size} bytes; a playbook may be at most ${MAX_PLAYBOOK_BYTES} bytes (1 MiB)`;
      return { diagnostics: [fileProblem(file, 'SOAR_PLAYBOOK_TOO_LARGE', message)], playbook: null };
    }
    const text = await readFile(path, 'utf8');
    return compilePlaybookSource(text, file, options);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | null)?.code ?? 'unreadable';
    const message = reason === 'ENOENT' ? 'no such file' : `cannot read the file (${reason})`;
    return { diagnostics: [fileProblem(file, 'SOAR_PLAYBOOK_READ', message)], playbook: null };
  }
}

/** The playbooks of a directory that compiled, and every diagnostic of every file. */
export interface PlaybookDirResult {
  playbooks: CompiledPlaybook[];
  diagnostics: Diagnostic[];
}

/**
 * Loads every `*.yaml`/`*.yml` file directly inside `dir` (sorted by name). Two playbooks with the
 * same name, or two webhook triggers with the same path, are errors on the later file, which is then
 * left out.
 */
export async function loadPlaybookDir(dir: string, options: CompileOptions = {}): Promise<PlaybookDirResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | null)?.code ?? 'unreadable';
    return {
      playbooks: [],
      diagnostics: [
        fileProblem(displayName(dir), 'SOAR_PLAYBOOK_READ', `cannot read the directory (${reason})`),
      ],
    };
  }
  const playbooks: CompiledPlaybook[] = [];
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, string>();
  const byPath = new Map<string, string>();
  for (const name of names) {
    const result = await loadPlaybookFile(join(dir, name), options);
    diagnostics.push(...result.diagnostics);
    const playbook = result.playbook;
    if (!playbook) continue;
    const clash = crossFileProblem(playbook, byName, byPath);
    if (clash) {
      diagnostics.push(fileProblem(playbook.file, 'SOAR_PLAYBOOK_DUPLICATE_NAME', clash));
      continue;
    }
    byName.set(playbook.name, playbook.file);
    for (const t of playbook.triggers) if (t.type === 'webhook') byPath.set(t.path, playbook.file);
    playbooks.push(playbook);
  }
  return { playbooks, diagnostics };
}

function crossFileProblem(
  playbook: CompiledPlaybook,
  byName: Map<string, string>,
  byPath: Map<string, string>,
): string | undefined {
  const other = byName.get(playbook.name);
  if (other) return `playbook name "${playbook.name}" is already used by ${other}`;
  for (const t of playbook.triggers) {
    const owner = t.type === 'webhook' ? byPath.get(t.path) : undefined;
    if (t.type === 'webhook' && owner) return `webhook path "${t.path}" is already used by ${owner}`;
  }
  return undefined;
}
