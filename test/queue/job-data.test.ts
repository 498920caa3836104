import { describe, expect, it } from 'vitest';
import { parseRunJobData, toRunJobData, toStoredRunJob } from '../../src/queue/index.ts';
import { tinyPlan } from './fixtures.ts';

const digest = 'a'.repeat(64);
const good = toRunJobData({
  runId: 'run-abc-123',
  plan: tinyPlan(),
  inputs: { min: 70 },
  trigger: { type: 'manual', at: 1, source: 'cli', data: null },
  enqueuedAt: 2,
});

describe('parseRunJobData', () => {
  it('accepts what toRunJobData builds (v1, plan inline) and what Talon stores (v2, plan by digest)', () => {
    expect(parseRunJobData(JSON.parse(JSON.stringify(good)), 'j')).toEqual(good);
    const stored = toStoredRunJob(good, digest);
    expect(stored.playbook).toEqual({
      name: 'tiny-playbook',
      file: good.playbook.file,
      hash: good.playbook.hash,
      planDigest: digest,
    });
    expect(JSON.stringify(stored)).not.toContain('"steps"');
    expect(parseRunJobData(JSON.parse(JSON.stringify(stored)), 'j')).toEqual(stored);
  });

  it.each([
    ['a non-object', 'x', /data is not an object/],
    ['another version', { ...good, v: 3 }, /unsupported version 3/],
    ['a v2 job with its plan inline', { ...good, v: 2 }, /planDigest is not a SHA-256 digest/],
    [
      'a v2 job naming its plan by something else',
      { ...toStoredRunJob(good, digest), playbook: { ...good.playbook, planDigest: '../x' } },
      /planDigest/,
    ],
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
