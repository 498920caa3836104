import { describe, expect, it } from 'vitest';
import { parseRunJobData, toRunJobData } from '../../src/queue/index.ts';
import { tinyPlan } from './fixtures.ts';

const good = toRunJobData({
  runId: 'run-abc-123',
  plan: tinyPlan(),
  inputs: { min: 70 },
  trigger: { type: 'manual', at: 1, source: 'cli', data: null },
  enqueuedAt: 2,
});

describe('parseRunJobData', () => {
  it('accepts what toRunJobData builds', () => {
    expect(parseRunJobData(JSON.parse(JSON.stringify(good)), 'j')).toEqual(good);
  });

  it.each([
    ['a non-object', 'x', /data is not an object/],
    ['another version', { ...good, v: 2 }, /unsupported version 2/],
    ['a run id with a colon', { ...good, runId: 'run:1' }, /runId/],
    ['a plan of another version', { ...good, playbook: { ...good.playbook, hash: 'other' } }, /hash differs/],
    ['an unknown trigger', { ...good, trigger: { ...good.trigger, type: 'email' } }, /trigger.type/],
    ['inputs that are a list', { ...good, inputs: [] }, /inputs/],
  ])('rejects %s with SOAR_QUEUE_BAD_JOB_DATA', (_what, value, message) => {
    expect(() => parseRunJobData(value, 'job-1')).toThrow(message);
    try {
      parseRunJobData(value, 'job-1');
    } catch (error) {
      expect((error as { code: string }).code).toBe('SOAR_QUEUE_BAD_JOB_DATA');
    }
  });
});
