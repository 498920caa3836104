/**
 * The Event Streams data feed: `GET <dataFeedURL>[&offset=N]` with `Authorization: Token <session
 * token>` answers 200 and then never ends on its own: every event of the partition from `offset`
 * (inclusive) as one JSON object per line, new events as they happen, and an empty line when idle
 * (keep-alive; gofalcon's decoder, falconjs and the integration gateway all skip blank lines). The
 * feed closes when its session expires (not refreshed), and the faults of the admin surface can drop
 * or stall every open feed.
 */
import type { EmulatorServices, Exchange } from './exchange.ts';
import { FalconReplyError, badRequest } from './http/reply-error.ts';
import { FEED_PATH_PREFIX } from './routes/streams.ts';
import type { StreamEvent } from './state/events.ts';
import type { OpenFeed } from './feed-registry.ts';

/** The pseudo operation id faults use to target the feed (e.g. a 503 or a drop on open). */
export const FEED_OPERATION_ID = 'datafeed';

/** True when this request is for a data feed. */
export function isFeedRequest(exchange: Exchange): boolean {
  return exchange.method === 'GET' && exchange.path.startsWith(FEED_PATH_PREFIX);
}

/**
 * Serves one data feed until the client leaves, the session expires or a fault drops it.
 * @throws FalconReplyError (401, 400, 404) before anything is written.
 */
export async function serveFeed(
  services: EmulatorServices,
  exchange: Exchange,
  applyFault: (operationId: string) => Promise<void>,
): Promise<void> {
  const { state, options, feeds } = services;
  const clock = options.clock;
  exchange.operationId = FEED_OPERATION_ID;
  exchange.poweredBy = 'datafeed';
  const partition = Number(exchange.path.slice(FEED_PATH_PREFIX.length));
  if (!Number.isInteger(partition) || partition < 0 || partition >= state.events.partitions)
    throw new FalconReplyError(404, `no stream partition at ${exchange.path}`);
  const appId = exchange.query.string('appId') ?? '';
  const offsetText = exchange.query.string('offset') ?? '0';
  if (!/^\d{1,15}$/.test(offsetText))
    throw badRequest(`offset must be a non-negative integer (got "${offsetText}")`);
  const header = exchange.req.headers.authorization ?? '';
  const token = header.startsWith('Token ') ? header.slice('Token '.length).trim() : '';
  const session = state.streamSessions.byFeedToken(token, clock.now());
  if (!session || session.appId !== appId || session.partition !== partition)
    throw new FalconReplyError(401, 'invalid or expired stream session token: list the streams again');
  await applyFault(FEED_OPERATION_ID);

  const res = exchange.res;
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Cs-Traceid': exchange.traceId });
  res.flushHeaders();
  const feed: OpenFeed = { appId, partition, res };
  feeds.open.add(feed);
  let held: string[] = [];
  let lastWriteMs = clock.now();
  const write = (text: string) => {
    lastWriteMs = clock.now();
    res.write(text);
  };
  // Backlog first, then live events: both happen in this tick, so nothing falls between them.
  const backlog = state.events.from(partition, Number(offsetText));
  for (let i = 0; i < backlog.length; i += 1000) {
    write(
      `${backlog
        .slice(i, i + 1000)
        .map((e) => e.line)
        .join('\n')}\n`,
    );
  }
  const unsubscribe = state.events.subscribe((event: StreamEvent) => {
    if (event.partition !== partition) return;
    // An expired session sends nothing more; the timer below ends the feed.
    if (!state.streamSessions.byFeedToken(token, clock.now())) return;
    if (clock.now() < feeds.stalledUntilMs) held.push(event.line);
    else write(`${event.line}\n`);
  });
  const tickMs = Math.min(options.streamKeepAliveMs, 200);
  const timer = setInterval(() => {
    const now = clock.now();
    if (!state.streamSessions.byFeedToken(token, now)) {
      res.end();
      return;
    }
    if (now < feeds.stalledUntilMs) return;
    if (held.length > 0) {
      write(`${held.join('\n')}\n`);
      held = [];
    } else if (now - lastWriteMs >= options.streamKeepAliveMs) {
      write('\n');
    }
  }, tickMs);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(timer);
      unsubscribe();
      feeds.open.delete(feed);
      resolve();
    };
    res.once('close', done);
  });
}
