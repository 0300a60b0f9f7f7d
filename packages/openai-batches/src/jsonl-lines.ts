/** One line of a JSONL stream: its number (from 1) and where its bytes sit in the stream. */
export interface JsonlLine {
  line: number;
  offset: number;
  /** The line's bytes without its newline (and without a `\r` before it); null when too long. */
  bytes: Buffer | null;
  /** Byte length of the line in the stream, without its newline. */
  length: number;
}

/**
 * Splits a byte stream into lines as it arrives, with each line's number and byte offset, so a
 * 200 MB file is read line by line with at most one line in memory. A line longer than
 * `maxLineBytes` comes with `bytes: null` (its bytes are counted, not kept). A line's bytes may
 * share memory with the chunk they came in: the source must not reuse its buffers.
 *
 * @example
 * for await (const { line, bytes } of jsonlLines(files.content(id))) check(line, bytes);
 */
export async function* jsonlLines(
  source: AsyncIterable<Uint8Array>,
  maxLineBytes = 8 * 1024 * 1024,
): AsyncGenerator<JsonlLine> {
  let line = 1;
  let lineStart = 0;
  let consumed = 0;
  let parts: Buffer[] = [];
  let partsBytes = 0;
  let tooLong = false;
  const finish = (end: number): JsonlLine => {
    let bytes = tooLong
      ? null
      : parts.length === 1
        ? (parts[0] as Buffer)
        : Buffer.concat(parts, partsBytes);
    let length = end - lineStart;
    if (bytes && bytes[bytes.length - 1] === 0x0d) {
      bytes = bytes.subarray(0, -1);
      length--;
    }
    const done = { line, offset: lineStart, bytes, length };
    parts = [];
    partsBytes = 0;
    tooLong = false;
    line++;
    lineStart = end + 1;
    return done;
  };
  for await (const piece of source) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let from = 0;
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, from)) {
      keep(chunk.subarray(from, at));
      yield finish(consumed + at);
      from = at + 1;
    }
    keep(chunk.subarray(from));
    consumed += chunk.length;
  }
  if (consumed > lineStart) yield finish(consumed);

  function keep(bytes: Buffer) {
    if (tooLong || bytes.length === 0) return;
    if (partsBytes + bytes.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      partsBytes = 0;
      return;
    }
    // No copy: the sources (Redis reads, upload streams) hand over a fresh buffer per chunk.
    parts.push(bytes);
    partsBytes += bytes.length;
  }
}
