import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../src/engine/concurrency.ts';
import { jsonSizeUpTo } from '../../src/engine/output-size.ts';
import { resolveInputs } from '../../src/engine/resolve-inputs.ts';
import { isRetryableRunError, toRunErrorInfo } from '../../src/engine/run-errors.ts';
import { retryDelayMs, shouldRetryStep } from '../../src/engine/step-retry.ts';
import { attributeResources, chunk, planWrites, sampleTargets } from '../../src/engine/write-plan.ts';
import { SoarError } from '../../src/shared/index.ts';

// TALON_SEED reruns the properties with another seed.
const SEED = Number(process.env['TALON_SEED'] ?? 20261201);

const plan = {
  name: 'p',
  inputs: {
    min_severity: { type: 'integer', required: false, default: 70 },
    tag: { type: 'string', required: true },
    dry: { type: 'boolean', required: false },
    hosts: { type: 'array', required: false },
    mode: { type: 'string', required: false, default: 'a', enum: ['a', 'b'] },
  },
} as const;

function inputError(given: Record<string, unknown>): { code: string; message: string } {
  try {
    resolveInputs(plan, given);
  } catch (error) {
    return toRunErrorInfo(error);
  }
  throw new Error('expected resolveInputs to throw');
}

describe('resolveInputs', () => {
  it('applies defaults and converts CLI text to the declared type', () => {
    expect(resolveInputs(plan, { tag: 'x', dry: 'true', hosts: '["h1","h2"]', min_severity: '90' })).toEqual({
      min_severity: 90,
      tag: 'x',
      dry: true,
      hosts: ['h1', 'h2'],
      mode: 'a',
    });
  });

  it('fills optional inputs without a default with null', () => {
    expect(resolveInputs(plan, { tag: 'x' })['dry']).toBeNull();
  });

  it.each([
    [{}, 'input "tag" is required'],
    [{ tag: 'x', min_severity: 'high' }, 'input "min_severity" must be an integer, got string "high"'],
    [{ tag: 'x', min_severity: 7.5 }, 'input "min_severity" must be an integer'],
    [{ tag: 'x', mode: 'c' }, 'input "mode" must be one of "a", "b"'],
    [{ tag: 'x', colour: 'red' }, 'input "colour" is not declared by playbook "p"'],
    [{ tag: 'x', hosts: 'h1' }, 'input "hosts" must be an array'],
  ])('rejects %j naming the input', (given, message) => {
    const error = inputError(given);
    expect(error.code).toBe('SOAR_ENGINE_INPUT_INVALID');
    expect(error.message).toContain(message);
    expect(isRetryableRunError(new SoarError('SOAR_ENGINE_INPUT_INVALID', 'x'))).toBe(false);
  });
});

