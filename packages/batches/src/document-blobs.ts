import { randomUUID } from 'node:crypto';
import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';

/** Options of {@link DocumentBlobs}. */
export interface DocumentBlobsOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  /**
   * Lifetime of a blob: the result TTL, a backstop. A document that ends deletes its blob, and
   * so does a cancel or expiry that takes its job off the queue.
   */
  ttlMs: number;
}

/** Prefix of every blob key; shares the `{nightshift}` hash tag with the batch records. */
export const blobKeyPrefix = `${keyPrefix}:blob:`;

/**
 * Document bytes kept in Redis between the API and the worker, so a multipart upload is
 * streamed into Redis chunk by chunk instead of held in memory and copied into job payloads.
 *
 * @example
 * const blobs = new DocumentBlobs({ redis, ttlMs: durationMs('7d') });
 * const key = blobs.newKey();
 * for await (const chunk of file) await blobs.append(key, chunk);
 * const bytes = await blobs.read(key); // in the worker
 * await blobs.delete([key]);           // when the document ended
 */
export class DocumentBlobs {
  readonly #redis: Redis;
  readonly #ttlSeconds: number;

  constructor(options: DocumentBlobsOptions) {
    this.#redis = options.redis;
    this.#ttlSeconds = Math.ceil(options.ttlMs / 1000);
  }

  /** A fresh, unused blob key. */
  newKey(): string {
    return `${blobKeyPrefix}${randomUUID()}`;
  }

  /** Appends bytes to a blob (created on the first call) and (re)sets its TTL. */
  async append(key: string, chunk: Uint8Array): Promise<void> {
    await this.#redis
      .multi()
      .append(key, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
      .expire(key, this.#ttlSeconds)
      .exec();
  }

  /** The blob's bytes, or null when it is gone (expired or already deleted). */
  read(key: string): Promise<Buffer | null> {
    return this.#redis.getBuffer(key);
  }

  /** Deletes blobs; unknown keys are ignored. */
  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.#redis.unlink(...keys);
  }
}
