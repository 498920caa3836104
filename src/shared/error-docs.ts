import { ERROR_CODES } from './error-codes.ts';

/** The text of docs/errors.md: every catalogued code with its meaning, retryability and advice. */
export function renderErrorDocs(): string {
  const lines = [
    '# Talon error codes',
    '',
    'Every error Talon reports carries one of these codes. Generated from `src/shared/error-codes/`',
    'by `npm run docs:errors`; a test fails when this page is stale.',
    '',
    '| code | meaning | retried by default | what to do |',
    '|---|---|---|---|',
  ];
  for (const [code, entry] of Object.entries(ERROR_CODES).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| \`${code}\` | ${entry.title} | ${entry.retryable ? 'yes' : 'no'} | ${entry.hint} |`);
  }
  return `${lines.join('\n')}\n`;
}
