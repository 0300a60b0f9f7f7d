import type { BatchStore, DocumentStart } from '@nightshift/batches';
import {
  type ColdDocument,
  type ColdJobData,
  coldDocumentsOf,
  type DocumentResult,
} from '@nightshift/core';
import { isDocumentError } from '@nightshift/documents';
import { YieldRequestedError } from '@nightshift/llm';
import type { WorkMeter } from '@nightshift/metrics';
import { type Job, WaitingError } from 'bullmq';
import type { Logger } from 'pino';
import type { DocumentSummarizer, SummaryCheckpoint } from './document-summarizer.ts';

/** Options of {@link createColdProcessor}. */
export interface ColdProcessorOptions {
  store: BatchStore;
  summarizer: DocumentSummarizer;
  /** True when cold work must step aside (hot work waiting, window closing, VRAM full). */
  shouldYield: () => boolean;
  logger: Logger;
  /** Told which model answered each document (models used only by cold work get unloaded). */
  onModelUsed?: (model: string) => void;
  /** Turn-taking clock of the cold lane (`FairShare`): told each job's priority as it starts. */
  fairShare?: { advance(priority: number): Promise<void> };
  /** Measures each document that ends here (duration, tokens, usage ledger). */
  meter?: Pick<WorkMeter, 'documentFinished'>;
  /** Told each document that ended here once (per-document webhook events). */
  onDocumentFinished?: (batchId: string, result: DocumentResult) => Promise<unknown>;
  /** Deletes uploaded blobs (`DocumentBlobs.delete`) once their document has ended. */
  deleteBlobs?: (keys: string[]) => Promise<void>;
}

const noUsage = { promptTokens: 0, completionTokens: 0 };

/**
 * Processes a cold job: one batch document, or a few short ones run one after the other.
 * - A cancelled or expired batch's document ends in that state without touching the GPU.
 * - A document already final (its job ran twice after a crash) is left alone: no duplicate.
 * - Bad documents (corrupt PDF, …) end `failed` with their code: retrying cannot help.
 * - When cold work must yield, the job goes back to the queue at a chunk boundary (or between
 *   two documents) without counting an attempt; the chunk summaries done so far stay as its
 *   checkpoint, and documents already final are skipped when it runs again.
 * - Model failures are retried by BullMQ; on the last attempt the document is recorded
 *   `failed` and the job's remaining documents still run (each with that last attempt).
 */