describe('planWrites', () => {
  const target = { param: 'ids', max: 1000 };
  const single = { foreach: false, share: false };
  const perItem = { foreach: true, share: false };
  const share = { foreach: true, share: true };
  const ids = Array.from({ length: 2500 }, (_, i) => `id${i}`);

  it('splits ids above the operation limit into batches with their own keys', () => {
    const plan = planWrites('triage', [{ ids, status: 'in_progress' }], target, single);
    expect(plan.targetCount).toBe(2500);
    expect(plan.units.map((u) => [u.key, (u.params['ids'] as string[]).length])).toEqual([
      ['step:triage:batch:0', 1000],
      ['step:triage:batch:1', 1000],
      ['step:triage:batch:2', 500],
    ]);
    expect(plan.units[2]?.params['status']).toBe('in_progress');
    expect(plan.units.flatMap((u) => u.params['ids'] as string[])).toEqual(ids);
  });

  it('keys foreach units by item unless requests are shared', () => {
    const plan = planWrites('tag', [{ ids: ['a'] }, { ids: ['b'] }], target, perItem);
    expect(plan.units.map((u) => u.key)).toEqual(['step:tag:item:0:batch:0', 'step:tag:item:1:batch:0']);
    const shared = planWrites('tag', [{ ids: ['a'] }, { ids: ['b'] }], target, share);
    expect(shared.units.map((u) => [u.key, u.targets])).toEqual([['step:tag:batch:0', ['a', 'b']]]);
  });

  it('keys foreach units by item when the items differ in more than their targets', () => {
    const items = [
      { ids: ['a', 'b'], comment: 'x' },
      { ids: [], comment: 'y' },
      { ids: 'c', comment: 'z' },
    ];
    const plan = planWrites('tag', items, target, share);
    expect(plan.targetCount).toBe(3);
    expect(plan.emptyItems).toEqual([1]);
    expect(plan.units.map((u) => [u.key, u.owners])).toEqual([
      ['step:tag:item:0:batch:0', [0, 0]],
      ['step:tag:item:2:batch:0', [2]],
    ]);
  });

  it('shares requests between foreach items that differ only in their targets', () => {
    const items = Array.from({ length: 2500 }, (_, i) => ({
      comment: 'same',
      indicators: [{ type: 'sha256', value: `h${i}` }],
    }));
    const plan = planWrites('block', items, { param: 'indicators', max: 2000 }, share);
    expect(plan.targetCount).toBe(2500);
    expect(plan.units.map((u) => [u.key, u.targets.length, u.owners[0], u.owners.at(-1)])).toEqual([
      ['step:block:batch:0', 2000, 0, 1999],
      ['step:block:batch:1', 500, 2000, 2499],
    ]);
    expect(plan.units[1]?.params['comment']).toBe('same');
  });

  it('gives each item the resources that match its targets', () => {
    const plan = planWrites(
      'block',
      [{ indicators: [{ type: 'sha256', value: 'AA' }] }, { indicators: [{ type: 'sha256', value: 'bb' }] }],
      { param: 'indicators', max: 10 },
      share,
    );
    const unit = plan.units[0];
    if (!unit) throw new Error('no unit');
    const attributed = attributeResources(unit, [
      { id: '2', type: 'sha256', value: 'bb' },
      { id: '1', type: 'sha256', value: 'aa' },
      { unrelated: true },
    ]);
    expect(attributed.get(0)).toEqual([{ id: '1', type: 'sha256', value: 'aa' }, { unrelated: true }]);
    expect(attributed.get(1)).toEqual([{ id: '2', type: 'sha256', value: 'bb' }]);
  });

  it('attributes by id, by case-insensitive value and type, and to the first matching target', () => {
    const unit = {
      key: 'k',
      batch: 0,
      params: {},
      targets: [
        'id-a',
        { id: 'id-b' },
        { type: 'sha256', value: 'AB' },
        { value: 'cd' },
        { type: 'md5', value: 'ab' },
        'id-a',
      ],
      owners: [0, 1, 2, 3, 4, 5],
    };
    const attributed = attributeResources(unit, [
      { id: 'id-a' },
      { id: 'id-b' },
      { type: 'sha256', value: 'ab' },
      { type: 'md5', value: 'AB' },
      { type: 'sha1', value: 'CD' },
      { type: 'sha1', value: 'ab' },
      'id-a',
    ]);
    expect(Object.fromEntries(attributed)).toEqual({
      0: [{ id: 'id-a' }, { type: 'sha1', value: 'ab' }, 'id-a'],
      1: [{ id: 'id-b' }],
      2: [{ type: 'sha256', value: 'ab' }],
      3: [{ type: 'sha1', value: 'CD' }],
      4: [{ type: 'md5', value: 'AB' }],
    });
  });

  it(`shares requests exactly when items are equal as JSON apart from their targets (seed ${SEED})`, () => {
    // The reference: each item's params without the target, as JSON with members in a fixed order.
    const canonical = (value: unknown): string =>
      JSON.stringify(value, (_key, v: unknown) =>
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? Object.fromEntries(
              Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
            )
          : v,
      );
    const withoutTarget = (params: Record<string, unknown>): string => canonical({ ...params, ids: null });
    const leaf = fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        null,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        0,
        -0,
        1,
        '1',
        '',
        true,
      ),
      fc.string({ maxLength: 2 }),
      fc.integer({ min: -2, max: 2 }),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('tree'), { maxKeys: 3 }),
      ),
    }));
    const params = fc.dictionary(fc.constantFrom('comment', 'mode', 'x', 'ids'), tree, { maxKeys: 4 });
    // Half the time the second item is the first with its members reordered and its targets changed.
    const reorder = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reorder);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, reorder(v)]),
      );
    };
    const pairs: [Record<string, unknown>, Record<string, unknown>, boolean][] = [
      [{ list: [undefined, 1] }, { list: [null, 1] }, true],
      [{ a: undefined, b: { c: 1, d: 2 } }, { b: { d: 2, c: 1 } }, true],
      [{ a: 1 }, { a: '1' }, false],
      [{ a: [1, 2] }, { a: [2, 1] }, false],
      [{ a: {} }, { a: [] }, false],
    ];
    for (const [a, b, same] of pairs) {
      const plan = planWrites(
        'tag',
        [
          { ...a, ids: ['a'] },
          { ...b, ids: ['b'] },
        ],
        target,
        share,
      );
      expect(plan.units).toHaveLength(same ? 1 : 2);
    }
    let shared = 0;
    fc.assert(
      fc.property(params, params, fc.boolean(), (a, other, twin) => {
        const first = { ...a, ids: ['a'] };
        const second = twin
          ? { ...(reorder(a) as Record<string, unknown>), ids: ['b'] }
          : { ...other, ids: ['b'] };
        const plan = planWrites('tag', [first, second], target, share);
        const same = withoutTarget(first) === withoutTarget(second);
        if (same) shared++;
        expect(plan.units.map((u) => u.key)).toEqual(
          same ? ['step:tag:batch:0'] : ['step:tag:item:0:batch:0', 'step:tag:item:1:batch:0'],
        );
      }),
      { seed: SEED, numRuns: 500 },
    );
    // Without this the property could pass with no pair ever shared.
    expect(shared).toBeGreaterThan(100);
  });

  it('counts one target per item when the operation has no id parameter', () => {
    const plan = planWrites('scan', [{ a: 1 }, { a: 2 }], null, share);
    expect(plan.targetCount).toBe(2);
    expect(plan.units).toHaveLength(2);
  });

  it('chunks and samples', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(sampleTargets(['a', { type: 'sha256', value: 'v' }, { id: 'i' }], 5)).toEqual(['a', 'v', 'i']);
  });
});

