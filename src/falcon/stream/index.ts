/**
 * The Event Streams reader (I/O only): list the streams, refresh a session, read a feed. The stream
 * trigger (src/triggers/stream.ts) decides what to do with events and where offsets are kept.
 */
import { REFRESH_ACTION_NAME } from '../operations/index.ts';
import { parseStreamDescriptor, type StreamDescriptor } from './descriptor.ts';

export { parseStreamDescriptor, refreshDelayMs } from './descriptor.ts';
export type { StreamDescriptor } from './descriptor.ts';
export { readFeed } from './feed.ts';
export type { FeedEnd, FeedEvent, ReadFeedOptions } from './feed.ts';

/** What the reader needs from a Falcon client (FalconClient satisfies it). */
export interface StreamApi {
  call(operation: string, params?: Record<string, unknown>): Promise<{ resources: unknown[] }>;
}

/** An appId as the API accepts it: 1-32 of a-z, A-Z, 0-9. */
export const APP_ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;

/**
 * Lists the streams of the tenant for `appId` (each listing opens new sessions).
 * @throws FalconApiError from the client (403 when the scope streaming:read is missing) or
 *   SOAR_FALCON_BAD_RESPONSE for a descriptor that cannot be used.
 */
export async function listStreams(api: StreamApi, appId: string): Promise<StreamDescriptor[]> {
  const answer = await api.call('listAvailableStreamsOAuth2', { appId, format: 'json' });
  return answer.resources.map(parseStreamDescriptor).sort((a, b) => a.partition - b.partition);
}

/** Extends the session of one partition. @throws FalconApiError (404 when the session is gone). */
export async function refreshStream(api: StreamApi, appId: string, partition: number): Promise<void> {
  await api.call('refreshActiveStreamSession', {
    action_name: REFRESH_ACTION_NAME,
    appId,
    partition,
  });
}
