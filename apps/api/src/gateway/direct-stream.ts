import { type IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { GatewayAnswer } from '@nightshift/gateway';
import type { Context } from 'hono';
import type { PieceStreamOptions } from './piece-stream.ts';

/** What `@hono/node-server` hands the app as `c.env` on a real socket, with our marks. */
interface NodeBindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
  /** Set by {@link sendingDirectStreams}: it will start a writer the route leaves. */
  [listening]?: true;
  /** The writer a route left, waiting for the app's final headers. */
  [writer]?: (headers: Headers | undefined) => void;
}

const listening = Symbol('direct streams are sent');
const writer = Symbol('direct stream writer');

/** The answer header that tells `@hono/node-server` the route wrote the response itself. */
const ALREADY_SENT = [...RESPONSE_ALREADY_SENT.headers.keys()][0] ?? 'x-hono-already-sent';
// Made a plain `Response` if it is the server's lightweight one (loaded after the server
// replaced the global): a lightweight one would have its headers written again.
void RESPONSE_ALREADY_SENT.body;

/**
 * A streamed answer written straight to the Node socket rather than through a web
 * `ReadableStream`: each piece is one `write` (the first one with the headers), and the caller's
 * pace holds the next piece back (`drain`). The route returns the marker this answers; once the
 * app's middleware has added its headers to it, {@link sendingDirectStreams} starts the writing.
 * Undefined where the app was not called through {@link sendingDirectStreams} on a Node HTTP/1
 * socket (`app.request()` in tests): stream the answer as a `Response` instead.
 *
 * A caller that goes away aborts the request's signal (the server's close handler), which ends
 * the gateway call and frees its upstream. A caller that stays but stops reading holds the
 * writer on a full socket until the call's end (its total deadline): then the socket is closed
 * too, rather than kept until the caller closes it.
 *
 * @example
 * return directStream(c, answer, headers, options) ?? new Response(pieceStream(answer.pieces, options), { headers });
 */
export function directStream<T>(
  c: Context,
  answer: Pick<GatewayAnswer<T>, 'pieces' | 'ended'>,
  headers: Record<string, string>,
  options: PieceStreamOptions<T>,
): Response | undefined {
  const env = c.env as Partial<NodeBindings> | undefined;
  if (!env?.[listening] || !(env.outgoing instanceof ServerResponse)) return undefined;
  const { outgoing } = env;
  env[writer] = (final) => {
    if (final) void writePieces(outgoing, final, answer, options);
    else void stop(answer.pieces);
  };
  return new Response(null, { headers: { ...headers, [ALREADY_SENT]: 'true' } });
}

/**
 * The app's fetch handler, starting the writer {@link directStream} left: after the whole
 * middleware chain has run, so the answer carries every header it added (security headers).
 *
 * @example
 * serve({ fetch: sendingDirectStreams(app.fetch) });
 */
export function sendingDirectStreams<F extends (request: Request, env: never) => unknown>(
  fetch: F,
): F {
  return (async (request: Request, env: unknown) => {
    const bindings = env as Partial<NodeBindings> | undefined;
    if (bindings && typeof bindings === 'object') bindings[listening] = true;
    const response = (await fetch(request, env as never)) as Response;
    const write = bindings?.[writer];
    if (!write) return response;
    bindings[writer] = undefined;
    if (!response.headers.has(ALREADY_SENT)) {
      // Another answer replaced the stream (a middleware's refusal).
      write(undefined);
      return response;
    }
    write(response.headers);
    return RESPONSE_ALREADY_SENT;
  }) as unknown as F;
}

/** The stream was not sent: the call is stopped (its upstream call aborted, its slot freed). */
async function stop<T>(pieces: AsyncIterable<T>): Promise<void> {
  for await (const _ of pieces) break;
}

async function writePieces<T>(
  outgoing: ServerResponse,
  headers: Headers,
  { pieces, ended }: Pick<GatewayAnswer<T>, 'pieces' | 'ended'>,
  options: PieceStreamOptions<T>,
): Promise<void> {
  const record: Record<string, string> = {};
  for (const [name, value] of headers)
    if (name !== ALREADY_SENT && name !== 'content-length') record[name] = value;
  outgoing.writeHead(200, record);
  try {
    for await (const piece of pieces) {
      if (outgoing.destroyed) return;
      const text = options.encode(piece);
      if (text === undefined) continue;
      // Nothing is read from the upstream while the caller's socket is full.
      if (!outgoing.write(text)) await drained(outgoing, ended);
      if (ended.aborted && outgoing.writableNeedDrain) {
        // The caller stopped reading past the call's end: no failure line could reach it.
        outgoing.destroy();
        return;
      }
    }
    if (!outgoing.destroyed) outgoing.end(options.end);
  } catch (error) {
    if (!outgoing.destroyed) outgoing.end(options.failure(error));
  }
}

/** Until the socket takes more, closes, or the call ends. */
function drained(outgoing: ServerResponse, ended: AbortSignal): Promise<void> {
  if (ended.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      ended.removeEventListener('abort', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
    ended.addEventListener('abort', done, { once: true });
  });
}
