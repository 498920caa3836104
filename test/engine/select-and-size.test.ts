// biome-ignore-all lint/suspicious/noTemplateCurlyInString: playbook `${{ }}` templates are plain strings.
/**
 * A step's `select:` (projection per page and per id batch, as answers arrive) and the bound on what a
 * step may checkpoint (SOAR_ENGINE_OUTPUT_TOO_LARGE), against port FAKES (fakes.ts).
 */
import { describe, expect, it } from 'vitest';
import { runPlaybook } from '../../src/engine/index.ts';
import { assertOutputFits, jsonSizeUpTo, MAX_OUTPUT_BYTES } from '../../src/engine/output-size.ts';
import { FakeCheckpointStore, fakeFalcon, ids, manualRun, playbook, ports, result, step } from './fakes.ts';

/** A detection summary whose behaviors saw `hashes` (and one non-hash indicator). */
function summary(id: string, hashes: string[]) {
  return {
    detection_id: id,
    device: { hostname: `host-${id}` },
    behaviors: [
      ...hashes.map((h) => ({ ioc_type: 'hash_sha256', ioc_value: h })),
      { ioc_type: 'domain', ioc_value: `${id}.example` },
    ],
  };
}

/** GetDetectSummaries that answers each id with a summary seeing hash `h-<id's last digit>`. */
function summaries() {
  const batches: number[] = [];
  const handler = (params: Record<string, unknown>) => {
    const asked = params.ids as string[];
    batches.push(asked.length);
    return result(asked.map((id) => summary(id, [`h-${id.slice(-1)}`])));
  };
  return { handler, batches };
}

describe('step select', () => {
  it('projects each id batch as it arrives and counts what it kept', async () => {
    const { handler, batches } = summaries();
    const falcon = fakeFalcon({ GetDetectSummaries: handler });
    const { ports: p, store } = ports(falcon);
    const plan = playbook(
      [
        step('details', 'detects.GetDetectSummaries', {
          with: { ids: ids(2500) },
          select: "resources.behaviors[ioc_type='hash_sha256'].ioc_value",
        }),
      ],
      {
        outputs: { hashes: '${{ $distinct(steps.details.resources) }}', kept: '${{ steps.details.count }}' },
      },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(batches).toEqual([1000, 1000, 500]);
    expect(run.outputs['kept']).toBe(2500);
    expect([...(run.outputs['hashes'] as string[])].sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `h-${i}`),
    );
    // The checkpoint holds the projection, never the full documents.
    const saved = store.checkpoints.get('run-1')?.get('step:details')?.output as { resources: unknown[] };
    expect(saved.resources.every((r) => typeof r === 'string')).toBe(true);
  });

  it('evaluates select once per page: a single value is appended, nothing adds nothing', async () => {
    const found = ['a', 'b', 'c', 'd', 'e'];
    const falcon = fakeFalcon({ QueryDetects: () => result(found) }, 2);
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('pages', 'detects.QueryDetects', {
          paginate: { maxItems: null },
          // One value per page (its first id), except the page holding "c", which keeps nothing.
          select: "'c' in resources ? null : resources[0]",
        }),
      ],
      { outputs: { kept: '${{ steps.pages.resources }}', count: '${{ steps.pages.count }}' } },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ kept: ['a', 'e'], count: 2 });
  });

  it('reads inputs and item in select, and max_items bounds what is fetched before select', async () => {
    const found = ['a', 'b', 'c', 'd', 'e'];
    const falcon = fakeFalcon({ QueryDetects: () => result(found) }, 2);
    const { ports: p } = ports(falcon);
    const plan = playbook(
      [
        step('pages', 'detects.QueryDetects', {
          foreach: { items: '["x", "y"]', concurrency: 1 },
          paginate: { maxItems: 3 },
          // Inside a path step names are relative to the current value: $$ is the whole context.
          select: 'resources.($ & "-" & $$.item & "-" & $string($$.inputs.n))',
        }),
      ],
      {
        inputs: { n: { type: 'integer', required: false, default: 7 } },
        outputs: { y: '${{ steps.pages[1].resources }}' },
      },
    );
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('succeeded');
    expect(run.outputs['y']).toEqual(['a-y-7', 'b-y-7', 'c-y-7']);
  });

  it('fails the step with a clear expression error when select fails', async () => {
    const falcon = fakeFalcon({ QueryDetects: () => result(['a']) });
    const { ports: p } = ports(falcon);
    const plan = playbook([step('find', 'detects.QueryDetects', { select: '$number("x")' })]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toContain('step "find" field select');
  });
});

describe('step output size', () => {
  it('measures approximate JSON bytes and stops at the limit', () => {
    const value = { a: ['xy', 1, null], b: { c: true } };
    const exact = JSON.stringify(value).length;
    const measured = jsonSizeUpTo(value, 1000);
    expect(measured).toBeGreaterThanOrEqual(exact);
    expect(measured).toBeLessThan(exact * 2);
    expect(jsonSizeUpTo(value, 5)).toBe(6);
    expect(() => assertOutputFits('s', value, 1000)).not.toThrow();
    expect(() => assertOutputFits('s', value, 5)).toThrow(/step "s" output is/);
  });

  it('fails a step whose output is above 64 MiB instead of checkpointing it', async () => {
    // 1100 answers sharing one 64 KiB string: ~69 MiB as JSON, a few KiB in memory.
    const big = 'x'.repeat(64 * 1024);
    const falcon = fakeFalcon({
      GetDetectSummaries: (params) => result((params.ids as string[]).map(() => ({ raw: big }))),
    });
    const { ports: p, store } = ports(falcon);
    const plan = playbook([step('details', 'detects.GetDetectSummaries', { with: { ids: ids(1100) } })]);
    const run = await runPlaybook(plan, manualRun(), p);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('SOAR_ENGINE_OUTPUT_TOO_LARGE');
    expect(run.error?.message).toMatch(/step "details" output is about 6[89](\.\d)? MiB/);
    expect(run.error?.message).toContain('select:');
    expect(run.error?.message).toContain('max_items');
    expect(store.checkpoints.get('run-1')?.has('step:details') ?? false).toBe(false);
    expect(MAX_OUTPUT_BYTES).toBe(64 * 1024 * 1024);
  });

  it('turns a RangeError from the store into the same error, not an infrastructure retry', async () => {
    const falcon = fakeFalcon({ QueryDetects: () => result(['a']) });
    const store = new FakeCheckpointStore();
    store.failSave = (key) => (key === 'step:find' ? new RangeError('Invalid string length') : null);
    const { ports: p } = ports(falcon, store);
    const run = await runPlaybook(playbook([step('find', 'detects.QueryDetects')]), manualRun(), p);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('SOAR_ENGINE_OUTPUT_TOO_LARGE');
    expect(run.error?.message).toContain('step "find"');
  });
});
