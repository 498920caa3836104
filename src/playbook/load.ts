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
import { checkAcrossFiles, type LoadedPlaybook } from './cross-file.ts';

/** A playbook file: `*.yaml` or `*.yml`, but not a playbook test (`*.test.yaml`, see `talon test`). */
export function isPlaybookFileName(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name);
}

function displayName(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function fileProblem(file: string, code: Diagnostic['code'], message: string): Diagnostic {
  return { code, severity: 'error', message, file, line: 1, column: 1, pointer: '' };
}

/** Loads and compiles one playbook file; never throws for a missing, unreadable or invalid file. */
export async function loadPlaybookFile(path: string, options: CompileOptions = {}): Promise<CompileResult> {
  const { text: _text, ...result } = await loadPlaybookFileWithText(path, options);
  return result;
}

/** loadPlaybookFile plus the text read (empty when unreadable), for checks across files. */
export async function loadPlaybookFileWithText(
  path: string,
  options: CompileOptions = {},
): Promise<CompileResult & { text: string }> {
  const file = displayName(path);
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      const diagnostics = [fileProblem(file, 'SOAR_PLAYBOOK_READ', 'not a regular file')];
      return { diagnostics, playbook: null, text: '' };
    }
    if (info.size > MAX_PLAYBOOK_BYTES) {
      const message = `file is ${info.size} bytes; a playbook may be at most ${MAX_PLAYBOOK_BYTES} bytes (1 MiB)`;
      return {
        diagnostics: [fileProblem(file, 'SOAR_PLAYBOOK_TOO_LARGE', message)],
        playbook: null,
        text: '',
      };
    }
    const text = await readFile(path, 'utf8');
    return { ...compilePlaybookSource(text, file, options), text };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | null)?.code ?? 'unreadable';
    const message = reason === 'ENOENT' ? 'no such file' : `cannot read the file (${reason})`;
    return { diagnostics: [fileProblem(file, 'SOAR_PLAYBOOK_READ', message)], playbook: null, text: '' };
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
    names = (await readdir(dir)).filter(isPlaybookFileName).sort();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | null)?.code ?? 'unreadable';
    return {
      playbooks: [],
      diagnostics: [
        fileProblem(displayName(dir), 'SOAR_PLAYBOOK_READ', `cannot read the directory (${reason})`),
      ],
    };
  }
  const diagnostics: Diagnostic[] = [];
  const loaded: LoadedPlaybook[] = [];
  for (const name of names) {
    const result = await loadPlaybookFileWithText(join(dir, name), options);
    diagnostics.push(...result.diagnostics);
    if (result.playbook) loaded.push({ playbook: result.playbook, text: result.text });
  }
  const across = checkAcrossFiles(loaded);
  diagnostics.push(...across.diagnostics);
  const playbooks = loaded.map((l) => l.playbook).filter((p) => !across.clashing.has(p));
  return { playbooks, diagnostics };
}
