import type { ErrorCode } from './error-codes.ts';

/** One author-facing problem in a file: data, not an exception. */
export interface Diagnostic {
  code: ErrorCode;
  severity: 'error' | 'warning';
  /** One sentence naming the offending value. */
  message: string;
  /** What to do about it. */
  hint?: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** JSON pointer into the document, e.g. /steps/2/uses. */
  pointer: string;
}

/** `file:line:col: path: message` with the hint on the next line. */
export function formatDiagnostic(d: Diagnostic): string {
  const path = d.pointer === '' ? '(root)' : d.pointer;
  const head = `${d.file}:${d.line}:${d.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${path}: ${d.message}`;
  return d.hint ? `${head}\n    hint: ${d.hint}` : head;
}

/** Sorts by file, line, column and drops exact duplicates. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.file}|${d.line}|${d.column}|${d.pointer}|${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}
