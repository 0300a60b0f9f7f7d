import {
  type BatchObject,
  type ColdJobData,
  coldDocumentsOf,
  keyPrefix,
  queueNames,
} from '@nightshift/core';
import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { coldJobId, gateQueueName, openGate } from './batch-gates.ts';
import type { BatchStore } from './batch-store.ts';
import { DocumentBlobs } from './document-blobs.ts';

/** Options of {@link BatchStopper}. */
export interface BatchStopperOptions {
  /** Connection for the queues (shared, never blocking). */
  connection: Redis;
  store: BatchStore;
  /** TTL of uploaded blobs (the result TTL); only used to address them. */
  resultTtlMs: number;
  /**
   * Hears the queues' errors (a Redis outage: `RedisOutageLog.listener`). Absent, BullMQ prints
   * each one with its stack.
   */
  onError?: (error: Error) => void;
}

/**
 * Ends batches before their documents ran: cancel (a tenant asked) and expire (the completion
 * window passed). Waiting documents come off the cold queue at once and end in that state;
 * documents already running finish their current call and are recorded as they end.
 *
 * @example
 * const stopper = new BatchStopper({ connection, store, resultTtlMs });
 * await stopper.cancel('acme', 'batch_…');
 */
export class BatchStopper {
  readonly #cold: Queue;
  readonly #gates: Queue;
  readonly #blobs: DocumentBlobs;
  readonly #store: BatchStore;

  constructor(options: BatchStopperOptions) {
    this.#store = options.store;
    this.#cold = new Queue(queueNames.cold, { connection: options.connection, prefix: keyPrefix });
    this.#gates = new Queue(gateQueueName, { connection: options.connection, prefix: keyPrefix });
    if (options.onError)
      for (const queue of [this.#cold, this.#gates]) queue.on('error', options.onError);
    this.#blobs = new DocumentBlobs({ redis: options.connection, ttlMs: options.resultTtlMs });
  }

  /**
   * Cancels a batch: marks it, then takes its waiting documents off the cold queue at once
   * (each ends `cancelled`); the batch's parent completes when the last child is gone.
   */
  async cancel(tenant: string, batchId: string): Promise<BatchObject | null> {
    const batch = await this.#store.requestCancel(tenant, batchId);
    if (!batch || batch.completedAt) return batch;
    await this.#stopWaitingDocuments(batchId, batch.counts.total, 'cancelled');
    return this.#store.getForTenant(tenant, batchId);
  }

  /**
   * Expires a batch whose `expiresAt` has passed: its waiting documents end `expired` at once.
   * Idempotent, so every worker may sweep.
   */
  async expire(batchId: string): Promise<void> {
    const stored = await this.#store.get(batchId);
    if (!stored || stored.batch.completedAt) return;
    await this.#store.markExpired(batchId);
    await this.#stopWaitingDocuments(batchId, stored.batch.counts.total, 'expired');
  }

  /**
   * Takes a batch's waiting documents off the cold queue, recording each in `state`. Job ids
   * are probed a slice at a time with every lookup of a slice in flight together: one round trip
   * after another made a 10,000-document cancel take 6.5 s.
   */
  async #stopWaitingDocuments(batchId: string, total: number, state: 'cancelled' | 'expired') {
    // A submission that died between slices left its gate: a stopped batch must still end.
    await openGate(this.#gates, batchId);
    // Uploaded bytes of documents that will never run go at once, not with their TTL.
    const blobKeys: string[] = [];
    const stopJob = async (job: Job<ColdJobData> | undefined) => {
      if (!job) return;
      // An active job is locked and cannot be removed: its processor sees the stop reason.
      const removed = await job.remove().then(
        () => true,
        () => false,
      );
      if (!removed) return;
      await Promise.all(
        coldDocumentsOf(job.data).map(({ documentId, content }) => {
          if (content.kind === 'blob') blobKeys.push(content.key);
          return this.#store.moveDocument(batchId, documentId, state, {
            documentId,
            status: state,
            model: null,
            usage: { promptTokens: 0, completionTokens: 0 },
          });
        }),
      );
    };
    for (let start = 0; start < total; start += lookupSlice) {
      const indexes = Array.from(
        { length: Math.min(lookupSlice, total - start) },
        (_, i) => start + i,
      );
      const jobs = await Promise.all(
        indexes.map(
          (index) =>
            this.#cold.getJob(coldJobId(batchId, index)) as Promise<Job<ColdJobData> | undefined>,
        ),
      );
      await Promise.all(jobs.map(stopJob));
    }
    await this.#blobs.delete(blobKeys);
  }

  async close(): Promise<void> {
    await Promise.all([this.#cold.close(), this.#gates.close()]);
  }
}

/** Job ids looked up at once while stopping a batch (a job id per document index at most). */
const lookupSlice = 500;
