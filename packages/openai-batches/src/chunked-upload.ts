import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import {
  chunkKey,
  chunkKeys,
  fileKey,
  storageEndsKey,
  storageLedgerKey,
  storedMember,
  tenantFilesKey,
  uploadMember,
} from './file-keys.ts';
import type { FileStorageLedger, StorageQuota } from './file-storage-ledger.ts';

const commitScript = luaScript(new URL('./lua/commit-file.lua', import.meta.url));

/** Thrown once an upload passes its size limit; nothing of it stays stored. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The file is over ${maxBytes} bytes.`);
  }
}

/** What one upload may take. */
export interface UploadLimits {
  /** Bytes of this file ({@link FileTooLargeError} beyond). Default: none. */
  maxBytes?: number;
  /** The tenant's storage quota (`StorageQuotaError` beyond). Default: counted, never refused. */
  quota?: StorageQuota;
}

/** Where and how an upload is stored. */
export interface ChunkedUploadContext {
  redis: Redis;
  ledger: FileStorageLedger;
  /** Bytes per chunk key. */
  chunkBytes: number;
  /** The finished file's life. */
  ttlMs: number;
  /** How long the chunks of an upload in progress live unless renewed. */
  pendingTtlMs: number;
}

/** What a finished upload is: its record fields are the caller's. */
export interface ChunkedUpload {
  bytes: number;
  chunks: number;
  /** Newline-separated lines (a last line without its newline counts too). */
  lines: number;
}

/** Chunk writes one upload keeps in flight. */
const inFlight = 4;

/**
 * Streams `source` into chunk keys of file `id` that live only `pendingTtlMs` unless this
 * process renews them (a timer does, while the upload lasts): an API killed mid-upload leaves
 * nothing behind once they lapse. Each chunk's bytes are reserved in the tenant's storage ledger
 * before they are written. When the last byte is in, one script makes the chunks a file: the
 * record appears, every key takes the file's expiry, the reservation becomes the stored entry.
 * On any failure the chunks are deleted and the reservation given back.
 */
export async function storeChunkedUpload(
  context: ChunkedUploadContext,
  file: {
    id: string;
    tenant: string;
    record: (upload: ChunkedUpload, endMs: number) => Record<string, string | number>;
  },
  source: AsyncIterable<Uint8Array>,
  limits: UploadLimits,
): Promise<void> {
  const { redis, ledger, chunkBytes, pendingTtlMs } = context;
  const { id, tenant } = file;
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const member = uploadMember(id);
  const reserve = (bytes: number) =>
    ledger.reserve(tenant, member, bytes, limits.quota, Date.now() + pendingTtlMs);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let chunks = 0;
  let bytes = 0;
  let newlines = 0;
  let lastByte = 0x0a;
  // The upload's keys live as long as this process keeps renewing them.
  let renewing: Promise<unknown> = Promise.resolve();
  const renewal = setInterval(
    () => {
      const lapsesAt = Date.now() + pendingTtlMs;
      const tx = redis.pipeline();
      for (const key of chunkKeys(id, chunks)) tx.pexpire(key, pendingTtlMs);
      renewing = Promise.all([tx.exec(), ledger.renew(tenant, member, lapsesAt)]).catch(
        () => undefined,
      );
    },
    Math.max(50, Math.floor(pendingTtlMs / 3)),
  );
  renewal.unref();
  const stopRenewing = async () => {
    clearInterval(renewal);
    await renewing; // a renewal in flight must not shorten the committed file's life
  };
  // A few chunk writes in flight at once: the upload's next bytes are read and scanned while
  // Redis stores the previous chunk (at most `inFlight` chunks are held meanwhile).
  const writes: Promise<unknown>[] = [];
  const flush = async (all: boolean) => {
    while (pendingBytes >= chunkBytes || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending, pendingBytes);
      const size = Math.min(chunkBytes, joined.length);
      const key = chunkKey(id, chunks);
      const data = joined.subarray(0, size);
      const write = reserve(size).then(() => redis.set(key, data, 'PX', pendingTtlMs));
      write.catch(() => undefined); // awaited below, in order
      writes.push(write);
      chunks++;
      pending = size < joined.length ? [joined.subarray(size)] : [];
      pendingBytes = joined.length - size;
      if (writes.length >= inFlight) await writes.shift();
    }
    if (all) await Promise.all(writes.splice(0));
  };
  try {
    await reserve(0); // the file counts at once: at the files quota, no byte is stored
    for await (const piece of source) {
      const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      bytes += chunk.length;
      if (bytes > maxBytes) throw new FileTooLargeError(maxBytes);
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) newlines++;
      if (chunk.length > 0) lastByte = chunk[chunk.length - 1] as number;
      pending.push(chunk);
      pendingBytes += chunk.length;
      await flush(false);
    }
    await flush(true);
    await stopRenewing();
    const endMs = Date.now() + context.ttlMs;
    const upload = { bytes, chunks, lines: newlines + (lastByte === 0x0a ? 0 : 1) };
    const fields = Object.entries(file.record(upload, endMs)).flat();
    const committed = await commitScript.run(
      redis,
      [
        storageLedgerKey(tenant),
        storageEndsKey(tenant),
        fileKey(id),
        tenantFilesKey(tenant),
        ...chunkKeys(id, chunks),
      ],
      [id, bytes, endMs, member, storedMember(id), ...fields],
    );
    if (committed !== 1) throw new Error(`upload ${id} lapsed before it was complete`);
  } catch (error) {
    await stopRenewing();
    await Promise.allSettled(writes);
    // Else they lapse within pendingTtlMs, and the reservation with them.
    await dropChunks(redis, id, chunks).catch(() => undefined);
    await ledger.forget(tenant, member).catch(() => undefined);
    throw error;
  }
}

/** Deletes a file's chunks, 500 keys a command. */
export async function dropChunks(redis: Redis, id: string, chunks: number): Promise<void> {
  for (let start = 0; start < chunks; start += 500) {
    const keys = Array.from({ length: Math.min(500, chunks - start) }, (_, i) =>
      chunkKey(id, start + i),
    );
    await redis.unlink(...keys);
  }
}
