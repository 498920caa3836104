import type { CompiledPlaybook } from './compiled.ts';

/**
 * The environment variables a playbook's expressions may read (its `env:` allow list), picked from
 * `env`. The engine passes the result as ExpressionContext.env so nothing else is visible.
 */
export function pickAllowedEnv(
  playbook: Pick<CompiledPlaybook, 'envAllowed'>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of playbook.envAllowed) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
