/**
 * Reads one Event Streams data feed: `GET <dataFeedURL>[&offset=N]` with `Authorization: Token ...`,
 * `Accept: application/json` and keep-alive (the headers gofalcon, falconjs and the integration
 * gateway send), then newline-delimited JSON events until the server ends the feed, nothing arrives
 * for `idleTimeoutMs` (a stalled stream), or the caller aborts. Events are handed over in batches
 * (one per chunk read) and the socket is not read while a batch is handled, so a slow consumer
 * slows the feed instead of buffering it. Blank lines are keep-alives. I/O only: what an event
 * means is the trigger's business.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FalconApiError } from '../errors.ts';
import type { StreamDescriptor } from './descriptor.ts';

export interface FeedEvent {
  partition: number;
  offset: number;
  eventType: string;
  /** metadata.eventCreationTime (epoch ms), or null when absent. */
  createdAtMs: number | null;
  /** The whole parsed line: {metadata, event}. */
  raw: Record<string, unknown>;
}

export interface ReadFeedOptions {
  descriptor: StreamDescriptor;
  /** First offset wanted (inclusive); 0 = from the oldest the feed keeps (no offset parameter sent). */
  offset: number;
  /** The feed counts as stalled after this long without a byte (keep-alives count). */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  onBatch(events: FeedEvent[]): Promise<void>;
  /** A line that is not a usable event (it is skipped). */
  onBadLine?(line: string, reason: string): void;
  /** Called once the feed answered 200. */
  onOpen?(): void;
}

/** Why a feed ended without an error. */
export type FeedEnd = 'ended' | 'idle' | 'aborted';

/**
 * Reads the feed until it ends.
 * @throws FalconApiError when the feed cannot be opened (status and the server's reason) or breaks
 *   mid-way (SOAR_FALCON_NETWORK); errors thrown by onBatch propagate unchanged.
 */
export async function readFeed(options: ReadFeedOptions): Promise<FeedEnd> {
  const { descriptor } = options;
  const url = new URL(
    options.offset > 0 ? `${descriptor.dataFeedURL}&offset=${options.offset}` : descriptor.dataFeedURL,
  );
  const response = await open(url, descriptor.token, options.signal);
  options.onOpen?.();
  let idle = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      response.destroy();
    }, options.idleTimeoutMs);
  };
  arm();
  let rest = '';
  try {
    for await (const chunk of response) {
      arm();
      const text = rest + (chunk as Buffer).toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      const events: FeedEvent[] = [];
      for (const line of lines) {
        if (line.trim() === '') continue;
        const event = parseLine(descriptor.partition, line);
        if (typeof event === 'string') options.onBadLine?.(line, event);
        else events.push(event);
      }
      if (events.length > 0) {
        if (timer) clearTimeout(timer);
        try {
          await options.onBatch(events);
        } catch (error) {
          throw new ConsumerError(error);
        }
        arm();
      }
    }
  } catch (error) {
    if (error instanceof ConsumerError) throw error.cause;
    if (idle) return 'idle';
    if (options.signal?.aborted) return 'aborted';
    throw new FalconApiError(
      'SOAR_FALCON_NETWORK',
      `event stream partition ${descriptor.partition} broke: ${error instanceof Error ? error.message : String(error)}`,
      { operationId: 'datafeed' },
    );
  } finally {
    if (timer) clearTimeout(timer);
    response.destroy();
  }
  if (idle) return 'idle';
  if (options.signal?.aborted) return 'aborted';
  return 'ended';
}

/** Carries an error of onBatch through the read loop unchanged. */
class ConsumerError extends Error {
  constructor(cause: unknown) {
    super('consumer failed', { cause });
  }
}

function parseLine(partition: number, line: string): FeedEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const metadata = (value as { metadata?: Record<string, unknown> } | null)?.metadata;
  const offset = metadata?.['offset'];
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    return 'no integer metadata.offset';
  const created = metadata?.['eventCreationTime'];
  return {
    partition,
    offset,
    eventType: String(metadata?.['eventType'] ?? ''),
    createdAtMs: typeof created === 'number' ? created : null,
    raw: value as Record<string, unknown>,
  };
}

function open(url: URL, token: string, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      headers: {
        Accept: 'application/json',
        Authorization: `Token ${token}`,
        Connection: 'Keep-Alive',
        Date: new Date().toUTCString(),
      },
      ...(signal ? { signal } : {}),
    });
    req.once('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(response);
        return;
      }
      // The body usually says why (an expired session token, for example): keep one short line of it.
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => {
        if (body.length < 512) body += part;
      });
      response.once('end', () => {
        const reason = body.slice(0, 512).replace(/\s+/g, ' ').trim();
        reject(
          new FalconApiError(
            status === 401
              ? 'SOAR_FALCON_AUTH'
              : status === 429
                ? 'SOAR_FALCON_RATE_LIMITED'
                : 'SOAR_FALCON_HTTP_4XX',
            `event stream feed answered ${status}${reason ? `: ${reason}` : ''}`,
            { operationId: 'datafeed', status },
          ),
        );
      });
    });
    req.once('error', (error) => {
      reject(
        new FalconApiError('SOAR_FALCON_NETWORK', `cannot open the event stream feed: ${error.message}`, {
          operationId: 'datafeed',
        }),
      );
    });
    req.end();
  });
}
