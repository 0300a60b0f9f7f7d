import type { BatchObject, DocumentResult, DocumentStatus, SummaryOptions } from '@nightshift/core';
import type { Redis } from 'ioredis';
import type { BatchEvents } from './batch-events.ts';
import {
  batchKeys,
  finalEventsKey,
  openBatchesKey,
  tenantBatchesKey,
  unfinishedDocumentsKey,
} from './batch-keys.ts';
import {
  type DocumentStart,
  documentStart,
  type GpuCharge,
  roundedCharge,
  toBatchObject,
} from './batch-record.ts';
import { pageOfIds } from './id-pages.ts';
import {
  finishBatchScript,
  markStopScript,
  moveDocumentScript,
  startDocumentScript,
} from './transition-scripts.ts';
import {
  createBatchScript,
  type UnfinishedLimit,
  UnfinishedQuotaError,
} from './unfinished-quota.ts';

/** What a new batch is made of, before its documents are queued. */
export interface NewBatchRecord {
  id: string;
  tenant: string;
  model: string;
  summary: SummaryOptions;
  metadata: Record<string, string>;
  webhook: { url: string; events: ('document.completed' | 'document.failed')[] } | null;
  completionWindow: string;
  scheduleId: string | null;
  documentIds: string[];
  createdAt: Date;
  expiresAt: Date;
  /**
   * W3C `traceparent` of the span that submitted the batch: its final webhook delivery, sent
   * by another process later, joins that trace. Absent with tracing off.
   */
  traceparent?: string | undefined;
}

/** A stored batch: the public object plus who owns it. */
export interface StoredBatch {
  tenant: string;
  batch: BatchObject;
  /** A cancel was asked for; documents not yet done are being cancelled. */
  cancelRequested: boolean;
  /** `expiresAt` passed before the batch ended; documents not yet done expire. */
  expired: boolean;
  /** The trace the batch was submitted in (see {@link NewBatchRecord.traceparent}). */
  traceparent?: string;
}

/** Options of {@link BatchStore}. */
export interface BatchStoreOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  /** How long a finished batch and its results stay readable. */
  resultTtlMs: number;
  /**
   * Where `batch.ended` is emitted, after the step, when a document transition made its batch
   * final (the batch's status, counts and `completedAt` are already written): its subscribers
   * write result files and queue the final webhook event at once. Awaited; a failure is ignored
   * here: the event stays pending until `FinalEventRelay.relayPending` queues it.
   */
  events?: Pick<BatchEvents, 'emit'>;
  /**
   * The GPU time and energy charged to batches and their documents (`AccountingStore` of
   * packages/accounting): the batch object's and the results lines' `usage.gpuSeconds` and
   * `usage.energyWh`. Absent: zero seconds, energy null.
   */
  charges?: GpuCharges;
}

/** Where {@link BatchStore} reads the charges of a batch and of its documents. */
export interface GpuCharges {
  batchTotals(batchId: string): Promise<GpuCharge>;
  documentTotals(batchId: string, documentIds: readonly string[]): Promise<Map<string, GpuCharge>>;
}

/**
 * The record of every batch: its fields, per-document states, counts, usage and results.
 * Document state changes are atomic and idempotent (see transition-scripts.ts), and the one that
 * makes the last document final makes the batch final in the same step: a batch's status never
 * waits for another process.
 *
 * @example
 * const store = new BatchStore({ redis, resultTtlMs: durationMs('7d') });
 * await store.moveDocument(batchId, 'doc_1', 'running');
 * await store.moveDocument(batchId, 'doc_1', 'succeeded', result);
 */
export class BatchStore {
  readonly #redis: Redis;
  readonly #ttlSeconds: number;
  readonly #events: Pick<BatchEvents, 'emit'> | undefined;
  readonly #charges: GpuCharges | undefined;

  constructor(options: BatchStoreOptions) {
    this.#redis = options.redis;
    this.#ttlSeconds = Math.ceil(options.resultTtlMs / 1000);
    this.#events = options.events;
    this.#charges = options.charges;
  }

