import { type BatchStore, type BatchSubmitter, pageOfIds } from '@nightshift/batches';
import { keyPrefix, newBatchId } from '@nightshift/core';
import type { MediaUrlPolicy } from '@nightshift/gateway';
import type { Redis } from 'ioredis';
import {
  type BatchEndpoint,
  type BatchInputError,
  validateBatchInput,
} from './batch-input-validation.ts';
import { finalOpenAiStatus, type OpenAiBatchObject, toOpenAiBatch } from './openai-batch-view.ts';
import type { OpenAiFileStore } from './openai-file-store.ts';
import { resultFileChunks } from './result-lines.ts';

/** What `POST /batches` asks for, already checked for shape. */
export interface CreateOpenAiBatch {
  inputFileId: string;
  endpoint: BatchEndpoint;
  /** `24h` as OpenAI has it, or longer (an extension): any duration the native batches take. */
  completionWindow: string;
  metadata: Record<string, string> | null;
  /** An extension: where the signed `batch.*` events of this batch go. */
  webhookUrl?: string | null;
  /** Set when a schedule fires the batch. */
  scheduleId?: string | null;
  /**
   * The most unfinished requests and documents the tenant may have once this batch is in
   * (native batches' quota, checked in the step that writes the batch: `UnfinishedQuotaError`).
   */
  maxUnfinished?: number;
}

/** Why a batch cannot even be validated: its input file is missing or not a batch file. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
  constructor(
    message: string,
    readonly code: 'file_not_found' | 'invalid_file_purpose',
  ) {
    super(message);
  }
}

/** Options of {@link OpenAiBatches}. */
export interface OpenAiBatchesOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  files: OpenAiFileStore;
  store: BatchStore;
  submitter: Pick<BatchSubmitter, 'submit' | 'cancel'>;
  /** How long a finished batch stays readable (the native records' retention). */
  resultTtlMs: number;
  /** Requests one batch may hold (`NIGHTSHIFT_OPENAI_BATCH_MAX_LINES`). */
  maxLines: number;
  /** Judges the media URLs of each line (`NIGHTSHIFT_MEDIA_URLS`); absent: lines pass as written. */
  mediaUrls?: MediaUrlPolicy;
}

/** Distinct media hosts one batch file may name: each is one DNS lookup while create waits. */
const MEDIA_ORIGINS_PER_BATCH = 256;

