import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/triggers and the webhook server. Names are SOAR_TRIGGERS_<DETAIL>. */
export const TRIGGERS_ERROR_CODES = {
  SOAR_TRIGGERS_WEBHOOK_SIGNATURE: {
    title: 'Bad webhook signature',
    retryable: false,
    hint: 'Send X-Talon-Delivery: <unique id> and X-Talon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 with the route secret over "v1\\n<METHOD>\\n/hooks/<path>\\n<t>\\n<delivery id>\\n" followed by the body> (docs/playbooks.md).',
  },
  SOAR_TRIGGERS_WEBHOOK_REPLAY: {
    title: 'Webhook timestamp outside the replay window or delivered twice',
    retryable: false,
    hint: 'Sign each delivery with the current time (clocks within 5 minutes) and do not resend an identical signed request; sign it again instead.',
  },
  SOAR_TRIGGERS_WEBHOOK_TOO_LARGE: {
    title: 'Webhook body too large',
    retryable: false,
    hint: 'Send a smaller body (ids, not full objects); the limit is shown in the message.',
  },
  SOAR_TRIGGERS_WEBHOOK_MALFORMED: {
    title: 'Malformed webhook body',
    retryable: false,
    hint: 'Send a JSON object with Content-Type: application/json.',
  },
  SOAR_TRIGGERS_WEBHOOK_UNKNOWN: {
    title: 'No playbook for this webhook path',
    retryable: false,
    hint: 'Check the path against the `webhook: { path }` triggers of the loaded playbooks.',
  },
  SOAR_TRIGGERS_WEBHOOK_NO_SECRET: {
    title: 'Webhook secret not configured',
    retryable: false,
    hint: 'Set the variable named by the trigger secret_env to at least 16 characters on the server (each route has its own secret).',
  },
  SOAR_TRIGGERS_CRON_INVALID: {
    title: 'Invalid cron expression',
    retryable: false,
    hint: 'Use node-cron syntax: 5 or 6 fields (optional seconds first), for example "*/5 * * * *".',
  },
  SOAR_TRIGGERS_POLL_FAILED: {
    title: 'Poll query failed',
    retryable: true,
    hint: 'The poll trigger query failed; it is tried again on the next interval. Check Falcon credentials and scopes.',
  },
  SOAR_TRIGGERS_STREAM_SCOPE: {
    title: 'The API client may not read Event Streams',
    retryable: false,
    hint: 'Give the API client the "Event streams: Read" permission (scope streaming:read) in the Falcon console, then restart the scheduler.',
  },
  SOAR_TRIGGERS_STREAM_FAILED: {
    title: 'Event stream connection failed',
    retryable: true,
    hint: 'The stream trigger reconnects by itself with backoff; check network access to the Falcon API and the feed URL if this repeats.',
  },
  SOAR_TRIGGERS_STREAM_BAD_EVENT: {
    title: 'Malformed event on the stream',
    retryable: false,
    hint: 'A line of the data feed was not a JSON event with metadata.offset; it is skipped and logged with its partition.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