export function createColdProcessor(options: ColdProcessorOptions) {
  const { store, summarizer, logger } = options;

  /**
   * Runs one document of `job`; returns its outcome, or throws to retry or yield the job. When
   * the job carries a `next` document, recording this one also starts that one (one round
   * trip) unless cold work must yield; its start comes back as `nextStart`.
   */
  const runDocument = async (
    job: Job<ColdJobData>,
    token: string | undefined,
    document: ColdDocument,
    lastAttempt: boolean,
    started: DocumentStart<SummaryCheckpoint> | undefined,
    next: ColdDocument | undefined,
  ): Promise<{
    outcome: string;
    modelError?: Error;
    nextStart?: DocumentStart<SummaryCheckpoint>;
  }> => {
    const { batchId } = job.data;
    const { documentId, content } = document;
    // Every line about this document names it: tenant, batch, document and BullMQ job id.
    // (Fields passed per line, not through a child logger: one child per document costs more
    // than the line itself at thousands of documents a second.)
    const ids = { tenant: job.data.tenant, batchId, documentId, jobId: job.id };
    const startedAt = performance.now();
    let nextStart: DocumentStart<SummaryCheckpoint> | undefined;
    // A document ended (here or by an earlier run): its uploaded bytes are not needed again.
    const dropBlob = async () => {
      if (content.kind !== 'blob' || !options.deleteBlobs) return;
      await options
        .deleteBlobs([content.key])
        .catch((error) =>
          logger.warn({ ...ids, err: error }, 'blob not deleted; it expires with its TTL'),
        );
    };
    const record = async (state: DocumentResult['status'], extra: Partial<DocumentResult> = {}) => {
      const result = { documentId, status: state, model: null, usage: noUsage, ...extra };
      let moved: boolean;
      if (next && !options.shouldYield()) {
        const both = await store.moveThenStart<SummaryCheckpoint>(
          batchId,
          documentId,
          state,
          result,
          next.documentId,
        );
        moved = both.moved;
        nextStart = both.next;
      } else {
        moved = await store.moveDocument(batchId, documentId, state, result);
      }
      await dropBlob();
      // Only the run that moved the document counts: a duplicate run measures nothing.
      if (moved && (state === 'succeeded' || state === 'failed')) {
        await options.meter?.documentFinished({
          lane: 'cold',
          tenant: job.data.tenant,
          model: result.model,
          outcome: state,
          durationMs: performance.now() - startedAt,
          usage: result.usage,
        });
        await options.onDocumentFinished?.(batchId, result);
        logger.info(
          {
            ...ids,
            status: state,
            model: result.model,
            durationMs: Math.round(performance.now() - startedAt),
          },
          'document finished',
        );
      }
      return moved;
    };

    // One round trip: a cancelled or expired batch's document ends so, a document already
    // final is a duplicate run, anything else starts (with its checkpoint, if any).
    const start = started ?? (await store.startDocument<SummaryCheckpoint>(batchId, documentId));
    if (start.outcome === 'stop' || start.outcome === 'duplicate') await dropBlob();
    if (start.outcome === 'stop') return { outcome: start.state };
    if (start.outcome === 'duplicate') return { outcome: 'duplicate' };
    const { checkpoint } = start;
    try {
      const summary = await summarizer.summarize({
        content,
        model: job.data.model,
        summary: job.data.summary,
        checkpoint: checkpoint ?? undefined,
        onCheckpoint: (next) => store.saveCheckpoint(batchId, documentId, next),
        shouldYield: options.shouldYield,
      });
      options.onModelUsed?.(summary.model);
      await record('succeeded', {
        summary: summary.summary,
        model: summary.model,
        degraded: summary.degraded,
        usage: summary.usage,
      }); // the final move drops the checkpoint too
      return { outcome: 'succeeded', ...(nextStart ? { nextStart } : {}) };
    } catch (error) {
      if (isDocumentError(error)) {
        await record('failed', { error: { code: error.code, message: error.message } });
        return { outcome: 'failed', ...(nextStart ? { nextStart } : {}) };
      }
      if (error instanceof YieldRequestedError) {
        await store.moveDocument(batchId, documentId, 'queued');
        logger.info(ids, 'cold job yielded at a chunk boundary');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (!lastAttempt) {
        await store.moveDocument(batchId, documentId, 'queued');
        throw error;
      }
      await record('failed', {
        error: { code: 'model_unavailable', message: (error as Error).message },
      });
      return { outcome: 'failed', modelError: error as Error, ...(nextStart ? { nextStart } : {}) };
    }
  };

  return async (job: Job<ColdJobData>, token?: string): Promise<string> => {
    // Best effort: a missed advance only lets the clock lag until the next batch reads the head.
    await options.fairShare
      ?.advance(job.priority)
      .catch((error) =>
        logger.warn({ err: error, jobId: job.id }, 'fair-share clock not advanced'),
      );
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcomes: string[] = [];
    let modelError: Error | undefined;
    const documents = coldDocumentsOf(job.data);
    let started: DocumentStart<SummaryCheckpoint> | undefined;
    for (const [i, document] of documents.entries()) {
      // Between two documents nothing is running: hand the rest back without starting the next
      // (the ones already final are skipped when the job runs again).
      if (i > 0 && !started && options.shouldYield()) {
        logger.info(
          { batchId: job.data.batchId, jobId: job.id },
          'cold job yielded between documents',
        );
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const ran = await runDocument(job, token, document, lastAttempt, started, documents[i + 1]);
      outcomes.push(ran.outcome);
      modelError ??= ran.modelError;
      started = ran.nextStart;
    }
    // Every document is final; a model failure still fails the job, kept for inspection.
    if (modelError) throw modelError;
    return outcomes.join(',');
  };
}
