// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * Branching logic of runPlaybook against hand-written port FAKES (fakes.ts): if, foreach, retry,
 * timeout, on_error, outputs, max_targets, dry run, events. Durability is in resume.test.ts; the
 * real emulator over HTTP is in engine-emulator.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/engine/index.ts';
import {
  apiError,
  FakeCheckpointStore,
  fakeFalcon,
  ids,
  ManualClock,
  manualRun,
  playbook,
  ports,
  result,
  step,
} from './fakes.ts';

const query = (found: string[]) => ({
  QueryDetects: () => result(found, { pagination: { total: found.length } }),
});

describe('runPlaybook: flow', () => {
  it('records a step whose if is false as skipped and later steps see null', async () => {
    const falcon = fakeFalcon(query([]));
    const { ports: p, events } = ports(falcon);
    const plan = playbook(
      [
        step('find', 'detects.QueryDetects', { with: { filter: "status:'new'" } }),
        step('triage', 'detects.UpdateDetectsByIdsV2', {
          if: '$count(steps.find.resources) > 0',
          with: { ids: '${{ steps.find.resources }}', status: 'in_progress' },
        }),
        step('summary', 'core.set', { with: { skipped: '${{ steps.triage = null }}' } }),
      ],
      { outputs: { skipped: '${{ steps.summary.skipped }}', found: '${{ steps.find.count }}' } },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['find', 'succeeded'],
      ['triage', 'skipped'],
      ['summary', 'succeeded'],
    ]);
    expect(run.outputs).toEqual({ skipped: true, found: 0 });
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toEqual([]);
    expect(events.finished?.status).toBe('succeeded');
  });

  it('renders with from inputs, run and env, exposing only allowed env names', async () => {
    const falcon = fakeFalcon({});
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('ctx', 'core.set', {
          with: {
            sev: '${{ inputs.min_severity }}',
            run: '${{ run.id }}',
            env: '${{ env }}',
            at: '${{ trigger.x }}',
          },
        }),
      ],
      {
        inputs: { min_severity: { type: 'integer', required: false, default: 70 } },
        envAllowed: ['TEAM'],
        outputs: { ctx: '${{ steps.ctx }}' },
      },
    );
    const run = await runPlaybook(
      plan,
      { ...manualRun('run-ctx'), trigger: { type: 'webhook', payload: { x: 'body' }, at: 0 } },
      p,
      { env: { TEAM: 'blue', FALCON_CLIENT_SECRET: 'hunter2' } },
    );
    expect(run.outputs['ctx']).toEqual({ sev: 70, run: 'run-ctx', env: { TEAM: 'blue' }, at: 'body' });
  });

  it('fails with a non-retryable error naming a bad input, before any step', async () => {
    const falcon = fakeFalcon(query(['a']));
    const { ports: p } = ports(falcon);
    const plan = playbook([step('find', 'detects.QueryDetects')], {
      inputs: { limit: { type: 'integer', required: true } },
    });
    const run = await runPlaybook(plan, manualRun('r', { inputs: { limit: 'many' } }), p);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'SOAR_ENGINE_INPUT_INVALID', retryable: false });
    expect(run.error?.message).toContain('input "limit"');
    expect(falcon.log).toEqual([]);
  });

  it('runs foreach items with bounded concurrency and returns outputs in item order', async () => {
    const falcon = fakeFalcon({
      GetDetectSummaries: (params) => result([{ detection_id: (params['ids'] as string[])[0] }]),
    });
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('each', 'detects.GetDetectSummaries', {
          foreach: { items: '${{ inputs.list }}', concurrency: 2 },
          with: { ids: ['${{ item }}'] },
        }),
      ],
      {
        inputs: { list: { type: 'array', required: true } },
        outputs: { got: '${{ steps.each.resources.detection_id }}' },
      },
    );
    const run = await runPlaybook(plan, manualRun('r', { inputs: { list: ['a', 'b', 'c', 'd', 'e'] } }), p);
    expect(run.status).toBe('succeeded');
    expect(run.outputs['got']).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(falcon.maxInFlight).toBe(2);
    expect(run.steps[0]?.apiCalls).toBe(5);
  });

  it('treats a single foreach value as one item and nothing as no items', async () => {
    const { ports: p } = ports(fakeFalcon({}));
    const plan = playbook(
      [
        step('one', 'core.set', {
          foreach: { items: '${{ "h1" }}', concurrency: 1 },
          with: { v: '${{ item }}' },
        }),
        step('none', 'core.set', { foreach: { items: 'steps.missing', concurrency: 1 }, with: { v: 1 } }),
      ],
      { outputs: { one: '${{ steps.one }}', none: '${{ $count(steps.none) }}' } },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.outputs).toEqual({ one: [{ v: 'h1' }], none: 0 });
  });

  it('splits a read whose id list exceeds the operation limit and joins the answers', async () => {
    const falcon = fakeFalcon({
      ...query(ids(2100)),
      GetDetectSummaries: (params) => result((params['ids'] as string[]).map((id) => ({ detection_id: id }))),
    });
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('find', 'detects.QueryDetects'),
        step('details', 'detects.GetDetectSummaries', { with: { ids: '${{ steps.find.resources }}' } }),
      ],
      {
        outputs: { n: '${{ steps.details.count }}', last: '${{ steps.details.resources[-1].detection_id }}' },
      },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(falcon.callsTo('GetDetectSummaries').map((c) => (c['ids'] as string[]).length)).toEqual([
      1000, 1000, 100,
    ]);
    expect(run.outputs).toEqual({ n: 2100, last: ids(2100)[2099] });
  });

  it('pages through a query and stops at max_items', async () => {
    const falcon = fakeFalcon(query(ids(7)), 2);
    const { ports: p } = ports(falcon);
    const plan = playbook([step('find', 'detects.QueryDetects', { paginate: { maxItems: 5 } })], {
      outputs: { n: '${{ steps.find.count }}' },
    });
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.outputs['n']).toBe(5);
    expect(run.steps[0]?.apiCalls).toBe(3);
    expect(run.steps[0]?.notes).toEqual(['stopped paging at max_items 5']);
  });
});

