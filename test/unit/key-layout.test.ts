import { describe, expect, it } from 'vitest';
import { hashTagOf, keyLayout, keySlot, taggedPrefix } from '../../src/queue/index.ts';

describe('hash-tagged key layout', () => {
  it('wraps a plain prefix in a hash tag and keeps one that has its own', () => {
    expect(taggedPrefix('talon')).toBe('{talon}');
    expect(taggedPrefix('{talon}')).toBe('{talon}');
    expect(taggedPrefix('{acme}:talon')).toBe('{acme}:talon');
    expect(() => taggedPrefix('')).toThrow(/empty/);
    expect(() => taggedPrefix('ta{lon')).toThrow(/unbalanced/);
  });

  it('computes the slots CLUSTER KEYSLOT gives (values read from redis-server 7.0)', () => {
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('{user1000}.following')).toBe(3443);
    expect(keySlot('{talon}:run:x')).toBe(912);
    expect(keySlot('a{}b')).toBe(13694);
    expect(keySlot('{}{x}')).toBe(3257);
    expect(hashTagOf('{talon}:rl:{tenant}:bucket')).toBe('talon');
  });

  it('puts every key of the layout in one slot, BullMQ keys included, keys added later too', () => {
    const keys = keyLayout('talon');
    // Every key function of the layout, called with sample arguments: a key added to names.ts later
    // is checked without being listed here.
    const all = Object.entries(keys)
      .filter((entry): entry is [string, (...args: unknown[]) => string] => typeof entry[1] === 'function')
      .map(([name, make]) => [name, make('run-1', 'step-a', 0, 1)] as const);
    expect(all.length).toBeGreaterThan(25);
    const offenders = all.filter(
      ([, key]) => !key.startsWith('{talon}:') || keySlot(key) !== keySlot('{talon}'),
    );
    expect(offenders).toEqual([]);
  });
});
