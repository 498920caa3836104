/**
 * Reads a request body up to a size cap and parses it by content type. Oversized bodies, wrong
 * content types and malformed JSON become 4xx replies, never exceptions that reach the socket.
 */
import type { IncomingMessage } from 'node:http';
import { FalconReplyError, badRequest } from './reply-error.ts';

export interface RawBody {
  bytes: Buffer;
  contentType: string;
}

/** Collects the body; rejects with a 413 FalconReplyError once more than `maxBytes` arrive. */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const declared = Number(req.headers['content-length'] ?? '0');
  return new Promise((resolve, reject) => {
    if (declared > maxBytes) {
      reject(tooLarge(declared, maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(size, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve({ bytes: Buffer.concat(chunks), contentType });
    });
    req.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

function tooLarge(size: number, maxBytes: number): FalconReplyError {
  return new FalconReplyError(413, `request body too large: ${size} bytes (at most ${maxBytes})`);
}

/** Parses a JSON body; requires an application/json content type when a body is present. */
export function parseJsonBody(raw: RawBody): unknown {
  const text = raw.bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  if (!raw.contentType.startsWith('application/json')) {
    throw new FalconReplyError(
      415,
      `unsupported content type "${raw.contentType || '(none)'}": send the body as application/json`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`malformed JSON body: ${(error as Error).message}`);
  }
}

/** Parses an application/x-www-form-urlencoded body (the OAuth2 routes). */
export function parseFormBody(raw: RawBody): URLSearchParams {
  const text = raw.bytes.toString('utf8');
  if (text.trim() !== '' && !/^(application\/x-www-form-urlencoded|text\/html)/.test(raw.contentType)) {
    throw new FalconReplyError(
      415,
      `unsupported content type "${raw.contentType || '(none)'}": send the form as application/x-www-form-urlencoded`,
    );
  }
  return new URLSearchParams(text);
}
