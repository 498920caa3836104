import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorDocs } from '../../src/shared/error-docs.ts';
import { ERROR_CODES } from '../../src/shared/index.ts';

describe('error catalogue', () => {
  it('names every code SOAR_<AREA>_<DETAIL> with a title and a hint', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^SOAR_[A-Z]+(_[A-Z0-9]+)*$/);
      expect(entry.title.length).toBeGreaterThan(3);
      expect(entry.hint.length).toBeGreaterThan(10);
    }
  });

  it('is documented: docs/errors.md matches the catalogue (run npm run docs:errors)', () => {
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderErrorDocs());
    for (const code of Object.keys(ERROR_CODES)) expect(docs).toContain(`\`${code}\``);
  });
});
