import { type Diagnostic, formatDiagnostic, SoarError, type SoarErrorOptions } from '../shared/index.ts';

/** A playbook failed to compile; holds every diagnostic of the file(s). */
export class PlaybookError extends SoarError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], options: SoarErrorOptions = {}) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0] ?? diagnostics[0];
    // The first line of the formatted diagnostic; its hint line stays in `diagnostics`.
    const summary = first ? (formatDiagnostic(first).split('\n')[0] ?? '') : 'no diagnostics';
    super('SOAR_PLAYBOOK_INVALID', `${errors.length} error(s) in playbook; first: ${summary}`, {
      ...options,
      details: { count: errors.length, file: first?.file ?? '' },
    });
    this.name = 'PlaybookError';
    this.diagnostics = diagnostics;
  }
}

/** An expression failed to parse or evaluate; the message names the step and field. */
export class ExpressionError extends SoarError {
  constructor(
    code:
      | 'SOAR_EXPR_SYNTAX'
      | 'SOAR_EXPR_EVAL'
      | 'SOAR_EXPR_TIMEOUT'
      | 'SOAR_EXPR_RESULT_TOO_LARGE'
      | 'SOAR_EXPR_FORBIDDEN'
      | 'SOAR_EXPR_SLOW_REGEX',
    message: string,
    options: SoarErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'ExpressionError';
  }
}
