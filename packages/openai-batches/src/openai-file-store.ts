import { newOpenAiFileId } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { dropChunks, storeChunkedUpload, type UploadLimits } from './chunked-upload.ts';
import {
  chunkKey,
  chunkKeys,
  fileHoldersKey,
  fileKey,
  storageEndsKey,
  storedMember,
  tenantFilesKey,
} from './file-keys.ts';
import { FileStorageLedger, type StorageUsage } from './file-storage-ledger.ts';

/**
 * What a file's purpose may be: what callers upload, what batches write, and the requests of an
 * Anthropic Message Batch (`message_batch`: written by the API, deleted when the batch ends).
 */
export type OpenAiFilePurpose = 'batch' | 'batch_output' | 'message_batch';

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
  /**
   * How long the chunks of an upload in progress live unless the process uploading renews them
   * (`NIGHTSHIFT_OPENAI_UPLOAD_PENDING_TTL_S`). Default 120 s.
   */
  pendingTtlMs?: number;
  /** Bytes per Redis key. Default 1 MiB: few round trips, and no key ever grows past it. */
  chunkBytes?: number;
}

const keepScript = luaScript(new URL('./lua/keep-file.lua', import.meta.url));
const releaseScript = luaScript(new URL('./lua/release-file.lua', import.meta.url));
const retainScript = luaScript(new URL('./lua/retain-file.lua', import.meta.url));

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
  readonly #pendingTtlMs: number;
  readonly #chunkBytes: number;
  readonly #ledger: FileStorageLedger;

  constructor(options: OpenAiFileStoreOptions) {
    this.#redis = options.redis;
    this.#ttlMs = options.ttlMs;
    this.#pendingTtlMs = options.pendingTtlMs ?? 120_000;
    this.#chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.#ledger = new FileStorageLedger({ redis: options.redis });
  }

  /**
   * Stores a file as `source` streams in; its record appears only once every byte is stored,
   * and until then its chunks lapse within `pendingTtlMs` unless this process lives on.
   * Past `limits.maxBytes` ({@link FileTooLargeError}) or the tenant's `limits.quota`
   * (`StorageQuotaError`) the chunks written are deleted and nothing stays stored.
   */
  async write(
    tenant: string,
    meta: { filename: string; purpose: OpenAiFilePurpose },
    source: AsyncIterable<Uint8Array>,
    limits: UploadLimits = {},
  ): Promise<StoredOpenAiFile> {
    const now = Date.now();
    const id = newOpenAiFileId(now);
    await storeChunkedUpload(
      {
        redis: this.#redis,
        ledger: this.#ledger,
        chunkBytes: this.#chunkBytes,
        ttlMs: this.#ttlMs,
        pendingTtlMs: this.#pendingTtlMs,
      },
      {
        id,
        tenant,
        record: (upload, endMs) => ({
          id,
          tenant,
          filename: meta.filename,
          purpose: meta.purpose,
          bytes: upload.bytes,
          lines: upload.lines,
          chunks: upload.chunks,
          chunkBytes: this.#chunkBytes,
          createdAt: now,
          expiresAt: endMs,
        }),
      },
      source,
      limits,
    );
    return (await this.get(id)) as StoredOpenAiFile;
  }

  /** What the tenant's files take now (stored, and uploads in progress). */
  storageUsage(tenant: string): Promise<StorageUsage> {
    return this.#ledger.usage(tenant);
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

  /** Deletes a tenant's file (its room in the quota comes back); false when it has none such. */
  async delete(tenant: string, id: string): Promise<boolean> {
    const stored = await this.getForTenant(tenant, id);
    if (!stored) return false;
    const chunks = Number((await this.#redis.hget(fileKey(id), 'chunks')) ?? 0);
    await this.#redis
      .multi()
      .unlink(fileKey(id), fileHoldersKey(id))
      .zrem(tenantFilesKey(tenant), id)
      .exec();
    await dropChunks(this.#redis, id, chunks);
    await this.#ledger.forget(tenant, storedMember(id));
    return true;
  }

  /**
   * Keeps a file until it is deleted or {@link release}d by every holder (no expiry meanwhile):
   * a schedule fires batches from it night after night. False when there is no such file.
   */
  async keep(id: string, holder: string): Promise<boolean> {
    const keys = await this.#lifeKeys(id);
    if (!keys) return false;
    return (
      (await keepScript.run(
        this.#redis,
        [fileKey(id), fileHoldersKey(id), ...keys],
        [holder, storedMember(id)],
      )) === 1
    );
  }

  /**
   * `holder` no longer uses the file. When no holder is left, the file expires again: its normal
   * life from now, or later when a batch still reads it. Unknown ids and holders are ignored.
   */
  async release(id: string, holder: string): Promise<void> {
    const keys = await this.#lifeKeys(id);
    if (!keys) {
      await this.#redis.srem(fileHoldersKey(id), holder);
      return;
    }
    await releaseScript.run(
      this.#redis,
      [fileKey(id), fileHoldersKey(id), ...keys],
      [holder, storedMember(id), Date.now(), this.#ttlMs],
    );
  }

  /**
   * Keeps a file at least until `untilMs` (epoch ms): a batch reads its input file's lines until
   * it ends, however long its window. Never shortens a life; a kept file remembers it for when
   * it is released.
   */
  async retainUntil(id: string, untilMs: number): Promise<void> {
    const keys = await this.#lifeKeys(id);
    if (!keys) return;
    const [ends, ...chunks] = keys;
    await retainScript.run(
      this.#redis,
      [fileKey(id), ends as string, ...chunks],
      [untilMs, storedMember(id)],
    );
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

  /** The owner's ledger ends and the file's chunks: what a change of its life touches. */
  async #lifeKeys(id: string): Promise<string[] | null> {
    const [tenant, chunks] = await this.#redis.hmget(fileKey(id), 'tenant', 'chunks');
    if (!tenant) return null;
    return [storageEndsKey(tenant), ...chunkKeys(id, Number(chunks ?? 0))];
  }
}
