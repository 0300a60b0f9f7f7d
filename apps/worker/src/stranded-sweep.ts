import type { StrandedDocuments, StrandedOutcome } from '@nightshift/batches';
import type { ColdJobData } from '@nightshift/core';
import { isRedisUnreachable } from '@nightshift/redis';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';

/** Options of {@link StrandedSweep}. */
export interface StrandedSweepOptions {
  stranded: Pick<StrandedDocuments, 'sweep' | 'settleFailedJob'>;
  /** This worker's id: who holds the sweep's lock. */
  holder: string;
  /** How often a sweep is tried (the lock is held this long, so one replica sweeps per interval). */
  intervalMs: number;
  logger: Logger;
}

/**
 * Keeps documents from being stranded by a cold job that no worker will run again:
 * - at once, when this worker fails a cold job for good (stalled more often than allowed: a
 *   worker killed again and again), its unfinished documents end or the job goes back;
 * - every `intervalMs`, one replica (a Redis lock) sweeps the open batches for documents whose
 *   job ended without them, whichever worker saw it end, or whether any did
 *   (`StrandedDocuments`).
 * Every worker runs one; each step is idempotent.
 *
 * @example
 * const sweep = new StrandedSweep({ stranded, holder: workerId, intervalMs: 30_000, logger });
 * sweep.watch(coldWorker);
 * sweep.start();
 */
export class StrandedSweep {
  readonly #o: StrandedSweepOptions;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: StrandedSweepOptions) {
    this.#o = options;
  }

  /** Settles each cold job `worker` fails for good, as it fails. */
  watch(worker: Worker<ColdJobData>): void {
    const { stranded, logger } = this.#o;
    worker.on('failed', (job) => {
      // Only a final failure (`finishedOn`): a retried job will run again.
      if (!job?.finishedOn) return;
      void stranded
        .settleFailedJob(job)
        .then(({ ended, requeued }) =>
          this.#log({ batchId: job.data.batchId, ended, requeued: requeued ? [job.id ?? ''] : [] }),
        )
        .catch((error: Error) =>
          logger.warn({ jobId: job.id, err: error.message }, 'failed job not settled; sweep will'),
        );
    });
  }

  start(): void {
    // Redis may be away for a while: the next sweep tries again. The outage itself is logged
    // once by the connections' outage log, not by every sweep it fails.
    const tick = () =>
      void this.sweep().catch((error: Error) => {
        if (!isRedisUnreachable(error))
          this.#o.logger.warn({ err: error.message }, 'stranded documents sweep failed');
      });
    this.#timer = setInterval(tick, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** One sweep, unless another replica holds the lock; returns what it did (null: skipped). */
  async sweep(): Promise<StrandedOutcome[] | null> {
    const { stranded, holder, intervalMs } = this.#o;
    const outcomes = await stranded.sweep({ holder, lockMs: intervalMs });
    for (const outcome of outcomes ?? []) this.#log(outcome);
    return outcomes;
  }

  #log(outcome: StrandedOutcome): void {
    if (outcome.ended.length === 0 && outcome.requeued.length === 0) return;
    this.#o.logger.warn(
      {
        batchId: outcome.batchId,
        documents: outcome.ended.length,
        documentIds: outcome.ended.slice(0, 20),
        requeuedJobs: outcome.requeued,
      },
      'stranded documents settled',
    );
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
