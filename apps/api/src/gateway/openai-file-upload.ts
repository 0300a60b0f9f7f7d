import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import type { OpenAiFileStore, StorageQuota, StoredOpenAiFile } from '@nightshift/openai-batches';
import busboy from 'busboy';

/** Why an upload was refused, with the OpenAI status, `param` and `code` to answer with. */
export class UploadRefusal extends Error {
  override readonly name = 'UploadRefusal';
  constructor(
    readonly status: 400 | 413,
    message: string,
    readonly param: string | null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** Options of {@link uploadOpenAiFile}. */
export interface OpenAiUploadLimits {
  /** Bytes of the file (`NIGHTSHIFT_OPENAI_FILE_MAX_BYTES`). */
  maxBytes: number;
  /** Lines of a `batch` file (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES`). */
  maxLines: number;
  /**
   * The tenant's storage quota, checked atomically as each chunk is stored (concurrent uploads
   * cannot both pass it); 413 `storage_quota_exceeded` beyond. None: not limited.
   */
  quota?: StorageQuota;
}

/**
 * `POST /files` as OpenAI's clients send it (multipart: a `file` part and a `purpose` field, in
 * either order): the file part streams into the store chunk by chunk, never held whole. The
 * purpose is checked once the body has been read; a refused file is deleted again.
 *
 * @example
 * const stored = await uploadOpenAiFile(c.req.raw, tenant, files, { maxBytes, maxLines });
 */
export async function uploadOpenAiFile(
  request: Request,
  tenant: string,
  files: Pick<OpenAiFileStore, 'write' | 'delete'>,
  limits: OpenAiUploadLimits,
): Promise<StoredOpenAiFile> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { fieldSize: 1024, fields: 8, files: 1, parts: 16 },
    });
  } catch {
    throw new UploadRefusal(400, 'Send the file as multipart/form-data.', null);
  }
  const source = request.body
    ? Readable.fromWeb(request.body as unknown as NodeWebStream<Uint8Array>)
    : Readable.from([]);
  let purpose: string | undefined;
  let writing: Promise<StoredOpenAiFile> | undefined;
  parser.on('field', (name, value) => {
    if (name === 'purpose') purpose = value;
  });
  parser.on('file', (name, stream, info) => {
    if (name !== 'file' || writing) {
      stream.resume();
      return;
    }
    const filename = (info.filename ?? 'upload.jsonl').slice(0, 255);
    writing = files.write(tenant, { filename, purpose: 'batch' }, stream, {
      maxBytes: limits.maxBytes,
      ...(limits.quota ? { quota: limits.quota } : {}),
    });
    // A file over a limit stops the upload at once: the rest of the body is not read, and what
    // the parser holds already is drained so that it can finish.
    writing.catch(() => {
      stream.resume();
      source.destroy();
    });
  });
  const parsed = await pipeline(source, parser).then(
    () => null,
    (error: unknown) => error,
  );
  const stored = await writing?.catch((error: unknown) => {
    if ((error as Error).name === 'FileTooLargeError')
      throw new UploadRefusal(413, (error as Error).message, 'file');
    if ((error as Error).name === 'StorageQuotaError')
      throw new UploadRefusal(413, (error as Error).message, 'file', 'storage_quota_exceeded');
    throw error;
  });
  if (parsed && !stored) throw new UploadRefusal(400, 'The multipart body is malformed.', null);
  if (!stored) throw new UploadRefusal(400, 'Send the file in a part named "file".', 'file');
  const refuse = async (message: string, param: string) => {
    await files.delete(tenant, stored.file.id);
    throw new UploadRefusal(400, message, param);
  };
  if (purpose !== 'batch')
    await refuse(
      purpose === undefined
        ? 'purpose is required ("batch").'
        : `purpose '${purpose}' is not supported here; use "batch".`,
      'purpose',
    );
  if (stored.lines > limits.maxLines)
    await refuse(
      `A batch file holds at most ${limits.maxLines} lines; this one has ${stored.lines}.`,
      'file',
    );
  return stored;
}
