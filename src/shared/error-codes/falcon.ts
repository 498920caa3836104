import type { ErrorCodeEntry } from './entry.ts';

/** Codes raised by src/falcon. Names are SOAR_FALCON_<DETAIL>. */
export const FALCON_ERROR_CODES = {
  SOAR_FALCON_AUTH: {
    title: 'Falcon authentication failed',
    retryable: false,
    hint: 'Check FALCON_CLIENT_ID, FALCON_CLIENT_SECRET, FALCON_CLOUD and FALCON_MEMBER_CID; the token request was refused or the token was rejected twice.',
  },
  SOAR_FALCON_FORBIDDEN: {
    title: 'Falcon denied the operation',
    retryable: false,
    hint: 'Give the API client the scope the operation needs (talon validate lists them) or check the IP allowlist.',
  },
  SOAR_FALCON_RATE_LIMITED: {
    title: 'Falcon rate limit reached',
    retryable: true,
    hint: 'Falcon answered 429 more often than the retry budget allows; lower concurrency or wait retryAfterMs.',
  },
  SOAR_FALCON_HTTP_4XX: {
    title: 'Falcon rejected the request',
    retryable: false,
    hint: 'Read the API errors in the message (errors[].message); fix the parameters or ids and try again.',
  },
  SOAR_FALCON_HTTP_5XX: {
    title: 'Falcon server error',
    retryable: true,
    hint: 'The Falcon API failed; reads were retried with backoff. Try again later; quote the trace id to CrowdStrike support.',
  },
  SOAR_FALCON_NETWORK: {
    title: 'Falcon unreachable',
    retryable: true,
    hint: 'Check network access to the Falcon base URL (DNS, proxy, firewall) and FALCON_CLOUD.',
  },
  SOAR_FALCON_TIMEOUT: {
    title: 'Falcon request timed out',
    retryable: true,
    hint: 'The API did not answer within the timeout; raise timeoutMs or try again later.',
  },
  SOAR_FALCON_ABORTED: {
    title: 'Falcon request cancelled',
    retryable: false,
    hint: 'The caller cancelled the request (run cancelled or shutting down); nothing to fix.',
  },
  SOAR_FALCON_BAD_RESPONSE: {
    title: 'Unreadable Falcon response',
    retryable: true,
    hint: 'The API answered something that is not the JSON envelope; check the base URL points at a Falcon API.',
  },
  SOAR_FALCON_UNKNOWN_OPERATION: {
    title: 'Unknown Falcon operation',
    retryable: false,
    hint: 'Use an operationId, a PEP 8 name or collection.name from the operations table; see the suggestions in the message.',
  },
  SOAR_FALCON_BAD_PARAMS: {
    title: 'Invalid operation parameters',
    retryable: false,
    hint: 'Fix the named parameter: unknown names, missing required ones, wrong types and id lists over the limit are refused before sending.',
  },
  SOAR_FALCON_DECOMMISSIONED: {
    title: 'Falcon operation removed',
    retryable: false,
    hint: 'The route no longer exists in the Falcon API; use the successor named in the message.',
  },
  SOAR_FALCON_PAGINATION: {
    title: 'Falcon pagination broken',
    retryable: false,
    hint: 'The API said more results remain but gave no offset or after token to fetch them; narrow the filter.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;
