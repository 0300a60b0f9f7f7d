/** Options of {@link pieceStream}. */
export interface PieceStreamOptions<T> {
  /** One piece as the text sent for it; undefined sends nothing for that piece. */
  encode: (piece: T) => string | undefined;
  /** Sent after the last piece (`data: [DONE]`); nothing when absent. */
  end?: string;
  /** What a failure after the answer started is sent as (the dialect's error line or event). */
  failure: (error: unknown) => string;
}

/**
 * A response body that takes the next piece from `pieces` only when the socket asks for more,
 * so each piece leaves as the upstream sends it and nothing piles up in memory. A caller that
 * disconnects cancels the body, which stops `pieces` (and so the upstream call).
 *
 * @example
 * return new Response(pieceStream(answer.pieces, { encode: sse, end: 'data: [DONE]\n\n', failure }), { headers });
 */
export function pieceStream<T>(
  pieces: AsyncIterable<T>,
  options: PieceStreamOptions<T>,
): ReadableStream<Uint8Array> {
  const iterator = pieces[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            if (options.end) controller.enqueue(encoder.encode(options.end));
            controller.close();
            return;
          }
          const text = options.encode(next.value);
          if (text !== undefined) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
      } catch (error) {
        controller.enqueue(encoder.encode(options.failure(error)));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Headers of a streamed answer: no proxy or browser may hold pieces back. */
export function streamHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  };
}
