import type { BatchStore, BatchSubmitter, StoredBatch } from '@nightshift/batches';
import { keyPrefix } from '@nightshift/core';
import type { MediaUrlPolicy } from '@nightshift/gateway';
import type { Redis } from 'ioredis';
import {
  anthropicBatchEndpoint,
  checkMessageBatchRequests,
  type MessageBatchRequest,
  requestFileChunks,
  type StoredRequestLine,
} from './anthropic-batch-input.ts';
import { nativeBatchId } from './anthropic-batch-view.ts';
import { anthropicResultChunks } from './anthropic-result-lines.ts';
import type { UploadLimits } from './chunked-upload.ts';
import type { OpenAiFileStore } from './openai-file-store.ts';

/** What `POST /v1/messages/batches` asks for, its envelope already checked for shape. */
export interface CreateAnthropicBatch {
  requests: readonly MessageBatchRequest[];
  /** An extension: where the signed `batch.*` events of this batch go. */
  webhookUrl?: string | null;
  /** The tenant's quota of unfinished requests and documents (`UnfinishedQuotaError` past it). */
  maxUnfinished?: number;
  /** Bounds of the stored requests file: the tenant's storage quota (`StorageQuotaError`). */
  storage?: UploadLimits;
}

/** Options of {@link AnthropicBatches}. */
export interface AnthropicBatchesOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  /** Where each batch's requests are kept, as a JSONL file, until the batch ends. */
  files: OpenAiFileStore;
  store: BatchStore;
  submitter: Pick<BatchSubmitter, 'submit' | 'cancel'>;
  /** How long a finished batch stays readable (the native records' retention). */
  resultTtlMs: number;
  /** Requests one batch may hold (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES`). */
  maxRequests: number;
  /** Judges the media URLs of each request (`NIGHTSHIFT_MEDIA_URLS`); absent: as written. */
  mediaUrls?: MediaUrlPolicy;
}

/** Anthropic's window: a Message Batch ends within 24 hours. */
const completionWindow = '24h';
/** Distinct media hosts one batch may name: each is one DNS lookup while create waits. */
const MEDIA_ORIGINS_PER_BATCH = 256;

