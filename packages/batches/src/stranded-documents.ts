import {
  type ColdJobData,
  coldDocumentsOf,
  type DocumentResult,
  keyPrefix,
  queueNames,
} from '@nightshift/core';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { batchKeys, openBatchesKey, strandedSweepLockKey } from './batch-keys.ts';
import type { BatchStore, StoredBatch } from './batch-store.ts';
import { DocumentBlobs } from './document-blobs.ts';

/** Options of {@link StrandedDocuments}. */
export interface StrandedDocumentsOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  store: BatchStore;
  /** Attempts of a cold job whose own options do not say (`NIGHTSHIFT_JOB_ATTEMPTS`). */
  attempts: number;
  /** TTL of uploaded blobs (the result TTL); only used to address them. */
  resultTtlMs: number;
  /**
   * How long after its creation a batch without its BullMQ parent job may still be being
   * queued by the API (it writes the record first, then the flow). Default 2 minutes.
   */
  submitGraceMs?: number;
  /**
   * Hears the queue handle's errors (a Redis outage: `RedisOutageLog.listener`). Absent,
   * BullMQ prints each one with its stack.
   */
  onError?: (error: Error) => void;
}

/** What one look at a batch did. */
export interface StrandedOutcome {
  batchId: string;
  /** Documents recorded in a final state here (failed, or cancelled/expired with their batch). */
  ended: string[];
  /** Failed cold jobs put back in the queue because attempts were still owed to them. */
  requeued: string[];
}

/** BullMQ's reason for a job failed by stalling more than `maxStalledCount` times. */
export const stalledTooOften = 'job stalled more than allowable limit';

const noUsage = { promptTokens: 0, completionTokens: 0 };
/** Open batches read per page of a sweep. */
const pageSize = 200;

/**
 * Finds documents recorded `queued` or `running` that no BullMQ job will ever run again, and
 * ends them or puts their job back, so that no batch stays open for want of a job:
 * - a cold job that ended `failed` (stalled more often than allowed, a worker killed again and
 *   again; or an error on its last attempt that left documents unrecorded): when it still has
 *   attempts owed (it was failed by a worker allowing fewer stalls than its attempts), it goes
 *   back to the queue; otherwise its unfinished documents end `failed` with a clear error
 *   (`worker_lost`, `job_failed`), or `cancelled`/`expired` when their batch was stopped;
 * - a batch whose parent job has no child job left alive (waiting, active, delayed,
 *   prioritized or itself waiting on children) while documents are unfinished: those
 *   documents' jobs are gone, and with them their contents, so they end `failed`
 *   (`job_lost`).
 * Every step is idempotent (a document's move is the state machine's Lua step, a final one
 * never changes), so a sweep racing a worker or another replica records each document once.
 *
 * @example
 * const stranded = new StrandedDocuments({ redis, store, attempts: 5, resultTtlMs });
 * coldWorker.on('failed', (job) => job?.finishedOn && void stranded.settleFailedJob(job));
 * await stranded.sweep({ holder: workerId, lockMs: 30_000 });
 */
export class StrandedDocuments {
  readonly #o: StrandedDocumentsOptions;
  readonly #cold: Queue<ColdJobData>;
  readonly #blobs: DocumentBlobs;

