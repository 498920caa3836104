/**
 * Event Streams (docs/event-streams.md): listAvailableStreamsOAuth2 opens a session per partition
 * for the caller's appId and answers the resource gofalcon's MainAvailableStreamV2 and falconjs's
 * model read (dataFeedURL, sessionToken {token, expiration}, refreshActiveSessionURL,
 * refreshActiveSessionInterval); refreshActiveStreamSession extends the session of one partition.
 * The feed itself is served by ../stream-feed.ts.
 */
import { REFRESH_ACTION_NAME } from '../../falcon/operations/index.ts';
import { FalconReplyError, badRequest } from '../http/reply-error.ts';
import type { RouteContext, RouteResult, RouteTable } from './types.ts';

/** The feed route prefix; the partition follows, then `?appId=...`. */
export const FEED_PATH_PREFIX = '/sensors/entities/datafeed/v1/';

const APP_ID = /^[A-Za-z0-9]{1,32}$/;

function appIdOf(ctx: RouteContext): string {
  const appId = ctx.query.string('appId') ?? '';
  if (!APP_ID.test(appId))
    throw badRequest(`appId must be 1 to 32 alphanumeric characters (a-z, A-Z, 0-9), got "${appId}"`);
  return appId;
}

function listStreams(ctx: RouteContext): RouteResult {
  const appId = appIdOf(ctx);
  const format = ctx.query.string('format') ?? 'json';
  if (format !== 'json' && format !== 'flatjson') throw badRequest('format must be json or flatjson');
  const { stream } = ctx;
  const resources = [];
  for (let partition = 0; partition < ctx.state.events.partitions; partition++) {
    const session = ctx.state.streamSessions.open(appId, partition, ctx.nowMs, stream.sessionSeconds * 1000);
    const query = `appId=${encodeURIComponent(appId)}`;
    resources.push({
      dataFeedURL: `${stream.origin}${FEED_PATH_PREFIX}${partition}?${query}`,
      sessionToken: { token: session.token, expiration: new Date(session.expiresAtMs).toISOString() },
      refreshActiveSessionURL: `${stream.origin}/sensors/entities/datafeed-actions/v1/${partition}?${query}&action_name=${REFRESH_ACTION_NAME}`,
      refreshActiveSessionInterval: stream.sessionSeconds,
    });
  }
  return { resources };
}

function refreshStream(ctx: RouteContext): RouteResult {
  const appId = appIdOf(ctx);
  const partition = Number(ctx.pathParams['partition']);
  if (!Number.isInteger(partition) || partition < 0 || partition >= ctx.state.events.partitions)
    throw new FalconReplyError(404, `no stream partition "${ctx.pathParams['partition'] ?? ''}"`);
  const renewed = ctx.state.streamSessions.refresh(
    appId,
    partition,
    ctx.nowMs,
    ctx.stream.sessionSeconds * 1000,
  );
  if (!renewed)
    throw new FalconReplyError(
      404,
      `no active stream session for appId "${appId}" on partition ${partition}: list the streams again`,
    );
  return { resources: [] };
}

export const STREAMS_ROUTES: RouteTable = {
  'GET /sensors/entities/datafeed/v2': listStreams,
  'POST /sensors/entities/datafeed-actions/v1/{partition}': refreshStream,
};
