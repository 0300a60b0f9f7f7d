import type { MiddlewareHandler } from 'hono';

/** Options of {@link streamedBodyLimit}. */
export interface StreamedBodyLimitOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** The answer when the body is larger. */
  onTooLarge: (c: Parameters<MiddlewareHandler>[0]) => Response;
}

/** Raised inside the body stream when it passes the limit. */
export class BodyTooLargeError extends Error {}

/**
 * A body size limit that never buffers: a declared `content-length` over the limit is refused
 * at once; otherwise the body is counted as the handler reads it and the stream fails past the
 * limit, whatever the handler made of that failure, the answer is `onTooLarge`.
 * (Hono's `bodyLimit` reads a chunked body whole into memory before the handler runs.)
 *
 * @example
 * app.post('/', streamedBodyLimit({ maxBytes, onTooLarge: (c) => c.text('too large', 413) }), h);
 */
export function streamedBodyLimit(options: StreamedBodyLimitOptions): MiddlewareHandler {
  // The rest of the body is never read: the connection cannot carry another request, and a
  // client that put it back in its pool would see its next request fail.
  const refuse = (c: Parameters<MiddlewareHandler>[0]) => {
    const response = options.onTooLarge(c);
    response.headers.set('connection', 'close');
    return response;
  };
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.method === 'GET' || raw.method === 'HEAD') return next();
    // Read from the headers before `raw.body`: on @hono/node-server, touching the body builds a
    // web stream over the socket, and the handler's `text()` then goes through it instead of
    // reading the socket directly.
    const declared = raw.headers.get('content-length');
    if (declared !== null && !raw.headers.has('transfer-encoding')) {
      if (Number.parseInt(declared, 10) > options.maxBytes) return refuse(c);
      // Node's parser stops a body at its declared length: a declared size within the limit
      // holds, and the body needs no counting.
      return next();
    }
    if (!raw.body) return next();
    let seen = 0;
    let overflowed = false;
    const counted = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > options.maxBytes) {
            overflowed = true;
            controller.error(new BodyTooLargeError('request body over the limit'));
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
    if (overflowed) {
      c.res = undefined;
      c.res = refuse(c);
    }
  };
}
