import { describe, expect, it } from 'vitest';
import { hasNestedRepetition } from '../../src/playbook/expressions/regex-safety.ts';

describe('hasNestedRepetition', () => {
  it.each([
    ['(a+)+$', true],
    ['(\\w*)*', true],
    ['(?:x+y)*', true],
    ['(a{2,})+', true],
    ['((ab)*c)+', true],
    ['^[a-fA-F0-9]{64}$', false],
    ['(a|b)*', false],
    ['(a{2})+', false],
    ['\\d+(\\.\\d+)?', false],
    ['[(]+', false],
    ['\\(a+\\)+', false],
  ])('judges /%s/ as %s', (source, nested) => {
    expect(hasNestedRepetition(source)).toBe(nested);
  });
});