describe('retryDelayMs', () => {
  const retryable = new SoarError('SOAR_INTERNAL', 'x', { retryable: true });
  it.each([
    ['fixed', 1, 2000],
    ['fixed', 3, 2000],
    ['exponential', 1, 2000],
    ['exponential', 2, 4000],
    ['exponential', 4, 16000],
    ['exponential', 20, 300000],
  ] as const)('%s backoff after attempt %i waits %i ms', (backoff, attempt, expected) => {
    expect(retryDelayMs({ attempts: 5, backoff, delayMs: 2000 }, attempt, retryable)).toBe(expected);
  });

  it('honours a longer retryAfterMs from a 429', () => {
    const limited = new SoarError('SOAR_INTERNAL', '429', {
      retryable: true,
      details: { retryAfterMs: 9000 },
    });
    expect(retryDelayMs({ attempts: 3, backoff: 'fixed', delayMs: 100 }, 1, limited)).toBe(9000);
  });

  it('retries only retryable errors with attempts left', () => {
    const retry = { attempts: 2, backoff: 'fixed', delayMs: 1 } as const;
    expect(shouldRetryStep(retry, 1, retryable)).toBe(true);
    expect(shouldRetryStep(retry, 2, retryable)).toBe(false);
    expect(shouldRetryStep(retry, 1, new SoarError('SOAR_INTERNAL', 'bug'))).toBe(false);
    expect(shouldRetryStep(retry, 1, new Error('raw'))).toBe(false);
  });
});

describe('mapWithConcurrency', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      for (let i = 0; i < n; i++) await Promise.resolve();
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('starts nothing new after a failure and rethrows it', async () => {
    const started: number[] = [];
    await expect(
      mapWithConcurrency([1, 2, 3, 4], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

describe('jsonSizeUpTo', () => {
  // The measure's definition, written plainly: each string its length + 2, numbers 8, other scalars 5,
  // a list 2 + one per member, an object 2 + its key lengths + 4 per member.
  const reference = (value: unknown): number => {
    if (typeof value === 'string') return value.length + 2;
    if (typeof value === 'number') return 8;
    if (typeof value === 'boolean' || value === null || value === undefined) return 5;
    if (Array.isArray(value)) return 2 + value.length + value.reduce<number>((n, v) => n + reference(v), 0);
    if (typeof value === 'object')
      return Object.entries(value).reduce((n, [k, v]) => n + k.length + 4 + reference(v), 2);
    return 0;
  };

  it(`measures every value as the definition says, and stops past the limit (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true }), fc.nat({ max: 400 }), (value, limit) => {
        const size = reference(value);
        expect(jsonSizeUpTo(value, Number.MAX_SAFE_INTEGER)).toBe(size);
        expect(jsonSizeUpTo(value, limit)).toBe(size > limit ? limit + 1 : size);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
