/**
 * Event Streams (docs/event-streams.md). Routes, parameters and scope from falconpy
 * src/falconpy/_endpoint/_event_streams.py and falconjs src/apis/EventStreamsApi.ts (which asks its
 * token provider for `streaming:read` on both calls). The data feed itself (`dataFeedURL`, a
 * long-lived GET with `Authorization: Token ...`) is not an operation: its URL comes from the list
 * answer and src/falcon/stream reads it.
 */
import type { OperationSpec, ParamSpec } from './types.ts';

const SOURCE =
  'falconpy _endpoint/_event_streams.py; falconjs apis/EventStreamsApi.ts; gofalcon falcon/api_streaming.go';

const APP_ID: ParamSpec = {
  name: 'appId',
  in: 'query',
  type: 'string',
  required: true,
  description: 'Label that identifies your connection. Max: 32 alphanumeric characters (a-z, A-Z, 0-9).',
};

/** The only action name the refresh route accepts (falconpy parameter description). */
export const REFRESH_ACTION_NAME = 'refresh_active_stream_session';

/** Event Streams operations. */
export const EVENT_STREAMS_OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'listAvailableStreamsOAuth2',
    pep8: 'list_available_streams',
    aliases: ['list_available_streams_oauth2'],
    collection: 'event_streams',
    method: 'GET',
    path: '/sensors/entities/datafeed/v2',
    scope: 'streaming:read',
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      APP_ID,
      {
        name: 'format',
        in: 'query',
        type: 'string',
        enum: ['json', 'flatjson'],
        description: 'Format for streaming events.',
      },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'entities',
    summary:
      'Discover the event streams (one per partition): dataFeedURL, sessionToken, refreshActiveSessionURL and refreshActiveSessionInterval.',
    source: SOURCE,
  },
  {
    operationId: 'refreshActiveStreamSession',
    pep8: 'refresh_active_stream',
    aliases: ['refresh_active_stream_session'],
    collection: 'event_streams',
    method: 'POST',
    path: '/sensors/entities/datafeed-actions/v1/{partition}',
    scope: 'streaming:read',
    // Extends a session; changes no entity, and repeating it is harmless.
    kind: 'read',
    idempotent: true,
    successStatus: 200,
    params: [
      {
        name: 'action_name',
        in: 'query',
        type: 'string',
        required: true,
        enum: [REFRESH_ACTION_NAME],
        description: 'Action name. Allowed value is refresh_active_stream_session.',
      },
      APP_ID,
      { name: 'partition', in: 'path', type: 'integer', required: true, minimum: 0 },
    ],
    bodyShape: 'none',
    pagination: 'none',
    resources: 'none',
    summary: 'Refresh an active event stream session (use the partition of the listed stream).',
    source: SOURCE,
  },
];
