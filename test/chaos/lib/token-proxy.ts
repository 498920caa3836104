/**
 * A plain forwarding HTTP proxy in front of the emulator that remembers every bearer token it sees
 * (the access_token of each /oauth2/token answer and each Authorization header), so a security check
 * can grep Talon's logs and Redis for the exact tokens Talon was issued. Requests and answers pass
 * through unchanged.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenProxy {
  url: string;
  /** Every token seen so far. */
  tokens(): string[];
  close(): Promise<void>;
}

/** Starts a proxy to `target` (http://host:port) on a free port. */
export async function startTokenProxy(target: string): Promise<TokenProxy> {
  const upstream = new URL(target);
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) seen.add(auth.slice('Bearer '.length));
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          if (req.url?.startsWith('/oauth2/token')) {
            const token = /"access_token"\s*:\s*"([^"]+)"/.exec(body.toString('utf8'))?.[1];
            if (token) seen.add(token);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => {
      res.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tokens: () => [...seen],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
