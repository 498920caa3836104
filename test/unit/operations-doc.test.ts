import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_OPERATIONS,
  REMOVED_OPERATIONS,
  renderOperationsDoc,
} from '../../src/falcon/operations/index.ts';

describe('docs/operations.md', () => {
  it('matches the operations table (run npm run docs:operations)', () => {
    const docs = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderOperationsDoc());
  });

  it('has a section for every operation, removed ones included', () => {
    const docs = renderOperationsDoc();
    const missing = [...ALL_OPERATIONS, ...REMOVED_OPERATIONS]
      .map((op) => `### ${op.collection}.${op.pep8}\n`)
      .filter((heading) => !docs.includes(heading));
    expect(missing).toEqual([]);
  });
});
