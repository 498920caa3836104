import type { ErrorCodeEntry } from './entry.ts';

/**
 * Codes raised by src/secrets (SOAR_SECRET_*) and by the actions in src/actions that reach other
 * services: HTTP calls (SOAR_HTTP_*), chat notifications (SOAR_NOTIFY_*) and mail (SOAR_SMTP_*).
 * None of their messages ever holds a secret value or a webhook URL's path (that path is a secret).
 */
export const ACTIONS_ERROR_CODES = {
  SOAR_SECRET_MISSING: {
    title: 'Named secret not set',
    retryable: false,
    hint: 'Define the secret for the worker: TALON_SECRET_<NAME>, TALON_SECRET_<NAME>_FILE (a path), or a file <NAME> in TALON_SECRETS_DIR.',
  },
  SOAR_SECRET_UNREADABLE: {
    title: 'Secret file cannot be read',
    retryable: false,
    hint: 'Check that the file named by TALON_SECRET_<NAME>_FILE or TALON_SECRETS_DIR exists, is readable by the worker and is not empty.',
  },
  SOAR_ACTION_BAD_PARAM: {
    title: 'Bad parameter for an action',
    retryable: false,
    hint: 'Fix the step `with` value named in the message; docs/playbooks.md lists each action and its parameters.',
  },
  SOAR_HTTP_ADDRESS_BLOCKED: {
    title: 'Destination address refused (private, loopback or link-local)',
    retryable: false,
    hint: 'Talon refuses private, loopback, link-local and other internal addresses (SSRF guard). Call a public address, or set TALON_HTTP_ALLOW_PRIVATE=true on the workers if internal calls are intended.',
  },
  SOAR_HTTP_HOST_NOT_ALLOWED: {
    title: 'Destination host not on the allow list',
    retryable: false,
    hint: 'Add the host (or *.domain) to TALON_HTTP_ALLOW_HOSTS on the workers, or call a host that is on it.',
  },
  SOAR_HTTP_REDIRECT_REFUSED: {
    title: 'Redirect to another host refused',
    retryable: false,
    hint: 'Talon follows redirects only within the same host; call the final URL directly.',
  },
  SOAR_HTTP_RESPONSE_TOO_LARGE: {
    title: 'HTTP answer larger than the limit',
    retryable: false,
    hint: 'Ask the service for less (filters, paging), or raise max_response_bytes on the step (at most 16 MiB).',
  },
  SOAR_HTTP_TIMEOUT: {
    title: 'HTTP request timed out',
    retryable: true,
    hint: 'The service did not answer in time; raise `timeout` on the step or check the service.',
  },
  SOAR_HTTP_UNREACHABLE: {
    title: 'HTTP destination unreachable',
    retryable: true,
    hint: 'The host name did not resolve or the connection failed; check the URL and the network between the workers and the service.',
  },
  SOAR_HTTP_STATUS: {
    title: 'HTTP answer with an error status',
    retryable: false,
    hint: 'The service refused the request (status in the message); 429 and 5xx are retried for idempotent methods. Set fail_on_status: false to handle the status in later steps.',
  },
  SOAR_NOTIFY_REJECTED: {
    title: 'Chat service refused the notification',
    retryable: false,
    hint: 'Slack or Teams answered with an error (reason in the message): check the webhook secret and the message blocks or card.',
  },
  SOAR_SMTP_UNREACHABLE: {
    title: 'SMTP server unreachable',
    retryable: true,
    hint: 'Check the host and port in the SMTP secret and that the workers can reach the server.',
  },
  SOAR_SMTP_TLS: {
    title: 'SMTP TLS failed',
    retryable: false,
    hint: 'Talon sends mail over TLS only (smtps:// or STARTTLS on smtp://): check the server certificate, or give the CA in tls_ca.',
  },
  SOAR_SMTP_REJECTED: {
    title: 'SMTP server refused the mail',
    retryable: false,
    hint: 'The server refused the login, the sender or the recipients (SMTP reply code in the message): check the SMTP secret and the addresses.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
