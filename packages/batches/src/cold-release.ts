import type { ColdDocument, ColdJobData } from '@nightshift/core';
import type { Job, Queue } from 'bullmq';
import { coldJobId } from './batch-gates.ts';

/** Options of {@link ColdGroupRelease}. */
export interface ColdGroupReleaseOptions {
  /** The `cold` queue, on a non-blocking connection: released documents are added to it. */
  queue: Queue<ColdJobData>;
  /**
   * Cold slots this worker could run but does not now (its concurrency less its running jobs).
   * Nothing is released while every slot is busy.
   */
  spareSlots: () => number;
}

/**
 * Lets a running group of documents (see `planColdJobs`) hand the documents it has not started
 * back to the queue as jobs of their own, when slots would otherwise stay idle: this worker has
 * a free slot and no cold job waits for one. Groups are sized at submission for the slots of a
 * typical lane; a batch's last groups would otherwise run one document after the other in a few
 * slots while the server has room for many more (on a continuous-batching GPU, every sequence
 * more makes the others barely slower). While jobs wait, a group keeps its documents: each
 * slot is fed anyway, and fewer jobs cost the queue less.
 *
 * @example
 * const release = new ColdGroupRelease({ queue: coldQueue, spareSlots: () => free });
 * if (await release.shouldRelease()) await release.release(job, started, unstarted);
 */
export class ColdGroupRelease {
  readonly #o: ColdGroupReleaseOptions;

  constructor(options: ColdGroupReleaseOptions) {
    this.#o = options;
  }

  /** True when a group should hand its unstarted documents back now. */
  async shouldRelease(): Promise<boolean> {
    if (this.#o.spareSlots() < 1) return false;
    // Prioritized: the fair-share order gives every cold job a priority.
    const waiting = await this.#o.queue.getJobCountByTypes('wait', 'prioritized');
    return waiting === 0;
  }

  /**
   * Queues each of `released` as a job of its own (same batch, parent, priority, attempts and
   * retention as `job`), then keeps only `kept` in `job`'s data, so a retry, a yield or the
   * sweep of stranded documents sees each document in exactly one job. A crash between the two
   * steps leaves a document in two jobs: its second run is a duplicate, ended by
   * `BatchStore.startDocument` at once, and a repeated release adds nothing (job ids come from
   * each document's index, as at submission).
   */
  async release(job: Job<ColdJobData>, kept: ColdDocument[], released: ColdDocument[]) {
    const [first, ...more] = kept;
    if (!first || released.length === 0) return;
    const { attempts, backoff, priority, removeOnComplete, removeOnFail } = job.opts;
    const parent = job.parent?.id ? { id: job.parent.id, queue: job.parent.queueKey } : undefined;
    const { more: _more, ...shared } = job.data;
    await this.#o.queue.addBulk(
      released.map((document) => ({
        name: job.name,
        data: { ...shared, ...document },
        opts: {
          jobId: coldJobId(job.data.batchId, document.index),
          ...(attempts !== undefined ? { attempts } : {}),
          ...(backoff !== undefined ? { backoff } : {}),
          ...(priority !== undefined ? { priority } : {}),
          ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
          ...(removeOnFail !== undefined ? { removeOnFail } : {}),
          ignoreDependencyOnFailure: true,
          ...(parent ? { parent } : {}),
        },
      })),
    );
    await job.updateData({
      ...shared,
      documentId: first.documentId,
      index: first.index,
      content: first.content,
      ...(more.length > 0 ? { more } : {}),
    });
  }
}