  /**
   * Writes a new batch, all documents queued, in one atomic step. With `limit`, the tenant's
   * unfinished documents are checked in that same step, and an {@link UnfinishedQuotaError}
   * means nothing was written.
   */
  async create(record: NewBatchRecord, limit?: UnfinishedLimit): Promise<void> {
    const keys = batchKeys(record.id);
    const count = record.documentIds.length;
    const fields = Object.entries({
      id: record.id,
      tenant: record.tenant,
      model: record.model,
      summary: JSON.stringify(record.summary),
      metadata: JSON.stringify(record.metadata),
      webhook: JSON.stringify(record.webhook),
      completionWindow: record.completionWindow,
      scheduleId: record.scheduleId ?? '',
      createdAt: record.createdAt.toISOString(),
      expiresAt: record.expiresAt.toISOString(),
      total: count,
      queued: count,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      expired: 0,
      promptTokens: 0,
      completionTokens: 0,
      ...(record.traceparent ? { traceparent: record.traceparent } : {}),
    });
    const [written, before] = (await createBatchScript.run(
      this.#redis,
      [
        keys.record,
        keys.documents,
        tenantBatchesKey(record.tenant),
        openBatchesKey,
        unfinishedDocumentsKey,
      ],
      [
        record.tenant,
        count,
        limit?.adding ?? 0,
        limit?.max ?? -1,
        record.id,
        record.expiresAt.getTime(),
        fields.length,
        ...fields.flat(),
        ...record.documentIds,
      ],
    )) as [number, number];
    if (!written && limit) throw new UnfinishedQuotaError(record.tenant, before, limit);
  }

  /** The batch, or null when it does not exist or has aged out. */
  async get(batchId: string): Promise<StoredBatch | null> {
    const [fields, charge] = await Promise.all([
      this.#redis.hgetall(batchKeys(batchId).record),
      this.#charges?.batchTotals(batchId),
    ]);
    if (!fields.id || !fields.tenant) return null;
    return {
      tenant: fields.tenant,
      batch: toBatchObject(fields, charge),
      cancelRequested: fields.cancelledAt !== undefined,
      expired: fields.expiredAt !== undefined,
      ...(fields.traceparent ? { traceparent: fields.traceparent } : {}),
    };
  }

  /** The batch if `tenant` owns it; another tenant's batch is indistinguishable from none. */
  async getForTenant(tenant: string, batchId: string): Promise<BatchObject | null> {
    const stored = await this.get(batchId);
    return stored && stored.tenant === tenant ? stored.batch : null;
  }

  /** A tenant's batches, newest first, after the cursor `after` (a batch id). */
  async list(
    tenant: string,
    { limit, after }: { limit: number; after?: string | undefined },
  ): Promise<{ data: BatchObject[]; hasMore: boolean }> {
    const page = await pageOfIds(this.#redis, tenantBatchesKey(tenant), { limit, after }, (id) =>
      this.get(id),
    );
    return { data: page.data.map((b) => b.batch), hasMore: page.hasMore };
  }

  /**
   * Marks the batch cancelled (documents not yet finished will end `cancelled`); a batch that is
   * final already, even by a step an instant earlier, keeps its status.
   * Returns the batch, or null if the tenant has no such batch.
   */
  async requestCancel(tenant: string, batchId: string): Promise<BatchObject | null> {
    const stored = await this.get(batchId);
    if (!stored || stored.tenant !== tenant) return null;
    if (!stored.batch.completedAt) await this.#markStop(batchId, 'cancelledAt');
    return (await this.getForTenant(tenant, batchId)) as BatchObject;
  }

  /** Marks the batch's unfinished documents to end `expired` (unless the batch is final). */
  async markExpired(batchId: string): Promise<void> {
    await this.#markStop(batchId, 'expiredAt');
  }

