import {
  type BatchCounts,
  type BatchObject,
  type BatchStatus,
  type DocumentResult,
  type DocumentStatus,
  type SummaryOptions,
  terminalBatchStatuses,
} from '@nightshift/core';
import type { Redis } from 'ioredis';
import {
  batchKeys,
  openBatchesKey,
  tenantBatchesKey,
  unfinishedDocumentsKey,
} from './batch-keys.ts';
import {
  finalizeScript,
  moveDocumentScript,
  moveThenStartScript,
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
}

/** A stored batch: the public object plus who owns it. */
export interface StoredBatch {
  tenant: string;
  batch: BatchObject;
  /** A cancel was asked for; documents not yet done are being cancelled. */
  cancelRequested: boolean;
  /** `expiresAt` passed before the batch ended; documents not yet done expire. */
  expired: boolean;
}

/** Options of {@link BatchStore}. */
export interface BatchStoreOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  /** How long a finished batch and its results stay readable. */
  resultTtlMs: number;
}

const countFields = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired'] as const;

/**
 * The record of every batch: its fields, per-document states, counts, usage and results.
 * Document state changes are atomic and idempotent (see transition-scripts.ts).
 *
 * @example
 * const store = new BatchStore({ redis, resultTtlMs: durationMs('7d') });
 * await store.moveDocument(batchId, 'doc_1', 'running');
 * await store.moveDocument(batchId, 'doc_1', 'succeeded', result);
 */
export class BatchStore {
  readonly #redis: Redis;
  readonly #ttlSeconds: number;

  constructor(options: BatchStoreOptions) {
    this.#redis = options.redis;
    this.#ttlSeconds = Math.ceil(options.resultTtlMs / 1000);
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
    const fields = await this.#redis.hgetall(batchKeys(batchId).record);
    if (!fields.id || !fields.tenant) return null;
    return {
      tenant: fields.tenant,
      batch: toBatchObject(fields),
      cancelRequested: fields.cancelledAt !== undefined,
      expired: fields.expiredAt !== undefined,
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
    const key = tenantBatchesKey(tenant);
    const max = after ? `(${after}` : '+';
    const ids = (await this.#redis.call(
      'ZRANGE',
      key,
      max,
      '-',
      'BYLEX',
      'REV',
      'LIMIT',
      '0',
      String(limit + 1),
    )) as string[];
    const page = ids.slice(0, limit);
    const batches = await Promise.all(page.map((id) => this.get(id)));
    const gone = page.filter((_, i) => !batches[i]);
    if (gone.length) await this.#redis.zrem(key, ...gone); // aged out: forget lazily
    return {
      data: batches.flatMap((b) => (b ? [b.batch] : [])),
      hasMore: ids.length > limit,
    };
  }

  /**
   * Marks the batch cancelled (documents not yet finished will end `cancelled`).
   * Returns the batch, or null if the tenant has no such batch.
   */
  async requestCancel(tenant: string, batchId: string): Promise<BatchObject | null> {
    const stored = await this.get(batchId);
    if (!stored || stored.tenant !== tenant) return null;
    if (!isTerminal(stored.batch.status)) {
      await this.#redis.hsetnx(batchKeys(batchId).record, 'cancelledAt', new Date().toISOString());
    }
    return (await this.getForTenant(tenant, batchId)) as BatchObject;
  }

