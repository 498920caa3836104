// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax.
/**
 * Approval steps end to end through BullMQ and a real worker: the run parks (its job delayed, no
 * worker held), a decision recorded by the store wakes it, and it resumes from its checkpoints.
 * Decisions here go through decideApproval, the function every channel (CLI, API, link) calls.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SoarError } from '../../src/shared/index.ts';
import { decideApproval } from '../../src/queue/index.ts';
import { type ApprovalWorld, startApprovalWorld } from './approval-world.ts';

let w: ApprovalWorld;

beforeAll(async () => {
  w = await startApprovalWorld();
});
afterAll(async () => {
  await w?.close();
});

function playbook(name: string, approval: string, after = ''): string {
  return `
name: ${name}
steps:
  - id: find
    uses: alerts.query_alerts_v2
    with: { filter: "status:'new'", limit: 5 }
  - id: ask
    uses: approval
    with:
${approval
  .trim()
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
  - id: act
    if: \${{ steps.ask.approved }}
    uses: alerts.update_alerts_v3
    with:
      composite_ids: "\${{ steps.find.resources }}"
      action_parameters: [{ name: add_tag, value: "approved-\${{ run.id }}" }]
${after}
outputs:
  decision: \${{ steps.ask.decision }}
  by: \${{ steps.ask.by }}
`;
}

async function refusal(promise: Promise<unknown>): Promise<SoarError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SoarError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const vote = (runId: string, by: string, choice: string, reason: string | null = null) =>
  decideApproval(w.decider, { runId, stepId: 'ask', by, choice, reason, channel: 'api' }, Date.now());

describe('an approval step', () => {
  it('parks the run without a worker and resumes it from its checkpoints on approve', async () => {
    const plan = w.compile(
      playbook(
        'approve-once',
        'prompt: "Tag ${{ $count(steps.find.resources) }} alerts?"\napprovers: [alice, bob]',
      ),
    );
    const runId = await w.start(plan);
    const parked = await w.waitParked(runId);
    expect(parked.waitingFor?.step).toBe('ask');
    expect(parked.steps.find((s) => s.id === 'ask')?.status).toBe('waiting');
    const open = await w.decider.store.listOpen();
    expect(open.map((r) => `${r.runId}/${r.stepId}`)).toContain(`${runId}/ask`);
    expect(open.find((r) => r.runId === runId)?.prompt).toBe('Tag 5 alerts?');
    const queriesBefore = w.emulator.admin.stats().byOperation['GetQueriesAlertsV2'] ?? 0;

    const result = await vote(runId, 'Alice', 'approve', 'looks right');
    expect(result.closed).toBe(true);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toEqual({ decision: 'approve', by: ['alice'] });
    // The read before the approval came from its checkpoint: not asked again.
    expect(w.emulator.admin.stats().byOperation['GetQueriesAlertsV2'] ?? 0).toBe(queriesBefore);
    expect(done.steps.find((s) => s.id === 'find')?.resumed).toBe(true);
    const ask = done.steps.find((s) => s.id === 'ask');
    expect(ask?.status).toBe('succeeded');
    expect(ask?.notes?.join('\n')).toMatch(/alice chose approve via api .*: looks right/);
    const tagged = w.emulator.admin.audit().filter((a) => a.operationId === 'PatchEntitiesAlertsV3');
    expect(tagged).toHaveLength(1);
  });

  it('skips what depends on it when denied, and refuses a second decision', async () => {
    const plan = w.compile(playbook('deny-once', 'prompt: "Tag?"\napprovers: [alice, bob]'));
    const runId = await w.start(plan);
    await w.waitParked(runId);
    const auditBefore = w.emulator.admin.audit().length;
    await vote(runId, 'bob', 'deny');
    const again = await refusal(vote(runId, 'alice', 'approve'));
    expect(again.code).toBe('SOAR_APPROVAL_ALREADY_DECIDED');
    expect(again.message).toMatch(/deny by bob via api/);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'deny', by: ['bob'] });
    expect(done.steps.find((s) => s.id === 'act')?.status).toBe('skipped');
    expect(w.emulator.admin.audit().length).toBe(auditBefore);
  });

  it('needs two distinct approvers under the two-person rule; group members count', async () => {
    const plan = w.compile(
      playbook(
        'two-person',
        'prompt: "Tag?"\napprovers: [alice, "group:soc-leads"]\nmin_approvals: 2\nrequire_reason: true',
      ),
    );
    const runId = await w.start(plan);
    await w.waitParked(runId);
    expect((await refusal(vote(runId, 'carol', 'approve'))).code).toBe('SOAR_APPROVAL_REASON_REQUIRED');
    expect((await refusal(vote(runId, 'mallory', 'approve', 'me'))).code).toBe('SOAR_APPROVAL_NOT_APPROVER');
    expect((await refusal(vote(runId, 'carol', 'maybe', 'hmm'))).code).toBe('SOAR_APPROVAL_BAD_CHOICE');
    const first = await vote(runId, 'carol', 'approve', 'host is critical');
    expect(first.closed).toBe(false);
    expect((await refusal(vote(runId, 'carol', 'approve', 'twice'))).code).toBe(
      'SOAR_APPROVAL_ALREADY_VOTED',
    );
    // Still parked: one approval is not enough.
    expect(await w.talon.queue.state(runId)).toBe('delayed');
    const second = await vote(runId, 'alice', 'approve', 'agreed');
    expect(second.closed).toBe(true);
    expect(second.record.decision?.by).toEqual(['carol', 'alice']);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'approve', by: ['carol', 'alice'] });
  });

  it('records one decision when approvers race, and resumes the run once', async () => {
    const plan = w.compile(playbook('race', 'prompt: "Tag?"\napprovers: [alice, bob, carol, dave]'));
    const tagWrites = () =>
      w.emulator.admin.audit().filter((a) => a.operationId === 'PatchEntitiesAlertsV3').length;
    const writesBefore = tagWrites();
    const runId = await w.start(plan);
    // Decide as soon as the run says it waits: the worker may still be parking the job.
    await w.waitStatus(runId, ['waiting']);
    const results = await Promise.allSettled(
      ['alice', 'bob', 'carol', 'dave'].map((by, i) => vote(runId, by, i % 2 === 0 ? 'approve' : 'deny')),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => (r.reason as SoarError).code)).toEqual(
      Array(3).fill('SOAR_APPROVAL_ALREADY_DECIDED'),
    );
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    // The final record is written before BullMQ moves the job to completed: wait for the job to finish.
    await vi.waitFor(
      async () => {
        const job = await w.talon.queue.dashboard.getJob(runId);
        expect(job?.finishedOn).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    const approved = (await w.decider.store.get(runId, 'ask'))?.decision?.choice === 'approve';
    // The step after the approval ran once (one tag write) when approve won, not at all on deny.
    expect(tagWrites() - writesBefore).toBe(approved ? 1 : 0);
    const steps = done.steps.find((s) => s.id === 'act');
    expect(steps?.status).toBe(approved ? 'succeeded' : 'skipped');
  });
});

describe('timeouts', () => {
  it('applies on_timeout deny, and a late decision is refused without touching the run', async () => {
    const plan = w.compile(playbook('timeout-deny', 'prompt: "Tag?"\napprovers: [alice]\ntimeout: 1s'));
    const runId = await w.start(plan);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'deny', by: [] });
    const late = await refusal(vote(runId, 'alice', 'approve'));
    expect(late.code).toBe('SOAR_APPROVAL_EXPIRED');
    expect((await w.talon.records.get(runId))?.status).toBe('succeeded');
    const record = await w.decider.store.get(runId, 'ask');
    expect(record?.status).toBe('timed_out');
    expect(record?.votes).toEqual([]);
  });

  it('fails the step with on_timeout fail', async () => {
    const plan = w.compile(
      playbook('timeout-fail', 'prompt: "Tag?"\napprovers: [alice]\ntimeout: 500ms\non_timeout: fail'),
    );
    const runId = await w.start(plan);
    const done = await w.waitStatus(runId, ['failed']);
    expect(done.error?.code).toBe('SOAR_APPROVAL_TIMED_OUT');
  });

  it('escalates to other approvers, who can then decide', async () => {
    const plan = w.compile(
      playbook(
        'escalate',
        'prompt: "Tag?"\napprovers: [alice]\ntimeout: 700ms\non_timeout: { escalate: ["group:soc-leads"], timeout: 1m, then: deny }',
      ),
    );
    const runId = await w.start(plan);
    await w.waitParked(runId);
    expect((await refusal(vote(runId, 'dave', 'approve'))).code).toBe('SOAR_APPROVAL_NOT_APPROVER');
    await new Promise((r) => setTimeout(r, 800));
    // After the first deadline the escalated approvers may decide (whoever applies the timeout first).
    const result = await vote(runId, 'dave', 'approve');
    expect(result.record.escalated).toBe(true);
    const done = await w.waitStatus(runId, ['succeeded', 'failed']);
    expect(done.outputs).toEqual({ decision: 'approve', by: ['dave'] });
  });
});

describe('bad input', () => {
  it('refuses a decision for an unknown run, an unknown step, or a step that is not an approval', async () => {
    expect((await refusal(vote('run-nope-1', 'alice', 'approve'))).code).toBe('SOAR_APPROVAL_NOT_FOUND');
    const plan = w.compile(playbook('bad-input', 'prompt: "Tag?"\napprovers: [alice]'));
    const runId = await w.start(plan);
    await w.waitParked(runId);
    const wrongStep = await refusal(
      decideApproval(
        w.decider,
        { runId, stepId: 'nope', by: 'alice', choice: 'approve', reason: null, channel: 'cli' },
        Date.now(),
      ),
    );
    expect(wrongStep.code).toBe('SOAR_APPROVAL_NOT_FOUND');
    expect(wrongStep.message).toMatch(/has no step "nope" \(steps: find, ask, act\)/);
    const notApproval = await refusal(
      decideApproval(
        w.decider,
        { runId, stepId: 'act', by: 'alice', choice: 'approve', reason: null, channel: 'cli' },
        Date.now(),
      ),
    );
    expect(notApproval.code).toBe('SOAR_APPROVAL_NOT_OPEN');
    // Nothing moved: the run still waits.
    expect((await w.talon.records.get(runId))?.status).toBe('waiting');
    expect(await w.talon.queue.state(runId)).toBe('delayed');
    await vote(runId, 'alice', 'deny');
    await w.waitStatus(runId, ['succeeded']);
  });
});
