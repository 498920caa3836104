/**
 * The one way a channel (CLI, HTTP API, signed link) decides an approval: record the vote in the
 * store (one Lua script: recorded once, whoever races), then wake the parked run if this vote
 * closed the approval. A refusal says exactly why (unknown run or step, not reached yet, already
 * decided, timed out, not an approver...) and changes nothing.
 */
import type { ApprovalRecord } from '../actions/approval-types.ts';
import { SoarError } from '../shared/index.ts';
import type { ApprovalStore, ApprovalVoteRequest, ApprovalVoteResult } from './approval-store.ts';
import type { RedisClient, RunQueue } from './bullmq.ts';
import type { KeyLayout } from './names.ts';

export interface ApprovalDecider {
  store: ApprovalStore;
  queue: RunQueue;
  redis: RedisClient;
  keys: KeyLayout;
}

/**
 * Records `vote` and wakes the run when the approval is closed by it.
 * @throws SoarError SOAR_APPROVAL_NOT_FOUND (no such run or step) and every refusal of
 *   ApprovalStore.vote.
 */
export async function decideApproval(
  decider: ApprovalDecider,
  vote: ApprovalVoteRequest,
  now: number,
): Promise<ApprovalVoteResult> {
  let result: ApprovalVoteResult;
  try {
    result = await decider.store.vote(vote, now);
  } catch (error) {
    if (!(error instanceof SoarError)) throw error;
    // A late decision may be the first to apply the timeout: the run must then go on at once.
    if (error.details['closed'] === true) await wake(decider, vote.runId);
    if (error.code === 'SOAR_APPROVAL_NOT_OPEN') await explainNotOpen(decider, vote, error);
    throw error;
  }
  if (result.closed) await wake(decider, vote.runId);
  return result;
}

/**
 * The approval of `runId`/`stepId`.
 * @throws SoarError SOAR_APPROVAL_NOT_FOUND / SOAR_APPROVAL_NOT_OPEN when there is none.
 */
export async function requireApproval(
  decider: Pick<ApprovalDecider, 'store' | 'redis' | 'keys'>,
  runId: string,
  stepId: string,
): Promise<ApprovalRecord> {
  const record = await decider.store.get(runId, stepId);
  if (record) return record;
  const notOpen = new SoarError(
    'SOAR_APPROVAL_NOT_OPEN',
    `run ${runId} has not reached approval step "${stepId}"`,
    {
      details: { runId, step: stepId },
    },
  );
  await explainNotOpen(decider, { runId, stepId }, notOpen);
  throw notOpen;
}

/** Job id = run id (enqueue.ts). A job that is not parked (already woken, or gone) needs nothing. */
async function wake(decider: ApprovalDecider, runId: string): Promise<void> {
  await decider.queue.promote(runId);
}

/** Turns "not open" into "not found" when the run or the step does not exist at all. */
async function explainNotOpen(
  decider: Pick<ApprovalDecider, 'redis' | 'keys'>,
  vote: Pick<ApprovalVoteRequest, 'runId' | 'stepId'>,
  notOpen: SoarError,
): Promise<void> {
  const raw = await decider.redis.call('HGET', decider.keys.run(vote.runId), 'stepIds');
  if (typeof raw !== 'string') {
    throw new SoarError('SOAR_APPROVAL_NOT_FOUND', `no run "${vote.runId}" in this deployment`, {
      details: { runId: vote.runId, status: 404 },
    });
  }
  const steps = JSON.parse(raw) as string[];
  if (!steps.includes(vote.stepId)) {
    throw new SoarError(
      'SOAR_APPROVAL_NOT_FOUND',
      `run ${vote.runId} has no step "${vote.stepId}" (steps: ${steps.join(', ')})`,
      { details: { runId: vote.runId, step: vote.stepId, status: 404 } },
    );
  }
  throw new SoarError(
    'SOAR_APPROVAL_NOT_OPEN',
    `${notOpen.message}; "${vote.stepId}" is not an approval step or the run has not reached it yet`,
    { details: { runId: vote.runId, step: vote.stepId, status: 409 } },
  );
}