  /** Marks the batch's unfinished documents to end `expired`. */
  async markExpired(batchId: string): Promise<void> {
    await this.#redis.hsetnx(batchKeys(batchId).record, 'expiredAt', new Date().toISOString());
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
    const previous = await moveDocumentScript.run(this.#redis, documentKeys(batchId), [
      documentId,
      state,
      result ? JSON.stringify(result) : '',
      result?.usage.promptTokens ?? 0,
      result?.usage.completionTokens ?? 0,
      new Date().toISOString(),
    ]);
    return previous !== null;
  }

  /**
   * Starts a document on a worker (one round trip): `stop` when its batch was cancelled or
   * expired (the document is recorded in that state), `duplicate` when it is already final,
   * else `run` with its checkpoint, if an earlier run left one.
   */
  async startDocument<C>(batchId: string, documentId: string): Promise<DocumentStart<C>> {
    const reply = (await startDocumentScript.run(this.#redis, documentKeys(batchId), [
      documentId,
      new Date().toISOString(),
    ])) as [string, string];
    return documentStart<C>(reply);
  }

  /**
   * {@link moveDocument} then {@link startDocument} of the next document, in one round trip: the
   * documents of one cold job run back to back.
   */
  async moveThenStart<C>(
    batchId: string,
    documentId: string,
    state: DocumentStatus,
    result: DocumentResult,
    nextDocumentId: string,
  ): Promise<{ moved: boolean; next: DocumentStart<C> }> {
    const [moved, ...reply] = (await moveThenStartScript.run(this.#redis, documentKeys(batchId), [
      documentId,
      state,
      JSON.stringify(result),
      result.usage.promptTokens,
      result.usage.completionTokens,
      new Date().toISOString(),
      nextDocumentId,
    ])) as [number, string, string];
    return { moved: moved === 1, next: documentStart<C>(reply) };
  }

  /**
   * Gives the batch its final status once every document is done, starts its retention clock,
   * and reports whether this call was the one that finalized it (only that one sends the webhook).
   */
  async finalize(
    batchId: string,
  ): Promise<{ batch: BatchObject; tenant: string; finalized: boolean } | null> {
    const stored = await this.get(batchId);
    if (!stored) return null;
    const status = finalStatus(stored.batch.counts, stored);
    const keys = batchKeys(batchId);
    const finalized =
      (await this.#redis.eval(
        finalizeScript,
        2,
        keys.record,
        openBatchesKey,
        status,
        new Date().toISOString(),
        batchId,
      )) === 1;
    if (finalized) {
      const multi = this.#redis.multi();
      for (const key of Object.values(keys)) multi.expire(key, this.#ttlSeconds);
      await multi.exec();
    }
    const after = (await this.get(batchId)) as StoredBatch;
    return { batch: after.batch, tenant: after.tenant, finalized };
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
   * Every document's line of the results stream, in submission order, read in pages so a
   * 10,000-document batch never sits in memory at once.
   */
  async *results(batchId: string, pageSize = 500): AsyncGenerator<DocumentResult> {
    const keys = batchKeys(batchId);
    const model = (await this.#redis.hget(keys.record, 'model')) ?? null;
    for (let start = 0; ; start += pageSize) {
      const ids = await this.#redis.lrange(keys.documents, start, start + pageSize - 1);
      if (ids.length === 0) return;
      const [results, states] = await Promise.all([
        this.#redis.hmget(keys.results, ...ids),
        this.#redis.hmget(keys.states, ...ids),
      ]);
      for (const [i, documentId] of ids.entries()) {
        const result = results[i];
        if (result) {
          yield JSON.parse(result) as DocumentResult;
        } else {
          const status = (states[i] ?? 'queued') as DocumentStatus;
          yield { documentId, status, model, usage: { promptTokens: 0, completionTokens: 0 } };
        }
      }
    }
  }
}

/**
 * How a document starts on a worker: `stop` when its batch was cancelled or expired (the
 * document is recorded in that state), `duplicate` when it is already final, else `run` with
 * its checkpoint, if an earlier run left one.
 */
export type DocumentStart<C> =
  | { outcome: 'stop'; state: 'cancelled' | 'expired' }
  | { outcome: 'duplicate' }
  | { outcome: 'run'; checkpoint: C | null };

function documentStart<C>([outcome, value]: [string, string]): DocumentStart<C> {
  if (outcome === 'stop') return { outcome, state: value as 'cancelled' | 'expired' };
  if (outcome === 'duplicate') return { outcome };
  return { outcome: 'run', checkpoint: value ? (JSON.parse(value) as C) : null };
}

/** The keys every document transition touches (see transition-scripts.ts). */
function documentKeys(batchId: string): string[] {
  const keys = batchKeys(batchId);
  return [keys.record, keys.states, keys.results, unfinishedDocumentsKey, keys.checkpoints];
}

function isTerminal(status: BatchStatus): boolean {
  return terminalBatchStatuses.includes(status);
}

function finalStatus(counts: BatchCounts, stored: StoredBatch): BatchStatus {
  if (stored.cancelRequested) return 'cancelled';
  if (counts.expired > 0 || stored.expired) return 'expired';
  if (counts.total > 0 && counts.failed === counts.total) return 'failed';
  if (counts.failed > 0) return 'completed_with_errors';
  return 'completed';
}

function toBatchObject(f: Record<string, string>): BatchObject {
  const counts = Object.fromEntries(
    countFields.map((name) => [name, Number(f[name] ?? 0)]),
  ) as Omit<BatchCounts, 'total'>;
  const status: BatchStatus =
    (f.finalStatus as BatchStatus | undefined) ??
    (f.cancelledAt ? 'cancelled' : f.startedAt ? 'running' : 'queued');
  return {
    id: f.id as string,
    object: 'batch',
    status,
    counts: { total: Number(f.total ?? 0), ...counts },
    model: f.model ?? '',
    summary: JSON.parse(f.summary ?? '{}'),
    usage: {
      promptTokens: Number(f.promptTokens ?? 0),
      completionTokens: Number(f.completionTokens ?? 0),
    },
    metadata: JSON.parse(f.metadata ?? '{}'),
    webhook: JSON.parse(f.webhook ?? 'null'),
    completionWindow: f.completionWindow ?? '24h',
    scheduleId: f.scheduleId || null,
    createdAt: f.createdAt as string,
    startedAt: f.startedAt ?? null,
    completedAt: f.completedAt ?? null,
    cancelledAt: f.cancelledAt ?? null,
    expiresAt: f.expiresAt as string,
  };
}
