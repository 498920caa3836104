/**
 * The approval routes of `talon serve`, without the HTTP framework (server.ts registers them):
 *
 *   GET  /approvals                    viewer: open approvals, soonest deadline first
 *   GET  /approvals/<run>/<step>       viewer: one approval with its votes and decision
 *   POST /approvals/<run>/<step>       operator: {choice, reason?}; the approver is the token's name
 *   GET  /approvals/links/<token>      signed link: a confirmation page, decides nothing
 *   POST /approvals/links/<token>      signed link: decides (form field `reason`)
 *
 * Every decision goes through decideApproval (recorded once, wakes the run); refusals carry the
 * HTTP status of their code and change nothing.
 */
import { APPROVAL_LINK_PATH, verifyApprovalLink } from '../actions/approval-links.ts';
import type { ApprovalRecord } from '../actions/approval-types.ts';
import { type ApprovalDecider, decideApproval, requireApproval } from '../queue/index.ts';
import {
  type Clock,
  type ErrorCode,
  type Logger,
  type Secret,
  SoarError,
  toSoarError,
} from '../shared/index.ts';
import { confirmationPage, resultPage } from './approval-pages.ts';

/** The HTTP status of each approval refusal. */
export const APPROVAL_HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  SOAR_APPROVAL_NOT_FOUND: 404,
  SOAR_APPROVAL_NOT_OPEN: 409,
  SOAR_APPROVAL_ALREADY_DECIDED: 409,
  SOAR_APPROVAL_ALREADY_VOTED: 409,
  SOAR_APPROVAL_EXPIRED: 410,
  SOAR_APPROVAL_NOT_APPROVER: 403,
  SOAR_APPROVAL_BAD_CHOICE: 400,
  SOAR_APPROVAL_REASON_REQUIRED: 400,
  SOAR_APPROVAL_LINK_INVALID: 403,
  SOAR_APPROVAL_LINKS_DISABLED: 404,
};

/** An HTML answer. */
export interface HtmlAnswer {
  status: number;
  html: string;
}

export interface ApprovalHandlerOptions {
  decider: ApprovalDecider;
  /** TALON_APPROVAL_KEY; null: link routes answer SOAR_APPROVAL_LINKS_DISABLED. */
  linkKey: Secret | null;
  clock: Clock;
  logger: Logger;
}

export interface ApprovalHandlers {
  list(): Promise<{ approvals: ApprovalRecord[] }>;
  show(runId: string, stepId: string): Promise<ApprovalRecord>;
  /** @throws SoarError with details.status for every refusal. */
  decide(runId: string, stepId: string, by: string, body: Record<string, unknown>): Promise<ApprovalRecord>;
  linkPage(token: string): Promise<HtmlAnswer>;
  linkDecide(token: string, form: URLSearchParams): Promise<HtmlAnswer>;
}

/** The path prefix of link routes (for server.ts). */
export const LINK_ROUTE = `${APPROVAL_LINK_PATH}:token`;

export function createApprovalHandlers(options: ApprovalHandlerOptions): ApprovalHandlers {
  const { decider, clock, logger } = options;
  const withStatus = (error: unknown): SoarError => {
    const soar = toSoarError(error);
    const status = APPROVAL_HTTP_STATUS[soar.code] ?? soar.details['status'];
    return new SoarError(soar.code, soar.message, { details: { ...soar.details, status: status ?? 500 } });
  };
  const verify = (token: string) => {
    if (options.linkKey === null) {
      throw new SoarError('SOAR_APPROVAL_LINKS_DISABLED', 'this server has no approval link key', {
        details: { status: 404 },
      });
    }
    return verifyApprovalLink(options.linkKey, token);
  };
  const htmlError = (error: unknown): HtmlAnswer => {
    const soar = withStatus(error);
    const status = Number(soar.details['status']);
    if (status >= 500) {
      logger.error({ code: soar.code, error: soar.message }, 'approval link failed');
      return {
        status,
        html: resultPage('Something went wrong', 'Talon could not answer; nothing was decided.'),
      };
    }
    return { status, html: resultPage('Nothing was decided', soar.message) };
  };
  return {
    async list() {
      return { approvals: await decider.store.listOpen(200) };
    },
    async show(runId, stepId) {
      return requireApproval(decider, runId, stepId).catch((e: unknown) => {
        throw withStatus(e);
      });
    },
    async decide(runId, stepId, by, body) {
      const choice = body['choice'];
      const reason = body['reason'] ?? null;
      if (typeof choice !== 'string' || (reason !== null && typeof reason !== 'string')) {
        throw new SoarError(
          'SOAR_SERVER_BAD_REQUEST',
          'the body must be {"choice": "approve", "reason": "..."}',
          {
            details: { status: 400 },
          },
        );
      }
      try {
        const result = await decideApproval(
          decider,
          { runId, stepId, by, choice, reason, channel: 'api' },
          clock.now(),
        );
        logger.info({ runId, step: stepId, by, choice, channel: 'api' }, 'approval decision recorded');
        return result.record;
      } catch (error) {
        throw withStatus(error);
      }
    },
    async linkPage(token) {
      try {
        const target = verify(token);
        const record = await requireApproval(decider, target.runId, target.stepId);
        if (record.status !== 'open') return htmlError(closedError(record));
        if (record.votes.some((v) => v.by === target.approver)) {
          return htmlError(
            new SoarError(
              'SOAR_APPROVAL_ALREADY_VOTED',
              `${target.approver} already decided on this approval; the link no longer decides anything.`,
            ),
          );
        }
        return { status: 200, html: confirmationPage(record, target.approver, target.choice) };
      } catch (error) {
        return htmlError(error);
      }
    },
    async linkDecide(token, form) {
      try {
        const target = verify(token);
        const reason = form.get('reason');
        const result = await decideApproval(
          decider,
          { ...target, by: target.approver, reason: reason === '' ? null : reason, channel: 'link' },
          clock.now(),
        );
        logger.info(
          {
            runId: target.runId,
            step: target.stepId,
            by: target.approver,
            choice: target.choice,
            channel: 'link',
          },
          'approval decision recorded',
        );
        const message = result.closed
          ? `Recorded: ${target.choice}. The run goes on.`
          : `Recorded: ${target.choice}. The approval waits for ${result.record.minApprovals - result.record.votes.filter((v) => v.choice === target.choice).length} more approver(s).`;
        return { status: 200, html: resultPage('Decision recorded', message) };
      } catch (error) {
        return htmlError(error);
      }
    },
  };
}

/** Why a link to a closed approval does nothing. */
function closedError(record: ApprovalRecord): SoarError {
  const decision = record.decision;
  const when = decision ? new Date(decision.at).toISOString() : '?';
  if (record.status === 'timed_out') {
    return new SoarError(
      'SOAR_APPROVAL_EXPIRED',
      `This approval timed out at ${when}; the link no longer decides anything.`,
    );
  }
  return new SoarError(
    'SOAR_APPROVAL_ALREADY_DECIDED',
    `This approval was already decided (${decision?.choice ?? '?'} by ${decision?.by.join(', ') ?? '?'} via ${decision?.channel ?? '?'} at ${when}); the link no longer decides anything.`,
  );
}
