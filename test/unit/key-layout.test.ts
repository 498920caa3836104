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

  it('puts every key of a deployment in one slot, BullMQ keys included', () => {
    const keys = keyLayout('talon');
    const all = [
      keys.job('run-1'),
      keys.jobLock('run-1'),
      `${keys.jobKeyPrefix()}wait`,
      keys.run('run-1'),
      keys.runSteps('run-1'),
      keys.checkpoints('run-1'),
      keys.intents('run-1'),
      keys.runIndex(),
      keys.runSeq(),
      keys.slots('pb'),
      keys.slotLine('pb'),
      keys.stats(),
      keys.enqueueClaim('run-1'),
      keys.rateBucket('tenant-a'),
      keys.rateBlocked('tenant-b'),
      keys.cronLast('pb'),
      keys.schedulerEvents(),
      keys.pollSeen('pb'),
      keys.pollCursor('pb'),
      keys.webhookNonce('sig'),
      keys.approval('run-1', 'ok'),
      keys.approvalsOpen(),
      keys.approvalsAudit(),
      keys.streamLease('t'),
      keys.streamFence('t'),
      keys.streamOffset('t', 0),
      keys.streamStatus('t'),
      keys.streamBatchSeal('t', 'pb', 0, 1),
    ];
    expect(all.every((key) => key.startsWith('{talon}:'))).toBe(true);
    expect(new Set(all.map(keySlot))).toEqual(new Set([keySlot('{talon}')]));
  });
});
