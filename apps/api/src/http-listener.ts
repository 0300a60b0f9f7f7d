import type { Server } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import { sendingDirectStreams } from './gateway/direct-stream.ts';

/** Options of {@link listenHttp}. */
export interface ListenHttpOptions {
  /** The app's fetch handler (`app.fetch`). */
  fetch: Parameters<typeof serve>[0]['fetch'];
  /** 0 picks a free port. */
  port: number;
  /** Address to bind (`HOST`): loopback unless the operator opens it up. */
  host: string;
  /**
   * A request's headers and body must both have arrived within this long after it began, or
   * the connection is closed (Node answers 408). Waiting for the answer does not count: a hot
   * summary may take longer than this once its body is in.
   */
  requestTimeoutMs: number;
  /** The headers must have arrived within this long; at most `requestTimeoutMs`. */
  headersTimeoutMs: number;
}

/** A listening server and the address it is bound to. */
export interface HttpListener {
  server: ServerType;
  host: string;
  port: number;
}

/**
 * Starts the HTTP server with the API's socket policy: bound to `host`, and slow senders cut
 * off by the request and header timeouts instead of Node's 300 s default.
 *
 * @example
 * const { server, port } = await listenHttp({ fetch: app.fetch, port: 3000, host: '127.0.0.1',
 *   requestTimeoutMs: 120_000, headersTimeoutMs: 10_000 });
 */
export async function listenHttp(options: ListenHttpOptions): Promise<HttpListener> {
  const headersTimeout = Math.min(options.headersTimeoutMs, options.requestTimeoutMs);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve(
      {
        // Streamed gateway answers write to the socket themselves once the app has answered.
        fetch: sendingDirectStreams(options.fetch),
        port: options.port,
        hostname: options.host,
        serverOptions: {
          requestTimeout: options.requestTimeoutMs,
          headersTimeout,
          // Node looks for expired requests only this often (30 s by default), which would
          // stretch a 10 s header limit to 40 s.
          connectionsCheckingInterval: Math.max(100, Math.min(1000, headersTimeout / 2)),
        },
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const address = (server as Server).address();
  return {
    server,
    host: typeof address === 'object' && address ? address.address : options.host,
    port: typeof address === 'object' && address ? address.port : options.port,
  };
}