  constructor(options: StrandedDocumentsOptions) {
    this.#o = options;
    this.#cold = new Queue<ColdJobData>(queueNames.cold, {
      connection: options.redis,
      prefix: keyPrefix,
    });
    if (options.onError) this.#cold.on('error', options.onError);
    this.#blobs = new DocumentBlobs({ redis: options.redis, ttlMs: options.resultTtlMs });
  }

  /**
   * One sweep of every open batch, by one replica at a time: the first to take the lock
   * (held `lockMs`, about the sweep's interval) sweeps, the others skip (null).
   */
  async sweep({ holder, lockMs }: { holder: string; lockMs: number }, now = new Date()) {
    const { redis } = this.#o;
    if (!(await redis.set(strandedSweepLockKey, holder, 'PX', lockMs, 'NX'))) return null;
    const outcomes: StrandedOutcome[] = [];
    for (let start = 0; ; start += pageSize) {
      const ids = await redis.zrange(openBatchesKey, start, start + pageSize - 1);
      for (const batchId of ids) {
        const outcome = await this.settleBatch(batchId, now);
        if (outcome.ended.length > 0 || outcome.requeued.length > 0) outcomes.push(outcome);
      }
      if (ids.length < pageSize) return outcomes;
    }
  }

  /** Looks at one batch: its failed cold jobs, then documents left with no job alive. */
  async settleBatch(batchId: string, now = new Date()): Promise<StrandedOutcome> {
    const outcome: StrandedOutcome = { batchId, ended: [], requeued: [] };
    const stored = await this.#o.store.get(batchId);
    if (!stored || stored.batch.completedAt) return outcome;
    const parent = `${keyPrefix}:${queueNames.batches}:${batchId}`;
    const [[, exists], [, failedKeys], [, pending]] = (await this.#o.redis
      .multi()
      .exists(parent)
      .hkeys(`${parent}:failed`)
      .scard(`${parent}:dependencies`)
      .exec()) as [[null, number], [null, string[]], [null, number]];
    const coldPrefix = `${keyPrefix}:${queueNames.cold}:`;
    // Documents of failed jobs put back just now, or earlier: their job lives again.
    const covered = new Set<string>();
    for (const key of failedKeys.filter((k) => k.startsWith(coldPrefix))) {
      const job = await this.#cold.getJob(key.slice(coldPrefix.length));
      if (!job) continue;
      const settled = job.finishedOn
        ? await this.settleFailedJob(job, stored)
        : { ended: [], requeued: false };
      outcome.ended.push(...settled.ended);
      if (settled.requeued) outcome.requeued.push(job.id as string);
      if (!job.finishedOn || settled.requeued) {
        for (const d of coldDocumentsOf(job.data)) covered.add(d.documentId);
      }
    }
    // While a child job lives (or the gate of a batch still being queued), the rest waits for it.
    if (pending > 0) return outcome;
    const created = Date.parse(stored.batch.createdAt);
    if (!exists && now.getTime() - created < (this.#o.submitGraceMs ?? 120_000)) return outcome;
    for (const documentId of await this.#unfinished(batchId)) {
      if (covered.has(documentId)) continue;
      const ended = await this.#end(stored, documentId, {
        code: 'job_lost',
        message:
          'Its queued job is gone (removed from the queue, or finished without recording it); ' +
          'submit it again.',
      });
      if (ended) outcome.ended.push(documentId);
    }
    return outcome;
  }

  /**
   * A cold job that ended `failed`: back to the queue when it still has attempts owed (a stall
   * limit below its attempts failed it), else its unfinished documents end with its reason.
   * Safe to call for any failed job, any number of times.
   */
  async settleFailedJob(
    job: Job<ColdJobData>,
    known?: StoredBatch,
  ): Promise<{ ended: string[]; requeued: boolean }> {
    const { batchId } = job.data;
    const stalled = job.failedReason === stalledTooOften;
    const attempts = job.opts.attempts ?? this.#o.attempts;
    // The failure of a job stalled too often is BullMQ's own step, not a run of it.
    const runs = (job.stalledCounter ?? 0) + job.attemptsMade - (stalled ? 1 : 0);
    if (stalled && runs < attempts) {
      // The stall mark would fail it again at once when fetched.
      await this.#o.redis.hdel(`${keyPrefix}:${queueNames.cold}:${job.id}`, 'defa');
      // A refusal means it is no longer failed: another caller put it back first.
      const requeued = await job.retry('failed').then(
        () => true,
        async () => !(await job.isFailed()),
      );
      return { ended: [], requeued };
    }
    const stored = known ?? (await this.#o.store.get(batchId));
    if (!stored) return { ended: [], requeued: false };
    const error = stalled
      ? {
          code: 'worker_lost',
          message:
            `The worker running it stopped ${job.stalledCounter} times (killed, out of memory ` +
            `or evicted) before it finished; its ${attempts} attempts are spent.`,
        }
      : { code: 'job_failed', message: job.failedReason || 'Its job failed.' };
    const ended: string[] = [];
    const blobs: string[] = [];
    for (const document of coldDocumentsOf(job.data)) {
      if (await this.#end(stored, document.documentId, error)) {
        ended.push(document.documentId);
        if (document.content.kind === 'blob') blobs.push(document.content.key);
      }
    }
    await this.#blobs.delete(blobs);
    return { ended, requeued: false };
  }

  /** Ends a document failed with `error`, or in its batch's stop state; false if already final. */
  #end(stored: StoredBatch, documentId: string, error: { code: string; message: string }) {
    const status = stored.cancelRequested ? 'cancelled' : stored.expired ? 'expired' : 'failed';
    const result: DocumentResult = {
      documentId,
      status,
      model: null,
      usage: noUsage,
      ...(status === 'failed' ? { error } : {}),
    };
    return this.#o.store.moveDocument(stored.batch.id, documentId, status, result);
  }

  /** The batch's documents not in a final state (queued ones have no state entry). */
  async #unfinished(batchId: string): Promise<string[]> {
    const keys = batchKeys(batchId);
    const unfinished: string[] = [];
    for (let start = 0; ; start += 1000) {
      const ids = await this.#o.redis.lrange(keys.documents, start, start + 999);
      if (ids.length === 0) return unfinished;
      const states = await this.#o.redis.hmget(keys.states, ...ids);
      for (const [i, id] of ids.entries()) {
        const state = states[i];
        if (!state || state === 'queued' || state === 'running') unfinished.push(id);
      }
    }
  }

  async close(): Promise<void> {
    await this.#cold.close();
  }
}