describe('runPlaybook: failures', () => {
  it('retries a retryable failure with backoff on the clock, then succeeds', async () => {
    let calls = 0;
    const falcon = fakeFalcon({
      QueryDetects: () => {
        calls += 1;
        if (calls < 3) throw apiError(503, true);
        return result(['x']);
      },
    });
    const { ports: p, clock } = ports(falcon);
    const plan = playbook([
      step('find', 'detects.QueryDetects', { retry: { attempts: 4, backoff: 'exponential', delayMs: 500 } }),
    ]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]?.attempts).toBe(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('retries only the foreach items that failed', async () => {
    const seen: string[] = [];
    let failedOnce = false;
    const falcon = fakeFalcon({
      GetDetectSummaries: (params) => {
        const id = (params['ids'] as string[])[0] as string;
        seen.push(id);
        if (id === 'b' && !failedOnce) {
          failedOnce = true;
          throw apiError(500, true);
        }
        return result([{ detection_id: id }]);
      },
    });
    const { ports: p } = ports(falcon);
    const plan = playbook([
      step('each', 'detects.GetDetectSummaries', {
        foreach: { items: '${{ ["a", "b", "c"] }}', concurrency: 1 },
        with: { ids: ['${{ item }}'] },
        retry: { attempts: 2, backoff: 'fixed', delayMs: 10 },
      }),
    ]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(seen).toEqual(['a', 'b', 'b', 'c']);
    expect(run.steps[0]?.attempts).toBe(2);
  });

  it('does not retry a non-retryable failure and fails the run with its code and message only', async () => {
    const falcon = fakeFalcon({
      QueryDetects: () => {
        throw apiError(400, false);
      },
    });
    const { ports: p, events } = ports(falcon);
    const plan = playbook([
      step('find', 'detects.QueryDetects', { retry: { attempts: 5, backoff: 'fixed', delayMs: 1 } }),
      step('after', 'core.log', { with: { message: 'never' } }),
    ]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.steps[1]).toMatchObject({ id: 'after', status: 'pending' });
    expect(run.error).toMatchObject({
      code: 'SOAR_INTERNAL',
      message: 'HTTP 400 from fake falcon',
      retryable: false,
    });
    const failed = events.steps.find((s) => s.status === 'failed');
    expect(Object.keys(failed?.error ?? {})).toEqual(['code', 'message']);
  });

  it('on_error continue records the failure and goes on; later steps can read the error', async () => {
    const falcon = fakeFalcon({});
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('boom', 'core.fail', { with: { message: 'nope' }, onError: 'continue' }),
        step('next', 'core.set', { with: { code: '${{ steps.boom.error.code }}' } }),
      ],
      { outputs: { code: '${{ steps.next.code }}' } },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]).toMatchObject({ status: 'failed', error: { code: 'SOAR_ENGINE_STEP_FAILED' } });
    expect(run.outputs['code']).toBe('SOAR_ENGINE_STEP_FAILED');
  });

  it('core.assert fails the run when its condition does not hold', async () => {
    const { ports: p } = ports(fakeFalcon({}));
    const plan = playbook([
      step('check', 'core.assert', { with: { that: '${{ [] }}', message: 'no hosts' } }),
    ]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.error).toMatchObject({
      code: 'SOAR_ENGINE_ASSERTION_FAILED',
      message: 'step "check": no hosts',
    });
  });

  it('times out an attempt on the run clock and aborts the port call', async () => {
    const clock = new ManualClock();
    clock.autoAdvance = false;
    let aborted = false;
    const falcon = fakeFalcon({
      QueryDetects: (_params, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
          clock.advance(30_000);
        }),
    });
    const { ports: p } = ports(falcon, new FakeCheckpointStore(), clock);
    const plan = playbook([step('slow', 'detects.QueryDetects', { timeoutMs: 10_000 })]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(aborted).toBe(true);
    expect(run.error).toMatchObject({ code: 'SOAR_ENGINE_STEP_TIMEOUT', retryable: true });
  });

  it('stops with status cancelled when the run signal aborts', async () => {
    const controller = new AbortController();
    const falcon = fakeFalcon({
      QueryDetects: () => {
        controller.abort();
        throw new Error('aborted');
      },
    });
    const { ports: p, events } = ports(falcon);
    const plan = playbook([
      step('find', 'detects.QueryDetects'),
      step('next', 'core.log', { with: { message: 'x' } }),
    ]);
    const run = await runPlaybook(plan, manualRun(), p, { signal: controller.signal });
    expect(run.status).toBe('cancelled');
    expect(run.error?.code).toBe('SOAR_ENGINE_CANCELLED');
    expect(events.finished?.status).toBe('cancelled');
  });
});