  async #markStop(batchId: string, field: 'cancelledAt' | 'expiredAt'): Promise<void> {
    await markStopScript.run(
      this.#redis,
      [batchKeys(batchId).record],
      [field, new Date().toISOString()],
    );
  }

  /**
   * Moves a document to a state, storing its result when given. Returns false when the document
   * was already final: the caller must not act on it again (no duplicate results).
   */
  async moveDocument(
    batchId: string,
    documentId: string,
    state: DocumentStatus,
    result?: DocumentResult,
  ): Promise<boolean> {
    const [moved, finished] = (await moveDocumentScript.run(this.#redis, documentKeys(batchId), [
      documentId,
      state,
      result ? JSON.stringify(result) : '',
      result?.usage.promptTokens ?? 0,
      result?.usage.completionTokens ?? 0,
      new Date().toISOString(),
      this.#ttlSeconds,
    ])) as [number, number];
    if (finished) await this.#finalized(batchId);
    return moved === 1;
  }

  /**
   * Starts a document on a worker (one round trip): `stop` when its batch was cancelled or
   * expired (the document is recorded in that state), `duplicate` when it is already final,
   * else `run` with its checkpoint, if an earlier run left one.
   */
  async startDocument<C>(batchId: string, documentId: string): Promise<DocumentStart<C>> {
    const [outcome, value, finished] = (await startDocumentScript.run(
      this.#redis,
      documentKeys(batchId),
      [documentId, new Date().toISOString(), this.#ttlSeconds],
    )) as [string, string, number];
    if (finished) await this.#finalized(batchId);
    return documentStart<C>([outcome, value]);
  }

  /**
   * Ends the batch if every document is final and it is not final yet (normally the step that
   * recorded the last document did so already; this covers batches recorded before that was so).
   * Idempotent. Returns the batch afterwards, whether this call ended it, and whether its final
   * webhook event still waits to be queued; null when the batch does not exist.
   */
  async finishIfDone(
    batchId: string,
  ): Promise<(StoredBatch & { finished: boolean; eventPending: boolean }) | null> {
    const [finished, pending] = (await finishBatchScript.run(this.#redis, documentKeys(batchId), [
      new Date().toISOString(),
      this.#ttlSeconds,
    ])) as [number, number];
    const stored = await this.get(batchId);
    return stored && { ...stored, finished: finished === 1, eventPending: pending === 1 };
  }

  async #finalized(batchId: string): Promise<void> {
    if (!this.#events) return;
    try {
      const stored = await this.get(batchId);
      if (stored) {
        const { tenant, batch } = stored;
        await this.#events.emit('batch.ended', { batchId, tenant, status: batch.status });
      }
    } catch {
      // The final event stays pending in Redis; FinalEventRelay.relayPending queues it later.
    }
  }

  /** Checkpoint of a partly summarized document: the chunk summaries done so far. */
  async loadCheckpoint<T>(batchId: string, documentId: string): Promise<T | null> {
    const raw = await this.#redis.hget(batchKeys(batchId).checkpoints, documentId);
    return raw ? (JSON.parse(raw) as T) : null;
  }

  async saveCheckpoint(batchId: string, documentId: string, checkpoint: unknown): Promise<void> {
    await this.#redis.hset(batchKeys(batchId).checkpoints, documentId, JSON.stringify(checkpoint));
  }

  /** The earliest `expiresAt` among unfinished batches, or null when none is open. */
  async nextExpiry(): Promise<Date | null> {
    const [, score] = await this.#redis.zrange(openBatchesKey, 0, 0, 'WITHSCORES');
    return score === undefined ? null : new Date(Number(score));
  }

  /** How many of the tenant's documents are not finished yet (queued or running). */
  async unfinishedDocuments(tenant: string): Promise<number> {
    return Math.max(0, Number((await this.#redis.hget(unfinishedDocumentsKey, tenant)) ?? 0));
  }

  /** Unfinished batches, soonest to expire first (the dashboard's "in flight"). */
  async openBatches(limit = 50): Promise<StoredBatch[]> {
    const ids = await this.#redis.zrange(openBatchesKey, 0, limit - 1);
    const batches = await Promise.all(ids.map((id) => this.get(id)));
    return batches.filter((b): b is StoredBatch => b !== null);
  }

  /** Batch ids whose `expiresAt` has passed and that are not final yet. */
  async dueForExpiry(now: Date, limit = 100): Promise<string[]> {
    return this.#redis.zrangebyscore(openBatchesKey, 0, now.getTime(), 'LIMIT', 0, limit);
  }

  /**
   * Forgets the documents' results (their states, counts and usage stay): for a batch whose
   * results another copy now holds (an OpenAI batch's output and error files). The results
   * stream then shows each document's final state alone.
   */
  async dropResults(batchId: string): Promise<void> {
    await this.#redis.unlink(batchKeys(batchId).results);
  }

  /**
   * Every document's line of the results stream, in submission order, read in pages so a
   * 10,000-document batch never sits in memory at once.
   */
  async *results(batchId: string, pageSize = 500): AsyncGenerator<DocumentResult> {
    const keys = batchKeys(batchId);
    const model = (await this.#redis.hget(keys.record, 'model')) ?? null;
    for (let start = 0; ; start += pageSize) {
      const ids = await this.#redis.lrange(keys.documents, start, start + pageSize - 1);
      if (ids.length === 0) return;
      const [results, states, charges] = await Promise.all([
        this.#redis.hmget(keys.results, ...ids),
        this.#redis.hmget(keys.states, ...ids),
        this.#charges?.documentTotals(batchId, ids),
      ]);
      for (const [i, documentId] of ids.entries()) {
        const result = results[i];
        const line: DocumentResult = result
          ? (JSON.parse(result) as DocumentResult)
          : {
              documentId,
              status: (states[i] ?? 'queued') as DocumentStatus,
              model,
              usage: { promptTokens: 0, completionTokens: 0 },
            };
        const charge = charges?.get(documentId);
        if (charge) line.usage = { ...line.usage, ...roundedCharge(charge) };
        yield line;
      }
    }
  }
}

/** The keys every document transition touches (see transition-scripts.ts). */
function documentKeys(batchId: string): string[] {
  const keys = batchKeys(batchId);
  return [
    keys.record,
    keys.states,
    keys.results,
    unfinishedDocumentsKey,
    keys.checkpoints,
    keys.documents,
    openBatchesKey,
    finalEventsKey,
  ];
}
