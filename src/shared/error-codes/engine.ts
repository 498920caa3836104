import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/engine. Names are SOAR_ENGINE_<DETAIL>. */
export const ENGINE_ERROR_CODES = {
  SOAR_ENGINE_INPUT_INVALID: {
    title: 'Invalid run input',
    retryable: false,
    hint: 'Pass the named input with the type the playbook declares (see its `inputs:` block).',
  },
  SOAR_ENGINE_BAD_VALUE: {
    title: 'A step received a value of the wrong shape',
    retryable: false,
    hint: 'Check the named step: an expression produced a value the step cannot use (e.g. foreach over a non-array).',
  },
  SOAR_ENGINE_UNKNOWN_OPERATION: {
    title: 'Unknown operation at run time',
    retryable: false,
    hint: 'The run was compiled against another operations table; re-validate the playbook and start a new run.',
  },
  SOAR_ENGINE_UNKNOWN_ACTION: {
    title: 'Unknown core action',
    retryable: false,
    hint: 'Use one of core.log, core.set, core.fail, core.assert.',
  },
  SOAR_ENGINE_MAX_TARGETS: {
    title: 'Write step exceeds limits.max_targets',
    retryable: false,
    hint: 'Nothing was written. Narrow the query, or raise limits.max_targets in the playbook if this many targets is intended.',
  },
  SOAR_ENGINE_BLAST_RADIUS: {
    title: 'Response actions exceed limits.response_hosts',
    retryable: false,
    hint: 'Nothing was sent. A run may contain or otherwise act on 10 hosts unless the playbook raises limits.response_hosts; narrow the selection or raise the limit on purpose.',
  },
  SOAR_ENGINE_PROTECTED_HOST: {
    title: 'Response action on a protected host',
    retryable: false,
    hint: 'Nothing was sent. The host matches protected_hosts of the playbook or TALON_PROTECTED_HOSTS; Talon never contains or changes it. Exclude it from the selection.',
  },
  SOAR_ENGINE_STEP_TIMEOUT: {
    title: 'Step timed out',
    retryable: true,
    hint: 'Raise the step `timeout`, or check the Falcon API latency; the step is retried if it has `retry` attempts left.',
  },
  SOAR_ENGINE_STEP_FAILED: {
    title: 'Step failed on purpose (core.fail)',
    retryable: false,
    hint: 'The playbook asked the run to fail; read the message it gave.',
  },
  SOAR_ENGINE_ASSERTION_FAILED: {
    title: 'Assertion failed (core.assert)',
    retryable: false,
    hint: 'A condition the playbook asserts did not hold; read the message and the data of the earlier steps.',
  },
  SOAR_ENGINE_UNKNOWN_OUTCOME: {
    title: 'A write may or may not have been applied',
    retryable: false,
    hint: 'A crash interrupted a write that cannot be read back or safely repeated; check the target in Falcon, then re-run by hand.',
  },
  SOAR_ENGINE_OUTPUT_TOO_LARGE: {
    title: 'A step output is too large to checkpoint',
    retryable: false,
    hint: 'Keep only what later steps read with the step field `select:` (a projection applied to each page or batch), or fetch less with `paginate: { max_items: N }`.',
  },
  SOAR_ENGINE_STOPPED: {
    title: 'Run handed back by a stopping worker',
    retryable: true,
    hint: 'The worker shut down (a deploy, SIGTERM) past its grace period; the run was stopped between two requests and is handed back: another worker resumes it from its checkpoints. Nothing to do.',
  },
  SOAR_ENGINE_CANCELLED: {
    title: 'Run cancelled',
    retryable: false,
    hint: 'The run was cancelled by an operator or a shutdown; start it again if it is still needed.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
