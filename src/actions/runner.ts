/**
 * The worker side of the actions: the engine's ActionPort (src/engine/ports.ts). It resolves secret
 * slots through the secret store at call time, gives actions the guarded HTTP client and the SMTP
 * sender, and scrubs every secret value it handed out from the action's output and error, so a
 * service that echoes a token back cannot push it into a checkpoint, a run record or a log.
 */
import type { OutboundPolicy } from '../config/index.ts';
import type { ActionPort } from '../engine/ports.ts';
import type { SecretStore } from '../secrets/index.ts';
import {
  isSecretRef,
  type Logger,
  redactSecrets,
  Secret,
  SoarError,
  silentLogger,
  toSoarError,
} from '../shared/index.ts';
import { type ApprovalLinkConfig, approvalLinkUrls } from './approval-links.ts';
import { createOutboundHttp, type OutboundHttp, type OutboundHttpOptions } from './outbound-http.ts';
import { badParam } from './params.ts';
import { findAction } from './registry.ts';
import { sendMail } from './smtp-transport.ts';
import type { ActionContext, ApprovalLinker, MailSender } from './types.ts';

export interface ActionRunnerOptions {
  secrets: SecretStore;
  policy: OutboundPolicy;
  logger?: Logger;
  /** Tests may point host names at local servers or shorten retry waits. */
  http?: OutboundHttpOptions;
  mail?: MailSender;
  /** Signs approval links for notifications (`approval:`); absent = links not configured. */
  approvalLinks?: ApprovalLinker;
  /** Where approval links point and their key (TALON_PUBLIC_URL, TALON_APPROVAL_KEY): the default linker. */
  approvalLinkConfig?: ApprovalLinkConfig | null;
}

/** The runner is the engine's ActionPort; the contract lives with the engine's other ports. */
export type ActionRunner = ActionPort;

export function createActionRunner(options: ActionRunnerOptions): ActionRunner {
  const http: OutboundHttp = createOutboundHttp(options.policy, options.http ?? {});
  const mail = options.mail ?? sendMail;
  const logger = options.logger ?? silentLogger;
  const config = options.approvalLinkConfig ?? null;
  const linker: ApprovalLinker | null =
    options.approvalLinks ?? (config === null ? null : (target) => approvalLinkUrls(config, target));
  return {
    has: (name) => findAction(name) !== undefined,
    whenOutcomeUnknown(name, params) {
      return findAction(name)?.whenOutcomeUnknown(params) ?? 'fail';
    },
    async run(name, params, call) {
      const action = findAction(name);
      if (action === undefined) {
        throw new SoarError(
          'SOAR_ENGINE_UNKNOWN_ACTION',
          `step "${call.stepId}" uses unknown action "${name}"`,
        );
      }
      const handedOut: Secret[] = [];
      const context: ActionContext = {
        ...call,
        logger,
        http,
        mail,
        approvalLinks: linker,
        async secret(value, path) {
          if (!isSecretRef(value))
            throw badParam(name, `${path} must be a named secret: \${{ secrets.NAME }}`);
          const secret = await options.secrets.get(value.$secret);
          handedOut.push(secret);
          return secret;
        },
        derivedSecret(value) {
          const derived = new Secret(value);
          handedOut.push(derived);
          return derived;
        },
      };
      try {
        return scrub(await action.run(params, context), handedOut);
      } catch (error) {
        const soar = toSoarError(error);
        throw new SoarError(soar.code, redactSecrets(soar.message, handedOut), {
          details: soar.details,
          retryable: soar.retryable,
        });
      }
    },
  };
}

/** `value` with every handed-out secret value replaced by [redacted], in strings at any depth. */
function scrub(value: unknown, secrets: readonly Secret[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactSecrets(k, secrets), scrub(v, secrets)]),
    );
  }
  return value;
}
