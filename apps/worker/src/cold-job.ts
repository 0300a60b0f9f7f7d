import { type ColdDocument, type ColdJobData, coldDocumentsOf } from '@nightshift/core';
import { type Job, WaitingError } from 'bullmq';
import type { Logger } from 'pino';

/** How one document of a cold job went. */
export interface DocumentRun {
  /** Its final state (or `duplicate`), joined into the job's return value. */
  outcome: string;
  /** The model failure it was recorded `failed` with on the last attempt: fails the job. */
  modelError?: Error;
}

/** Options of {@link runColdJob}. */
export interface ColdJobOptions {
  /** True when cold work must step aside (hot work waiting, window closing, VRAM full). */
  shouldYield: () => boolean;
  logger: Logger;
  /** Turn-taking clock of the cold lane (`FairShare`): told each job's priority as it starts. */
  fairShare?: { advance(priority: number): Promise<void> };
  /**
   * Lets a group hand the documents it has not started back to the queue, one job each, when
   * this worker has a free slot and no cold job waits (`ColdGroupRelease`): a batch's last
   * groups then spread over every slot instead of running one document after the other.
   */
  release?: {
    shouldRelease(): Promise<boolean>;
    release(job: Job<ColdJobData>, kept: ColdDocument[], released: ColdDocument[]): Promise<void>;
  };
}

/**
 * Runs the documents a cold job carries, one after the other, with `runDocument` (which learns
 * whether this is the job's last attempt). Between two documents nothing is running, so when
 * cold work must yield the rest goes back to the queue there (`moveToWait` + `WaitingError`, no
 * attempt counted; documents already final are skipped when the job runs again). Returns the
 * outcomes joined; once every document is final, a model failure still fails the job, kept
 * for inspection.
 *
 * @example
 * const processor = (job: Job<ColdJobData>, token?: string) =>
 *   runColdJob(job, token, { shouldYield, logger }, (document, last) => runDocument(job, document, last));
 */
export async function runColdJob(
  job: Job<ColdJobData>,
  token: string | undefined,
  options: ColdJobOptions,
  runDocument: (document: ColdDocument, lastAttempt: boolean) => Promise<DocumentRun>,
): Promise<string> {
  const { logger } = options;
  // Best effort, alongside the work: a missed advance only lets the clock lag until the next
  // batch reads the head.
  const advanced = options.fairShare
    ?.advance(job.priority)
    .catch((error) => logger.warn({ err: error, jobId: job.id }, 'fair-share clock not advanced'));
  // A run its worker died under (a stall) spent an attempt too: BullMQ counts those apart.
  const lastAttempt = job.attemptsMade + (job.stalledCounter ?? 0) + 1 >= (job.opts.attempts ?? 1);
  const outcomes: string[] = [];
  let modelError: Error | undefined;
  try {
    let documents = coldDocumentsOf(job.data);
    for (let i = 0; i < documents.length; i++) {
      const document = documents[i] as ColdDocument;
      if (i > 0 && options.shouldYield()) {
        logger.info(
          { batchId: job.data.batchId, jobId: job.id },
          'cold job yielded between documents',
        );
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (i + 1 < documents.length && (await releaseRest(job, documents, i, options))) {
        documents = documents.slice(0, i + 1);
      }
      const ran = await runDocument(document, lastAttempt);
      outcomes.push(ran.outcome);
      modelError ??= ran.modelError;
    }
  } finally {
    await advanced;
  }
  if (modelError) throw modelError;
  return outcomes.join(',');
}

/**
 * Before document `i` of a group runs: hands the documents after it back to the queue when
 * `options.release` says slots would otherwise idle. True when they went. A failed release
 * (Redis away) keeps them here: the group runs them as before.
 */
async function releaseRest(
  job: Job<ColdJobData>,
  documents: ColdDocument[],
  i: number,
  options: ColdJobOptions,
): Promise<boolean> {
  const { release, logger } = options;
  if (!release) return false;
  try {
    if (!(await release.shouldRelease())) return false;
    await release.release(job, documents.slice(0, i + 1), documents.slice(i + 1));
    logger.debug(
      { batchId: job.data.batchId, jobId: job.id, released: documents.length - i - 1 },
      'cold group handed its unstarted documents back',
    );
    return true;
  } catch (error) {
    logger.warn({ err: error, jobId: job.id }, 'cold group kept its documents: release failed');
    return false;
  }
}