/** Hash: the OpenAI fields of batch `id`, beside its native record. */
export const openAiBatchKey = (id: string) => `${keyPrefix}:oai-batch:${id}`;
const recordKey = openAiBatchKey;
const finalizingKey = (id: string) => `${keyPrefix}:oai-batch:${id}:finalizing`;
const tenantBatchesKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:oai-batches`;

/**
 * OpenAI-compatible batches on the native batch engine: each valid line of the input file is
 * one document of a native batch (content kind `request`, pointing at the line's bytes), so
 * windows, admission, fair share, preemption, cancel, deadlines and final webhook events are the
 * native ones. This class adds what OpenAI's object has beyond that: the input check with line
 * numbers, the endpoint, and the output and error files written once the native batch ends.
 *
 * @example
 * const batches = new OpenAiBatches({ redis, files, store, submitter, resultTtlMs, maxLines: 50_000 });
 * const batch = await batches.create('acme', { inputFileId, endpoint: '/v1/embeddings', completionWindow: '24h', metadata: null });
 */
export class OpenAiBatches {
  readonly #o: OpenAiBatchesOptions;

  constructor(options: OpenAiBatchesOptions) {
    this.#o = options;
  }

  /**
   * Validates the input file line by line and queues its requests; a file that fails the check
   * gives a `failed` batch whose `errors` name the lines. Throws {@link InputFileError} when
   * the file itself is missing or not for batches.
   */
  async create(tenant: string, input: CreateOpenAiBatch): Promise<OpenAiBatchObject> {
    const { files } = this.#o;
    const file = await files.getForTenant(tenant, input.inputFileId);
    if (!file) throw new InputFileError(`No such file: ${input.inputFileId}.`, 'file_not_found');
    if (file.file.purpose !== 'batch')
      throw new InputFileError(
        `The file ${input.inputFileId} has purpose '${file.file.purpose}', not 'batch'.`,
        'invalid_file_purpose',
      );
    const media = this.#o.mediaUrls?.checker({ maxOrigins: MEDIA_ORIGINS_PER_BATCH });
    const check = await validateBatchInput(files.content(input.inputFileId), {
      endpoint: input.endpoint,
      maxLines: this.#o.maxLines,
      ...(media ? { checkBody: (body: Record<string, unknown>) => media(body, 'body.') } : {}),
    });
    const now = Date.now();
    const fields: Record<string, string | number> = {
      tenant,
      endpoint: input.endpoint,
      inputFileId: input.inputFileId,
      completionWindow: input.completionWindow,
      metadata: input.metadata ? JSON.stringify(input.metadata) : '',
      model: check.model ?? '',
      createdAt: now,
    };
    if (check.errors.length > 0) {
      const id = newBatchId(now);
      await this.#write(id, tenant, { ...fields, ...failedFields(check.errors, now) }, true);
      return (await this.get(tenant, id)) as OpenAiBatchObject;
    }
    const batch = await this.#o.submitter.submit({
      tenant,
      documents: check.requests.map((r) => ({
        id: r.customId,
        content: {
          kind: 'request' as const,
          fileId: input.inputFileId,
          offset: r.offset,
          length: r.length,
          endpoint: input.endpoint,
        },
      })),
      model: check.model as string,
      summary: {},
      metadata: input.metadata ?? {},
      webhook: input.webhookUrl ? { url: input.webhookUrl, events: [] } : null,
      completionWindow: input.completionWindow,
      scheduleId: input.scheduleId ?? null,
      ...(input.maxUnfinished !== undefined
        ? { unfinishedLimit: { max: input.maxUnfinished, adding: check.requests.length } }
        : {}),
    });
    // The lines are read from the file until the batch ends, and the file outlives it.
    await files.retainUntil(input.inputFileId, Date.parse(batch.expiresAt) + this.#o.resultTtlMs);
    await this.#write(batch.id, tenant, { ...fields, expiresAt: batch.expiresAt }, false);
    return (await this.get(tenant, batch.id)) as OpenAiBatchObject;
  }

  /** The batch as OpenAI shows it, finalizing it first when its native batch has ended. */
  async get(tenant: string, id: string): Promise<OpenAiBatchObject | null> {
    const fields = await this.#o.redis.hgetall(recordKey(id));
    if (!fields.id || fields.tenant !== tenant) return null;
    const native = fields.failedAt ? null : await this.#o.store.get(id);
    if (!fields.failedAt && !fields.finalStatus && native?.batch.completedAt) {
      // A failure here leaves the batch `finalizing`; the next read tries again.
      const finalized = await this.finalize(id).catch(() => false);
      if (finalized) return this.get(tenant, id);
    }
    if (!native && !fields.failedAt && !fields.finalStatus) return null; // aged out unread
    return toOpenAiBatch(fields, native);
  }

  /** A tenant's batches, newest first, after the cursor `after` (a batch id). */
  async list(
    tenant: string,
    { limit, after }: { limit: number; after?: string | undefined },
  ): Promise<{ data: OpenAiBatchObject[]; hasMore: boolean }> {
    return pageOfIds(this.#o.redis, tenantBatchesKey(tenant), { limit, after }, (id) =>
      this.get(tenant, id),
    );
  }

  /** Cancels the batch (native cancel: waiting requests leave the queue); null when none such. */
  async cancel(tenant: string, id: string): Promise<OpenAiBatchObject | null> {
    const fields = await this.#o.redis.hgetall(recordKey(id));
    if (!fields.id || fields.tenant !== tenant) return null;
    if (!fields.failedAt) await this.#o.submitter.cancel(tenant, id);
    return this.get(tenant, id);
  }

  /** {@link finalize}, for any batch that ended: native batches (no OpenAI record) are left alone. */
  async finalizeIfOpenAi(id: string): Promise<boolean> {
    if (!(await this.#o.redis.exists(recordKey(id)))) return false;
    return this.finalize(id);
  }

  /**
   * Writes the output and error files of a batch whose native batch has ended, then its final
   * status. One caller at a time does it (a lock); the others see `finalizing` meanwhile.
   * Idempotent. Returns true when this call finalized the batch.
   */
  async finalize(id: string): Promise<boolean> {
    const { redis, store, files } = this.#o;
    const locked = await redis.set(finalizingKey(id), '1', 'EX', 600, 'NX');
    if (!locked) return false;
    try {
      const fields = await redis.hgetall(recordKey(id));
      const native = await store.get(id);
      if (!fields.id || fields.finalStatus || !native?.batch.completedAt) return false;
      const { counts, usage } = native.batch;
      const tenant = fields.tenant as string;
      const write = async (wanted: boolean, lines: number) =>
        lines === 0
          ? ''
          : (
              await files.write(
                tenant,
                { filename: `${id}_${wanted ? 'output' : 'error'}.jsonl`, purpose: 'batch_output' },
                resultFileChunks(id, store.results(id), wanted),
              )
            ).file.id;
      const outputFileId = await write(true, counts.succeeded);
      const errorFileId = await write(false, counts.total - counts.succeeded);
      await redis
        .multi()
        .hset(recordKey(id), {
          outputFileId,
          errorFileId,
          finalStatus: finalOpenAiStatus(native.batch.status),
          finalizedAt: Date.now(),
          nativeCompletedAt: native.batch.completedAt,
          cancelledAt: native.batch.cancelledAt ?? '',
          total: counts.total,
          completed: counts.succeeded,
          failedCount: counts.failed + counts.expired,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          // Energy a call settles after the batch's end is read from the native record while
          // it lasts (it ages out with these fields).
          gpuSeconds: usage.gpuSeconds,
          energyWh: usage.energyWh ?? '',
        })
        .pexpire(recordKey(id), this.#o.resultTtlMs)
        .exec();
      // The files are now the one copy of the answers: the native results go (a batch's
      // answers may be a gigabyte; Redis would hold it twice until the retention ends).
      await store.dropResults(id);
      return true;
    } finally {
      await redis.del(finalizingKey(id));
    }
  }

  async #write(
    id: string,
    tenant: string,
    fields: Record<string, string | number>,
    ended: boolean,
  ): Promise<void> {
    const tx = this.#o.redis
      .multi()
      .hset(recordKey(id), { id, ...fields })
      .zadd(tenantBatchesKey(tenant), 0, id);
    if (ended) tx.pexpire(recordKey(id), this.#o.resultTtlMs);
    await tx.exec();
  }
}

function failedFields(errors: BatchInputError[], now: number) {
  return { errors: JSON.stringify(errors), failedAt: now };
}
