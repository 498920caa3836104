/**
 * A Finding is a diagnostic before it has a file position: checks speak in JSON pointers, and
 * toDiagnostics resolves them against the source map in one place.
 */
import type { Diagnostic, ErrorCode } from '../shared/index.ts';
import type { SourceMap } from './source-map.ts';

/** Where in the source a finding points. */
export type FindingAnchor =
  | 'key'
  | 'value'
  /** Inside the scalar at the pointer: the `occurrence`-th match of `needle`, plus `extra` characters. */
  | { needle: string; extra: number; occurrence?: number };

export interface Finding {
  code: ErrorCode;
  severity: 'error' | 'warning';
  message: string;
  hint?: string;
  pointer: string;
  anchor: FindingAnchor;
  /** A source offset that overrides the pointer lookup (parse errors). */
  offset?: number;
}

/** Shorthand for an error finding. */
export function finding(
  code: ErrorCode,
  pointer: string,
  message: string,
  anchor: FindingAnchor = 'value',
  extra: { severity?: 'error' | 'warning'; hint?: string } = {},
): Finding {
  const out: Finding = { code, severity: extra.severity ?? 'error', message, pointer, anchor };
  if (extra.hint !== undefined) out.hint = extra.hint;
  return out;
}

/** Resolves findings to diagnostics with file, line and column. */
export function toDiagnostics(findings: readonly Finding[], file: string, map: SourceMap): Diagnostic[] {
  return findings.map((f) => {
    const pos =
      f.offset !== undefined
        ? map.at(f.offset)
        : typeof f.anchor === 'string'
          ? map.position(f.pointer, f.anchor)
          : map.positionInValue(f.pointer, f.anchor.needle, f.anchor.extra, f.anchor.occurrence ?? 0);
    const d: Diagnostic = {
      code: f.code,
      severity: f.severity,
      message: f.message,
      file,
      line: pos.line,
      column: pos.column,
      pointer: f.pointer,
    };
    if (f.hint !== undefined) d.hint = f.hint;
    return d;
  });
}

/** Escapes one key for use in a JSON pointer (RFC 6901). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
