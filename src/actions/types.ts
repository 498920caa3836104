/**
 * The shape of an action that is not a Falcon call: its declaration (what `talon validate` checks a
 * step's `with` against and docs/playbooks.md describes) and its implementation, side by side in one
 * file per action.
 */
import type { Logger, Secret } from '../shared/index.ts';
import type { OutboundHttp } from './outbound-http.ts';

export interface ActionParam {
  name: string;
  required: boolean;
  enum?: readonly string[];
  description: string;
}

export interface ActionDeclaration {
  /** `uses:` value, e.g. notify.slack. */
  name: string;
  summary: string;
  params: readonly ActionParam[];
  /**
   * Dotted paths inside `with` that hold a secret (`webhook_url`, `auth.bearer`): the only places
   * where `${{ secrets.NAME }}` may appear, and where it must be the whole value.
   */
  secretSlots: readonly string[];
  /** What the step's output (steps.<id>) holds. */
  output: string;
  /**
   * OAuth2 scopes of the Falcon operations the action calls, given the step's `with` as written (a
   * templated value is unknown, so the widest set applies). `talon validate` adds them to the plan's.
   */
  falconScopes?: (withAsWritten: Readonly<Record<string, unknown>>) => readonly string[];
  /**
   * For actions that act on endpoints through Falcon (rtr.run_command): the table operation whose
   * response marker describes one call, and the call's params in that operation's terms (its host
   * parameter filled). The engine runs the response guard rails (blast radius, protected hosts,
   * dry-run host listing) on them before the action sends anything.
   */
  responseAs?: (params: Readonly<Record<string, unknown>>) => {
    operation: string;
    params: Record<string, unknown>;
  };
}

/** Mail as the email action hands it to the SMTP module. */
export interface MailMessage {
  from: string;
  to: readonly string[];
  cc: readonly string[];
  subject: string;
  text: string;
  html?: string;
}

export interface MailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/** Sends one mail through an SMTP server given as a URL (smtps:// or smtp:// with STARTTLS). */
export type MailSender = (
  server: { url: Secret; ca: Secret | null; timeoutMs: number },
  message: MailMessage,
) => Promise<MailResult>;

/**
 * The Falcon client as an action sees it (structurally the engine's FalconPort: src/actions does not
 * import the engine or the client). Batch RTR answers arrive as lists of per-host entries with `aid`.
 */
export interface FalconCaller {
  call(
    operation: string,
    params: Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<{
    resources: unknown[];
    meta: Record<string, unknown>;
    errors: { code: number; message: string }[];
  }>;
}
/** One approver's signed links of an approval step of a run, by choice (approve, deny, custom). */
export type ApprovalLinker = (target: {
  runId: string;
  stepId: string;
  approver: string;
  choices?: readonly string[];
}) => Record<string, string>;

/** What an action may use while it runs. */
export interface ActionContext {
  runId: string;
  stepId: string;
  playbook: string;
  signal: AbortSignal;
  logger: Logger;
  /**
   * The value of the secret slot `path` of the rendered params (a compiled `{ $secret: NAME }`).
   * @throws SoarError SOAR_SECRET_MISSING / SOAR_SECRET_UNREADABLE, SOAR_ACTION_BAD_PARAM when the
   * slot holds no secret reference.
   */
  secret(value: unknown, path: string): Promise<Secret>;
  /**
   * A value derived from a secret (a basic-auth header's base64): scrubbed from the action's output and
   * error like the secret itself, so a service echoing the request back cannot carry it into
   * checkpoints, run records, recordings or recorded test files.
   */
  derivedSecret(value: string): Secret;
  /** HTTP to other services, behind the SSRF guard and the allow list. */
  http: OutboundHttp;
  mail: MailSender;
  /** The run's Falcon client (rate budget, retries, token), for actions that compose Falcon calls. */
  falcon?: FalconCaller;
  /** Absent or null where approval links are not configured (TALON_APPROVAL_KEY, TALON_PUBLIC_URL). */
  approvalLinks?: ApprovalLinker | null;
}

export interface ActionDefinition {
  declaration: ActionDeclaration;
  /**
   * What to do when a crash left this call's intent without a checkpoint (the request may or may
   * not have reached the service): send again (at-least-once) or fail the run for a person to check.
   */
  whenOutcomeUnknown(params: Readonly<Record<string, unknown>>): 'resend' | 'fail';
  run(params: Readonly<Record<string, unknown>>, context: ActionContext): Promise<unknown>;
}