describe('runPlaybook: writes', () => {
  const triage = (extra = {}) =>
    playbook(
      [
        step('find', 'detects.QueryDetects'),
        step('triage', 'detects.UpdateDetectsByIdsV2', {
          with: { ids: '${{ steps.find.resources }}', status: 'in_progress', comment: 'talon ${{ run.id }}' },
        }),
      ],
      extra,
    );

  it('splits a write above the id limit into batches, each behind an intent and a checkpoint', async () => {
    const falcon = fakeFalcon({ ...query(ids(2500)), UpdateDetectsByIdsV2: () => result([]) });
    const { ports: p, store } = ports(falcon);
    const run = await runPlaybook(triage(), manualRun(), p);
    expect(run.status).toBe('succeeded');
    const sizes = falcon.callsTo('UpdateDetectsByIdsV2').map((c) => (c['ids'] as string[]).length);
    expect(sizes.sort()).toEqual([1000, 1000, 500]);
    expect(run.steps[1]).toMatchObject({ targets: 2500, apiCalls: 3 });
    for (const n of [0, 1, 2]) {
      const key = `step:triage:batch:${n}`;
      expect(store.order.indexOf(`intent ${key}`)).toBeGreaterThanOrEqual(0);
      expect(store.order.indexOf(`intent ${key}`)).toBeLessThan(store.order.indexOf(`save ${key}`));
    }
    expect(store.order.at(-1)).toBe('save step:triage');
  });

  it('fails the run before any write when targets exceed limits.max_targets, even with on_error continue', async () => {
    const falcon = fakeFalcon({ ...query(ids(11)), UpdateDetectsByIdsV2: () => result([]) });
    const { ports: p, store } = ports(falcon);
    const plan = triage({ maxTargets: 10 });
    const continuing = { ...plan, steps: plan.steps.map((s) => ({ ...s, onError: 'continue' as const })) };
    const run = await runPlaybook(continuing, manualRun(), p);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('SOAR_ENGINE_MAX_TARGETS');
    expect(run.error?.message).toContain('11 targets');
    expect(run.error?.message).toContain('limits.max_targets 10');
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toEqual([]);
    expect([...(store.intents.get('run-1')?.keys() ?? [])]).toEqual([]);
  });

  it('counts the hosts of an on-demand scan against limits.max_targets', async () => {
    const falcon = fakeFalcon({ create_scan: () => result([{ id: 'scan' }], {}, 201) });
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [step('scan', 'ods.create_scan', { with: { hosts: ids(6, 'aid'), description: 'x' } })],
      { maxTargets: 5 },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.error?.code).toBe('SOAR_ENGINE_MAX_TARGETS');
    expect(falcon.callsTo('create_scan')).toEqual([]);
    const within = await runPlaybook({ ...plan, maxTargets: 6 }, manualRun('run-2'), p);
    expect(within.status).toBe('succeeded');
    expect(within.steps[0]?.targets).toBe(6);
    expect(falcon.callsTo('create_scan')).toHaveLength(1);
  });

  it('dry run performs reads and reports each write instead of sending it', async () => {
    const falcon = fakeFalcon({ ...query(ids(1500)), UpdateDetectsByIdsV2: () => result([]) });
    const { ports: p, store } = ports(falcon);
    const run = await runPlaybook(triage(), manualRun('run-dry', { dryRun: true }), p);
    expect(run.status).toBe('succeeded');
    expect(falcon.callsTo('QueryDetects')).toHaveLength(1);
    expect(falcon.callsTo('UpdateDetectsByIdsV2')).toEqual([]);
    expect(run.changes).toEqual([
      {
        step: 'triage',
        uses: expect.any(String),
        operation: 'UpdateDetectsByIdsV2',
        targets: 1500,
        requests: 2,
        sample: ids(5),
        params: { ids: '[1500 ids]', status: 'in_progress', comment: 'talon run-dry' },
        // Every request in full: both batches, every id.
        requestParams: [
          { ids: ids(1500).slice(0, 1000), status: 'in_progress', comment: 'talon run-dry' },
          { ids: ids(1500).slice(1000), status: 'in_progress', comment: 'talon run-dry' },
        ],
        placeholders: false,
      },
    ]);
    expect(store.order).toEqual([]);
  });

  it('notes per-target errors that Falcon lists in a successful answer', async () => {
    const falcon = fakeFalcon({
      ...query(['ldt:1', 'ldt:gone']),
      UpdateDetectsByIdsV2: () => ({
        ...result([]),
        errors: [{ code: 404, message: 'detection ldt:gone not found', id: 'ldt:gone' }],
      }),
    });
    const { ports: p } = ports(falcon);
    const run = await runPlaybook(triage(), manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps[1]?.notes).toEqual([
      'step:triage:batch:0: Falcon reported 1 error(s) (first: 404 detection ldt:gone not found)',
    ]);
  });

  it('sends nothing for a write whose target list is empty', async () => {
    const falcon = fakeFalcon({ ...query([]), UpdateDetectsByIdsV2: () => result([]) });
    const { ports: p } = ports(falcon);
    const run = await runPlaybook(triage(), manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.steps[1]).toMatchObject({ status: 'succeeded', targets: 0, apiCalls: 0 });
  });
});
