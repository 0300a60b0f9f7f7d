import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { DocumentBlobs } from '@nightshift/batches';
import type { DocumentError } from '@nightshift/core';
import { DocumentStreamInspector, isDocumentError } from '@nightshift/documents';
import busboy from 'busboy';
import {
  type BatchIntake,
  checkCount,
  type IntakeDocument,
  type IntakeLimits,
  parseOptionsPart,
  safeId,
  uniqueIds,
} from './batch-intake.ts';
import { ProblemError } from './problem.ts';

/** A multipart batch as read: its documents plus the blob keys written for it. */
export interface MultipartIntake extends BatchIntake {
  /** Every blob written; the caller deletes them when it refuses the batch after intake. */
  blobKeys: string[];
}

/** Bytes gathered before one APPEND: few round trips, little memory per upload. */
const flushBytes = 256 * 1024;
/** Largest `options` part; batch options are a few KB of JSON. */
const maxOptionsBytes = 1024 * 1024;

interface FileSlot {
  name: string | undefined;
  key: string;
  outcome?: { type: 'pdf' | 'text'; bytes: number } | { error: DocumentError };
}

/**
 * A multipart batch → one document per `file` part (PDF or text) plus an optional `options`
 * part holding the JSON options, streamed: each file goes chunk by chunk into a Redis blob
 * while {@link DocumentStreamInspector} checks it, so memory does not grow with the upload.
 * A file refused by the checks (too large, not a PDF, ...) becomes a per-document error and
 * its blob is deleted. When the whole request is refused (400, 413, 422) every blob written
 * is deleted before the error is thrown.
 *
 * @example
 * const intake = await intakeMultipartStream(request, limits, blobs);
 * try { await submit(intake); } catch (e) { await blobs.delete(intake.blobKeys); throw e; }
 */
export async function intakeMultipartStream(
  request: Request,
  limits: IntakeLimits,
  blobs: Pick<DocumentBlobs, 'newKey' | 'append' | 'delete'>,
): Promise<MultipartIntake> {
  const files: FileSlot[] = [];
  const written: string[] = [];
  try {
    const optionsText = await parseParts(request, limits, blobs, files, written);
    if (files.length === 0) {
      throw new ProblemError(422, 'validation-error', 'file: send one or more file parts', {
        errors: [{ field: 'file', message: 'send one or more file parts' }],
      });
    }
    checkCount(files.length, limits);
    const options = parseOptionsPart(optionsText);
    const ids = uniqueIds(files.map((file) => file.name));
    const documents = files.map((file, index): IntakeDocument => {
      const id = ids[index] as string;
      const outcome = file.outcome as NonNullable<FileSlot['outcome']>;
      return 'error' in outcome
        ? { id, error: outcome.error }
        : {
            id,
            content: { kind: 'blob', key: file.key, type: outcome.type, bytes: outcome.bytes },
          };
    });
    return {
      options,
      documents,
      blobKeys: files.filter((f) => f.outcome && !('error' in f.outcome)).map((f) => f.key),
    };
  } catch (error) {
    // Best effort: a blob left behind (Redis down) still expires with its TTL.
    await blobs.delete(written).catch(() => undefined);
    throw error;
  }
}

/** Runs busboy over the body; fills `files`; returns the raw `options` text (or null). */
async function parseParts(
  request: Request,
  limits: IntakeLimits,
  blobs: Pick<DocumentBlobs, 'newKey' | 'append' | 'delete'>,
  files: FileSlot[],
  written: string[],
): Promise<string | null> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { fieldSize: maxOptionsBytes },
    });
  } catch {
    throw malformed();
  }
  let optionsText: string | null = null;
  let optionsSeen = false;
  const handlers: Promise<void>[] = [];
  const source = request.body
    ? Readable.fromWeb(request.body as unknown as NodeWebStream<Uint8Array>)
    : Readable.from([]);

  parser.on('field', (name, value, info) => {
    if (name !== 'options' || optionsSeen) return;
    optionsSeen = true;
    // A truncated options part cannot be valid JSON: parsing it answers 400.
    optionsText = info.valueTruncated ? '' : value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'file') {
      // An `options` part sent as a file is not the JSON text the API expects: 400.
      if (name === 'options' && !optionsSeen) {
        optionsSeen = true;
        optionsText = '';
      }
      stream.resume();
      return;
    }
    const slot: FileSlot = {
      name: safeId(info.filename ?? ''),
      key: blobs.newKey(),
    };
    files.push(slot);
    // Past the document limit the request is refused: count the rest, store nothing.
    if (files.length > limits.maxDocuments) {
      stream.resume();
      return;
    }
    handlers.push(storeFile(stream, info, slot, limits, blobs, written));
  });

  // Whichever failed first says what went wrong: the body itself (too large, aborted) is
  // passed on as is; a parser failure means the multipart is malformed.
  let origin: 'source' | 'parser' | undefined;
  source.on('error', () => {
    origin ??= 'source';
  });
  parser.on('error', () => {
    origin ??= 'parser';
  });
  // busboy finishes only once every file stream was read to its end: all handlers exist by then.
  const failure = await pipeline(source, parser).then(
    () => undefined,
    (error: unknown) => ({ error: origin === 'source' ? error : malformed() }),
  );
  const stored = await Promise.allSettled(handlers);
  if (failure) throw failure.error;
  const rejected = stored.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return optionsText;
}

/** Streams one file part into its blob while checking it; records the outcome in `slot`. */
async function storeFile(
  stream: Readable,
  info: busboy.FileInfo,
  slot: FileSlot,
  limits: IntakeLimits,
  blobs: Pick<DocumentBlobs, 'append' | 'delete'>,
  written: string[],
): Promise<void> {
  const inspector = new DocumentStreamInspector(
    { filename: info.filename, contentType: info.mimeType },
    limits.document,
  );
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let stored = false;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    if (!stored) written.push(slot.key);
    stored = true;
    await blobs.append(slot.key, chunk);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!inspector.push(chunk)) {
        // Refused mid-stream: stop storing; keep reading so the sizes still count.
        pending = [];
        pendingBytes = 0;
        continue;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= flushBytes) await flush();
    }
    const { kind, byteLength } = inspector.end();
    await flush();
    slot.outcome = { type: kind, bytes: byteLength };
  } catch (error) {
    stream.resume();
    if (!isDocumentError(error)) throw error;
    slot.outcome = { error: { code: error.code, message: error.message } };
    if (stored) await blobs.delete([slot.key]);
  }
}

function malformed() {
  return new ProblemError(400, 'malformed-multipart', 'The multipart body could not be parsed.');
}
