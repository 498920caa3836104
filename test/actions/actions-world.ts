/** Shared set-up for action tests: a runner over a secret store from a plain map, and a call. */
import { type ActionRunner, type ActionRunnerOptions, createActionRunner } from '../../src/actions/index.ts';
import type { OutboundPolicy } from '../../src/config/index.ts';
import { readSecretSources } from '../../src/config/index.ts';
import { createSecretStore } from '../../src/secrets/index.ts';

export function runnerWith(
  secrets: Record<string, string>,
  policy: Partial<OutboundPolicy> = {},
  extra: Pick<ActionRunnerOptions, 'approvalLinks'> = {},
): ActionRunner {
  const env = Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`TALON_SECRET_${k}`, v]));
  return createActionRunner({
    secrets: createSecretStore(readSecretSources(env)),
    policy: { allowPrivate: true, allowHosts: null, ...policy },
    http: { sleep: async () => {} },
    ...extra,
  });
}

export const call = { runId: 'run-1', stepId: 'tell', playbook: 'pb', signal: new AbortController().signal };

export const secret = (name: string) => ({ $secret: name });

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; retryable: boolean; details: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a rejection');
}
