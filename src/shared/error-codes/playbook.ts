// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${{ }} is playbook expression syntax, not a JS template.
import type { ErrorCodeEntry } from './entry.ts';

const fix = (what: string): ErrorCodeEntry => ({ title: what, retryable: false, hint: '' });

/** Codes raised by src/playbook (loading, validation, expressions). Names are SOAR_PLAYBOOK_* / SOAR_EXPR_*. */
export const PLAYBOOK_ERROR_CODES = {
  SOAR_PLAYBOOK_INVALID: {
    ...fix('Playbook has errors'),
    hint: 'Run `talon validate <file>` and fix every listed diagnostic.',
  },
  SOAR_PLAYBOOK_READ: {
    ...fix('Playbook file unreadable'),
    hint: 'Check the path and the file permissions.',
  },
  SOAR_PLAYBOOK_TOO_LARGE: {
    ...fix('Playbook file too large'),
    hint: 'A playbook is at most 1 MiB; split it or move data into inputs.',
  },
  SOAR_PLAYBOOK_YAML: { ...fix('YAML syntax error'), hint: 'Fix the YAML at the given line and column.' },
  SOAR_PLAYBOOK_TAB_INDENT: { ...fix('Tab in indentation'), hint: 'YAML indents with spaces only.' },
  SOAR_PLAYBOOK_DUPLICATE_KEY: {
    ...fix('Duplicate key'),
    hint: 'Each key may appear once per mapping; remove or rename one of them.',
  },
  SOAR_PLAYBOOK_ALIAS_LIMIT: {
    ...fix('Too many YAML aliases'),
    hint: 'Playbooks may use a few anchors and aliases, not alias chains that expand exponentially.',
  },
  SOAR_PLAYBOOK_NOT_MAPPING: {
    ...fix('Playbook is not a mapping'),
    hint: 'A playbook file holds one YAML mapping with name, steps and so on.',
  },
  SOAR_PLAYBOOK_SCHEMA: { ...fix('Playbook shape is wrong'), hint: 'See docs/playbooks.md for the fields.' },
  SOAR_PLAYBOOK_UNKNOWN_FIELD: {
    ...fix('Unknown field'),
    hint: 'Remove the field or fix its spelling; see docs/playbooks.md.',
  },
  SOAR_PLAYBOOK_UNKNOWN_OPERATION: {
    ...fix('Unknown operation'),
    hint: 'Use collection.operation (e.g. alerts.query_alerts_v2), an operationId, or a core.* action.',
  },
  SOAR_PLAYBOOK_UNKNOWN_PARAM: {
    ...fix('Parameter not taken by the operation'),
    hint: 'Remove it, fix its spelling, or pass raw fields through `body`/`parameters`.',
  },
  SOAR_PLAYBOOK_MISSING_PARAM: {
    ...fix('Required parameter missing'),
    hint: 'Add the parameter under `with`.',
  },
  SOAR_PLAYBOOK_BAD_PARAM_VALUE: {
    ...fix('Parameter value not allowed'),
    hint: 'Use one of the values the operation accepts.',
  },
  SOAR_PLAYBOOK_DUPLICATE_STEP_ID: { ...fix('Duplicate step id'), hint: 'Give every step its own id.' },
  SOAR_PLAYBOOK_UNKNOWN_STEP_REF: {
    ...fix('Reference to an unknown step'),
    hint: 'Refer to the id of an earlier step.',
  },
  SOAR_PLAYBOOK_FORWARD_STEP_REF: {
    ...fix('Reference to a step that has not run yet'),
    hint: 'A step can read only steps listed before it; move the step or the reference.',
  },
  SOAR_PLAYBOOK_UNKNOWN_INPUT: { ...fix('Unknown input'), hint: 'Declare the input under `inputs:`.' },
  SOAR_PLAYBOOK_UNKNOWN_ENV: {
    ...fix('Environment variable not allowed'),
    hint: 'List the variable under `env:` to let expressions read it.',
  },
  SOAR_PLAYBOOK_UNKNOWN_CONTEXT: {
    ...fix('Unknown expression context'),
    hint: 'Expressions read inputs, steps, item, index, run, trigger and env.',
  },
  SOAR_PLAYBOOK_INPUT_DEFAULT: {
    ...fix('Input default does not match its type'),
    hint: 'Make the default match the input type and enum.',
  },
  SOAR_PLAYBOOK_CRON: {
    ...fix('Invalid cron expression'),
    hint: 'Use 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.',
  },
  SOAR_PLAYBOOK_TIMEZONE: {
    ...fix('Unknown time zone'),
    hint: 'Use an IANA time zone name such as UTC or Europe/Berlin.',
  },
  SOAR_PLAYBOOK_FOREACH_ITEMS: {
    ...fix('foreach without items'),
    hint: 'Give foreach an expression or a list, e.g. foreach: ${{ steps.find.resources }}.',
  },
  SOAR_PLAYBOOK_POLL_OPERATION: {
    ...fix('Poll trigger needs a query operation'),
    hint: 'Poll a read operation that returns ids, e.g. alerts.query_alerts_v2.',
  },
  SOAR_PLAYBOOK_POLL_INTERVAL: {
    ...fix('Poll interval out of range'),
    hint: 'Give poll.every between 1s and 24d (a timer cannot wait longer than 2^31-1 ms).',
  },
  SOAR_PLAYBOOK_STREAM_TRIGGER: {
    ...fix('Invalid stream trigger'),
    hint: 'List Event Streams event types under events; batch_size and batch_window go with mode: batch.',
  },
  SOAR_PLAYBOOK_DUPLICATE_WEBHOOK: {
    ...fix('Duplicate webhook path'),
    hint: 'Give each webhook trigger its own path.',
  },
  SOAR_PLAYBOOK_DECOMMISSIONED: {
    ...fix('Operation is decommissioned'),
    hint: 'Move the step to the successor operation; --strict turns this warning into an error.',
  },
  SOAR_PLAYBOOK_UNUSED_INPUT: {
    ...fix('Input is never read'),
    hint: 'Read it in an expression (${{ inputs.<name> }}) or remove it; --strict turns this warning into an error.',
  },
  SOAR_PLAYBOOK_TEST_INVALID: {
    ...fix('Playbook test file is invalid'),
    hint: 'Fix the named field of the *.test.yaml file; docs/testing.md describes the format.',
  },
  SOAR_PLAYBOOK_TEST_RECORD: {
    ...fix('Run cannot be recorded as a test'),
    hint: 'Record a finished run whose recording is complete (docs/testing.md, "Recording a run"); the message says what is missing.',
  },
  SOAR_PLAYBOOK_DUPLICATE_NAME: {
    ...fix('Duplicate playbook name'),
    hint: 'Every playbook in a directory needs its own name.',
  },
  SOAR_EXPR_SYNTAX: {
    ...fix('Expression syntax error'),
    hint: 'Fix the JSONata inside ${{ }} at the given position.',
  },
  SOAR_EXPR_FORBIDDEN: {
    ...fix('Expression uses a forbidden function'),
    hint: 'Expressions may not evaluate text as code ($eval).',
  },
  SOAR_EXPR_SLOW_REGEX: {
    ...fix('Regular expression may backtrack catastrophically'),
    hint: 'Rewrite the regex so no repeated group holds another unbounded repetition or branches that can start with the same character ((a+)+ -> a+, (\\w|\\d)+ -> \\w+). talon worker, scheduler and serve refuse such playbooks.',
  },
  SOAR_EXPR_EVAL: {
    ...fix('Expression failed at run time'),
    hint: 'Check the expression against the data the step received.',
  },
  SOAR_EXPR_TIMEOUT: {
    ...fix('Expression took too long'),
    hint: 'Simplify the expression; it runs under a time bound.',
  },
  SOAR_EXPR_RESULT_TOO_LARGE: {
    ...fix('Expression result too large'),
    hint: 'Select fewer fields or items; results have a size bound.',
  },
  SOAR_PLAYBOOK_UNKNOWN_SECRET: {
    ...fix('Unknown secret name'),
    hint: 'Define the secret where the playbook is validated and run (TALON_SECRET_<NAME>, TALON_SECRET_<NAME>_FILE, or a file in TALON_SECRETS_DIR), or fix the name.',
  },
  SOAR_PLAYBOOK_SECRET_MISPLACED: {
    ...fix('Secret used where no secret belongs'),
    hint: 'secrets.NAME may only be the whole value of a secret parameter (a webhook URL, an SMTP URL, http.request auth); docs/playbooks.md lists them.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