/** Hash: what a Message Batch has beyond its native record (owner, requests file), by native id. */
export const anthropicBatchKey = (nativeId: string) => `${keyPrefix}:anth-batch:${nativeId}`;
/** Sorted set (all scores 0, by id): a tenant's Message Batches, native ids. */
const tenantBatchesKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:anth-batches`;

/** What {@link AnthropicBatches.results} finds. */
export type MessageBatchResults =
  | { state: 'ended'; chunks: AsyncGenerator<Uint8Array> }
  | { state: 'open' };

/**
 * Anthropic's Message Batches on the native batch engine. The requests arrive inline; they are
 * stored as a JSONL file of the tenant's (counted in its storage quota) in the shape of an
 * OpenAI batch input file, and submitted as a native batch whose documents point at their
 * lines (content kind `request`, endpoint `/v1/messages`), so windows, admission, fair share,
 * preemption, cancel, deadlines and signed final events are the native ones, and the worker
 * runs them as it runs OpenAI's lines. Results are read from the native results as they are;
 * the requests file is deleted as soon as the batch ends.
 *
 * @example
 * const batches = new AnthropicBatches({ redis, files, store, submitter, resultTtlMs, maxRequests });
 * const native = await batches.create('acme', { requests });
 */
export class AnthropicBatches {
  readonly #o: AnthropicBatchesOptions;

  constructor(options: AnthropicBatchesOptions) {
    this.#o = options;
  }

  /**
   * Checks the requests (`InvalidMessageBatchError`), stores them (`StorageQuotaError`,
   * `FileTooLargeError`) and queues them (`UnfinishedQuotaError`). Answers the native batch.
   * `now` is when it was created (its 24 hours start then).
   */
  async create(
    tenant: string,
    input: CreateAnthropicBatch,
    now = new Date(),
  ): Promise<StoredBatch> {
    const { files, redis } = this.#o;
    const media = this.#o.mediaUrls?.checker({ maxOrigins: MEDIA_ORIGINS_PER_BATCH });
    const { model, invalid } = await checkMessageBatchRequests(input.requests, {
      maxRequests: this.#o.maxRequests,
      ...(media
        ? {
            checkParams: async (params: Record<string, unknown>, prefix: string) => {
              const refused = await media(params, prefix);
              return refused && `${refused.param}: ${refused.message}`;
            },
          }
        : {}),
    });
    const valid = input.requests.filter((_, i) => !invalid.has(i));
    const lines: StoredRequestLine[] = [];
    const fileId =
      valid.length === 0
        ? null
        : (
            await files.write(
              tenant,
              { filename: 'message_batch_requests.jsonl', purpose: 'message_batch' },
              requestFileChunks(valid, lines),
              input.storage,
            )
          ).file.id;
    const placed = new Map(lines.map((line) => [line.customId, line]));
    const documents = input.requests.map((request, i) => {
      const line = placed.get(request.custom_id);
      return line && fileId
        ? {
            id: request.custom_id,
            content: {
              kind: 'request' as const,
              fileId,
              offset: line.offset,
              length: line.length,
              endpoint: anthropicBatchEndpoint,
            },
          }
        : {
            id: request.custom_id,
            error: { code: 'invalid_request', message: invalid.get(i) ?? 'invalid params' },
          };
    });
    let batchId: string;
    let expiresAt: string;
    try {
      const batch = await this.#o.submitter.submit(
        {
          tenant,
          documents,
          model,
          summary: {},
          metadata: {},
          webhook: input.webhookUrl ? { url: input.webhookUrl, events: [] } : null,
          completionWindow,
          ...(input.maxUnfinished !== undefined
            ? { unfinishedLimit: { max: input.maxUnfinished, adding: documents.length } }
            : {}),
        },
        now,
      );
      batchId = batch.id;
      expiresAt = batch.expiresAt;
    } catch (error) {
      if (fileId) await files.delete(tenant, fileId);
      throw error;
    }
    const key = anthropicBatchKey(batchId);
    // The lines are read until the batch ends; the file goes then (`ended`).
    if (fileId) await files.retainUntil(fileId, Date.parse(expiresAt) + this.#o.resultTtlMs);
    await redis
      .multi()
      .hset(key, { id: batchId, tenant, ...(fileId ? { inputFileId: fileId } : {}) })
      // A day past the native record's latest end, should `ended` never be told.
      .pexpireat(key, Date.parse(expiresAt) + this.#o.resultTtlMs + 86_400_000)
      .zadd(tenantBatchesKey(tenant), 0, batchId)
      .exec();
    const native = (await this.#native(tenant, batchId)) as StoredBatch;
    // Ended before its record was written (every request invalid, or all ran at once): the
    // end was told when there was nothing to find.
    if (native.batch.completedAt) await this.ended(batchId);
    return native;
  }

  /** The native batch of a tenant's Message Batch (`msgbatch_…`); null when it has none such. */
  get(tenant: string, id: string): Promise<StoredBatch | null> {
    return this.#native(tenant, nativeBatchId(id));
  }

  /**
   * A tenant's Message Batches, newest first, as Anthropic pages them: the `limit` batches
   * older than `afterId`, or the `limit` batches newer than `beforeId` (closest to it).
   */
  async list(
    tenant: string,
    { limit, afterId, beforeId }: { limit: number; afterId?: string; beforeId?: string },
  ): Promise<{ data: StoredBatch[]; hasMore: boolean }> {
    const key = tenantBatchesKey(tenant);
    const newer = beforeId !== undefined;
    const cursor = newer ? nativeBatchId(beforeId) : afterId ? nativeBatchId(afterId) : null;
    const range = newer
      ? [`(${cursor}`, '+', 'BYLEX']
      : [cursor ? `(${cursor}` : '+', '-', 'BYLEX', 'REV'];
    const ids = (await this.#o.redis.call(
      'ZRANGE',
      key,
      ...range,
      'LIMIT',
      '0',
      String(limit + 1),
    )) as string[];
    const page = ids.slice(0, limit);
    const loaded = await Promise.all(page.map((id) => this.#native(tenant, id)));
    const gone = page.filter((_, i) => loaded[i] === null);
    if (gone.length) await this.#o.redis.zrem(key, ...gone);
    const data = loaded.filter((b): b is StoredBatch => b !== null);
    return { data: newer ? data.reverse() : data, hasMore: ids.length > limit };
  }

  /** Cancels the batch (native cancel: waiting requests leave the queue); null when none such. */
  async cancel(tenant: string, id: string): Promise<StoredBatch | null> {
    const native = await this.get(tenant, id);
    if (!native) return null;
    await this.#o.submitter.cancel(tenant, native.batch.id);
    return this.#native(tenant, native.batch.id);
  }

  /** The results file of an ended batch, streamed page by page; null when there is none such. */
  async results(tenant: string, id: string): Promise<MessageBatchResults | null> {
    const native = await this.get(tenant, id);
    if (!native) return null;
    if (!native.batch.completedAt) return { state: 'open' };
    return {
      state: 'ended',
      chunks: anthropicResultChunks(this.#o.store.results(native.batch.id)),
    };
  }

  /**
   * Deletes an ended batch: its results and its place in the tenant's list (the native record
   * ages out on its own). `open` for a batch still processing: Anthropic asks for a cancel first.
   */
  async delete(tenant: string, id: string): Promise<'deleted' | 'open' | null> {
    const native = await this.get(tenant, id);
    if (!native) return null;
    if (!native.batch.completedAt) return 'open';
    await this.ended(native.batch.id);
    await this.#o.store.dropResults(native.batch.id);
    await this.#o.redis
      .multi()
      .unlink(anthropicBatchKey(native.batch.id))
      .zrem(tenantBatchesKey(tenant), native.batch.id)
      .exec();
    return 'deleted';
  }

  /**
   * Told when a native batch ended (any batch: others are left alone): a Message Batch's
   * requests file goes at once, giving its room in the storage quota back, and its record
   * lives as long as the native one. Idempotent.
   */
  async ended(batchId: string): Promise<void> {
    const { redis, files } = this.#o;
    const [tenant, inputFileId] = await redis.hmget(
      anthropicBatchKey(batchId),
      'tenant',
      'inputFileId',
    );
    if (!tenant) return;
    if (inputFileId) await files.delete(tenant, inputFileId);
    await redis
      .multi()
      .hdel(anthropicBatchKey(batchId), 'inputFileId')
      .pexpire(anthropicBatchKey(batchId), this.#o.resultTtlMs)
      .exec();
  }

  /**
   * The native batch `nativeId` when it is a Message Batch of `tenant`. An ended one whose
   * requests file is still there (its end was told to a process that failed) is ended here.
   */
  async #native(tenant: string, nativeId: string): Promise<StoredBatch | null> {
    const [owner, inputFileId] = await this.#o.redis.hmget(
      anthropicBatchKey(nativeId),
      'tenant',
      'inputFileId',
    );
    if (owner !== tenant) return null;
    const native = await this.#o.store.get(nativeId);
    if (!native || native.tenant !== tenant) return null;
    if (native.batch.completedAt && inputFileId) await this.ended(nativeId);
    return native;
  }
}
