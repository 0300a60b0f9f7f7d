import { keyPrefix, newOpenAiFileId } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** What a file's purpose may be: what callers upload, and what batches write. */
export type OpenAiFilePurpose = 'batch' | 'batch_output';

/** A file as OpenAI's Files API shows it (timestamps in seconds). */
export interface OpenAiFileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  /** Null for a file kept until deleted (one a schedule uses). */
  expires_at: number | null;
  filename: string;
  purpose: OpenAiFilePurpose;
  status: 'processed';
}

/** A stored file: the public object plus its owner and what the store knows of its bytes. */
export interface StoredOpenAiFile {
  tenant: string;
  file: OpenAiFileObject;
  /** Newline-separated lines (a last line without its newline counts too). */
  lines: number;
}

/** Options of {@link OpenAiFileStore}. */
export interface OpenAiFileStoreOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  /** How long a file stays (its bytes and its record expire together). */
  ttlMs: number;
  /** Bytes per Redis key. Default 1 MiB: few round trips, and no key ever grows past it. */
  chunkBytes?: number;
}

/** Thrown by {@link OpenAiFileStore.write} once a file passes its size limit; nothing stays stored. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The file is over ${maxBytes} bytes.`);
  }
}

/** Chunk writes one upload keeps in flight. */
const inFlight = 4;

const fileKey = (id: string) => `${keyPrefix}:oai-file:${id}`;
const chunkKey = (id: string, index: number) => `${keyPrefix}:oai-file:${id}:${index}`;
const chunkKeys = (id: string, chunks: number) =>
  Array.from({ length: chunks }, (_, index) => chunkKey(id, index));
const tenantFilesKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:oai-files`;

/**
 * Files of the OpenAI-compatible surface, in Redis: the bytes in fixed-size chunks (one key
 * each), written as they stream in and read back as a stream, so neither an upload nor a
 * download of 200 MB is ever held whole; one line can be read by its offset without the rest.
 *
 * @example
 * const files = new OpenAiFileStore({ redis, ttlMs: durationMs('7d') });
 * const stored = await files.write('acme', { filename: 'in.jsonl', purpose: 'batch' }, chunks);
 * for await (const chunk of files.content(stored.file.id)) process.stdout.write(chunk);
 */
export class OpenAiFileStore {
  readonly #redis: Redis;
  readonly #ttlMs: number;
  readonly #chunkBytes: number;

  constructor(options: OpenAiFileStoreOptions) {
    this.#redis = options.redis;
    this.#ttlMs = options.ttlMs;
    this.#chunkBytes = options.chunkBytes ?? 1024 * 1024;
  }

  /**
   * Stores a file as `source` streams in; its record appears only once every byte is stored.
   * Past `maxBytes` the chunks written are deleted and {@link FileTooLargeError} is thrown.
   */
  async write(
    tenant: string,
    meta: { filename: string; purpose: OpenAiFilePurpose },
    source: AsyncIterable<Uint8Array>,
    maxBytes = Number.POSITIVE_INFINITY,
  ): Promise<StoredOpenAiFile> {
    const now = Date.now();
    const id = newOpenAiFileId(now);
    const ttlS = Math.ceil(this.#ttlMs / 1000);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let chunks = 0;
    let bytes = 0;
    let newlines = 0;
    let lastByte = 0x0a;
    // A few chunk writes in flight at once: the upload's next bytes are read and scanned while
    // Redis stores the previous chunk (at most `inFlight` chunks are held meanwhile).
    const writes: Promise<unknown>[] = [];
    const flush = async (all: boolean) => {
      while (pendingBytes >= this.#chunkBytes || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending, pendingBytes);
        const size = Math.min(this.#chunkBytes, joined.length);
        const write = this.#redis.set(chunkKey(id, chunks), joined.subarray(0, size), 'EX', ttlS);
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
    } catch (error) {
      await Promise.allSettled(writes);
      await this.#dropChunks(id, chunks).catch(() => undefined); // else they expire with the TTL
      throw error;
    }
    const lines = newlines + (lastByte === 0x0a ? 0 : 1);
    await this.#redis
      .multi()
      .hset(fileKey(id), {
        id,
        tenant,
        filename: meta.filename,
        purpose: meta.purpose,
        bytes,
        lines,
        chunks,
        chunkBytes: this.#chunkBytes,
        createdAt: now,
        expiresAt: now + this.#ttlMs,
      })
      .expire(fileKey(id), ttlS)
      .zadd(tenantFilesKey(tenant), 0, id)
      .exec();
    return (await this.get(id)) as StoredOpenAiFile;
  }

  /** The file, or null when it does not exist, has expired or was deleted. */
  async get(id: string): Promise<StoredOpenAiFile | null> {
    const f = await this.#redis.hgetall(fileKey(id));
    if (!f.id || !f.tenant) return null;
    return {
      tenant: f.tenant,
      lines: Number(f.lines ?? 0),
      file: {
        id: f.id,
        object: 'file',
        bytes: Number(f.bytes ?? 0),
        created_at: Math.floor(Number(f.createdAt) / 1000),
        expires_at: f.expiresAt ? Math.floor(Number(f.expiresAt) / 1000) : null,
        filename: f.filename ?? '',
        purpose: (f.purpose ?? 'batch') as OpenAiFilePurpose,
        status: 'processed',
      },
    };
  }

  /** The file if `tenant` owns it; another tenant's file is indistinguishable from none. */
  async getForTenant(tenant: string, id: string): Promise<StoredOpenAiFile | null> {
    const stored = await this.get(id);
    return stored && stored.tenant === tenant ? stored : null;
  }

  /**
   * A tenant's files, newest first (`order: 'desc'`, OpenAI's default) or oldest first, after
   * the cursor `after` (a file id); `purpose` keeps only files of that purpose.
   */
  async list(
    tenant: string,
    options: { limit: number; after?: string; order?: 'asc' | 'desc'; purpose?: string },
  ): Promise<{ data: OpenAiFileObject[]; hasMore: boolean }> {
    const key = tenantFilesKey(tenant);
    const desc = options.order !== 'asc';
    const from = options.after ? `(${options.after}` : desc ? '+' : '-';
    const to = desc ? '-' : '+';
    const data: OpenAiFileObject[] = [];
    let cursor = from;
    // Pages of ids, filtered by purpose and pruned of expired files, until the page is full.
    for (;;) {
      const ids = (await this.#redis.call(
        'ZRANGE',
        key,
        cursor,
        to,
        'BYLEX',
        ...(desc ? ['REV'] : []),
        'LIMIT',
        '0',
        String(options.limit + 1),
      )) as string[];
      const files = await Promise.all(ids.map((id) => this.get(id)));
      const gone = ids.filter((_, i) => !files[i]);
      if (gone.length) await this.#redis.zrem(key, ...gone);
      for (const [i, stored] of files.entries()) {
        if (!stored || (options.purpose && stored.file.purpose !== options.purpose)) continue;
        if (data.length === options.limit) return { data, hasMore: true };
        data.push(stored.file);
        cursor = `(${ids[i]}`;
      }
      if (ids.length <= options.limit) return { data, hasMore: false };
      cursor = `(${ids[ids.length - 1]}`;
    }
  }

  /** Deletes a tenant's file; false when it has none such. */
  async delete(tenant: string, id: string): Promise<boolean> {
    const stored = await this.getForTenant(tenant, id);
    if (!stored) return false;
    const chunks = Number((await this.#redis.hget(fileKey(id), 'chunks')) ?? 0);
    await this.#redis.multi().unlink(fileKey(id)).zrem(tenantFilesKey(tenant), id).exec();
    await this.#dropChunks(id, chunks);
    return true;
  }

  /**
   * Keeps a file until it is deleted (no expiry): a schedule fires batches from it night after
   * night. Unknown ids are ignored.
   */
  async keep(id: string): Promise<void> {
    const chunks = Number((await this.#redis.hget(fileKey(id), 'chunks')) ?? 0);
    const tx = this.#redis.multi().persist(fileKey(id)).hset(fileKey(id), 'expiresAt', '');
    for (let index = 0; index < chunks; index++) tx.persist(chunkKey(id, index));
    await tx.exec();
  }

  /**
   * Keeps a file at least until `untilMs` (epoch ms): a batch reads its input file's lines until
   * it ends, however long its window. Never shortens a life, nor gives one to a kept file.
   */
  async retainUntil(id: string, untilMs: number): Promise<void> {
    const [chunks, expiresAt] = await this.#redis.hmget(fileKey(id), 'chunks', 'expiresAt');
    if (!expiresAt || Number(expiresAt) >= untilMs) return;
    const tx = this.#redis.multi().hset(fileKey(id), 'expiresAt', untilMs);
    for (const key of [fileKey(id), ...chunkKeys(id, Number(chunks ?? 0))])
      tx.pexpireat(key, untilMs, 'GT');
    await tx.exec();
  }

  /** The file's bytes, chunk by chunk; stops early if the file is deleted meanwhile. */
  async *content(id: string): AsyncGenerator<Buffer> {
    const chunks = Number((await this.#redis.hget(fileKey(id), 'chunks')) ?? 0);
    // The next chunk is on its way while the caller works on this one.
    let next = chunks > 0 ? this.#redis.getBuffer(chunkKey(id, 0)) : null;
    for (let index = 0; next; index++) {
      const chunk = await next;
      next = index + 1 < chunks ? this.#redis.getBuffer(chunkKey(id, index + 1)) : null;
      next?.catch(() => undefined); // awaited on the next turn, unless the caller stops first
      if (!chunk) return;
      yield chunk;
    }
  }

  /** `length` bytes at `offset` (one line of an input file), or null when the file is gone. */
  async readRange(id: string, offset: number, length: number): Promise<Buffer | null> {
    const chunkBytes = Number((await this.#redis.hget(fileKey(id), 'chunkBytes')) ?? 0);
    if (!chunkBytes) return null;
    const parts: Buffer[] = [];
    for (let at = offset; at < offset + length; ) {
      const index = Math.floor(at / chunkBytes);
      const start = at - index * chunkBytes;
      const end = Math.min(chunkBytes, start + (offset + length - at)) - 1;
      const part = await this.#redis.getrangeBuffer(chunkKey(id, index), start, end);
      if (part.length === 0) return null;
      parts.push(part);
      at += part.length;
    }
    return Buffer.concat(parts);
  }

  async #dropChunks(id: string, chunks: number): Promise<void> {
    for (let start = 0; start < chunks; start += 500) {
      const keys = Array.from({ length: Math.min(500, chunks - start) }, (_, i) =>
        chunkKey(id, start + i),
      );
      await this.#redis.unlink(...keys);
    }
  }
}
