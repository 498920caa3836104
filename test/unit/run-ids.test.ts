import { describe, expect, it } from 'vitest';
import { isValidRunId } from '../../src/queue/names.ts';
import { newRunId } from '../../src/shared/index.ts';

describe('newRunId', () => {
  it('gives distinct, valid, time-sortable ids across many refills of its random pool', () => {
    const at = Date.UTC(2026, 11, 1);
    // 5,000 ids draw 25,000 random bytes: several refills of the 4,096-byte pool.
    const ids = Array.from({ length: 5000 }, () => newRunId(at));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(new RegExp(`^run-${at.toString(36)}-[0-9a-f]{10}$`));
      expect(isValidRunId(id)).toBe(true);
    }
    expect(newRunId(at + 1) > newRunId(at)).toBe(true);
  });
});
