import type { RunningEmulator } from '../../src/emulator/index.ts';
import { type FeedEvent, listStreams, readFeed } from '../../src/falcon/stream/index.ts';
import { clientFor } from './falcon.ts';

/**
 * The first `count` events of partition 0 of an emulator's feed, from its start, read with an appId
 * of its own (so the session of the trigger under test is left alone): what a test counts against.
 */
export async function readFeedFromStart(emulator: RunningEmulator, count: number): Promise<FeedEvent[]> {
  const [stream] = await listStreams(clientFor(emulator), 'testauditor');
  if (!stream) throw new Error('the emulator lists no event stream');
  const events: FeedEvent[] = [];
  const enough = new AbortController();
  await readFeed({
    descriptor: stream,
    offset: 0,
    idleTimeoutMs: 5000,
    signal: enough.signal,
    onBatch: async (batch) => {
      events.push(...batch);
      if (events.length >= count) enough.abort();
    },
  });
  if (events.length < count) throw new Error(`the feed ended after ${events.length} of ${count} events`);
  return events.slice(0, count);
}
