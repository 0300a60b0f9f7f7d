import type { BatchStore } from '@nightshift/batches';
import type { ColdDocument, ColdJobData, DocumentResult } from '@nightshift/core';
import { isDocumentError } from '@nightshift/documents';
import { YieldRequestedError } from '@nightshift/llm';
import type { WorkMeter } from '@nightshift/metrics';
import { inSpan, traceRecording } from '@nightshift/telemetry';
import { type Job, WaitingError } from 'bullmq';
import type { Logger } from 'pino';
import { type ColdJobOptions, type DocumentRun, runColdJob } from './cold-job.ts';
import type {
  DocumentSummarizer,
  DocumentSummary,
  SummarizeDocumentRequest,
  SummaryCheckpoint,
} from './document-summarizer.ts';

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
  /** Hands a group's unstarted documents back when slots would idle (see `runColdJob`). */
  release?: ColdJobOptions['release'];
}

const noUsage = { promptTokens: 0, completionTokens: 0 };
/** A yield to hot work: not a failure. */
const isPlannedStop = (error: unknown) => error instanceof YieldRequestedError;

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
  const { store, logger } = options;

  /** Runs one document of `job`; returns its outcome, or throws to retry or yield the job. */
  const runDocument = async (
    job: Job<ColdJobData>,
    token: string | undefined,
    document: ColdDocument,
    lastAttempt: boolean,
  ): Promise<DocumentRun> => {
    const { batchId } = job.data;
    const { documentId } = document;
    const run = new ColdDocumentRun(options, job, document);
    // One round trip: a cancelled or expired batch's document ends so, a document already
    // final is a duplicate run, anything else starts (with its checkpoint, if any).
    const start = await store.startDocument<SummaryCheckpoint>(batchId, documentId);
    if (start.outcome !== 'run') {
      await run.dropBlob();
      return { outcome: start.outcome === 'stop' ? start.state : 'duplicate' };
    }
    try {
      const summary = await run.summarize(start.checkpoint ?? undefined);
      options.onModelUsed?.(summary.model);
      // The final move drops the checkpoint too.
      await run.record('succeeded', {
        summary: summary.summary,
        model: summary.model,
        degraded: summary.degraded,
        usage: summary.usage,
      });
      return { outcome: 'succeeded' };
    } catch (error) {
      if (isDocumentError(error)) {
        await run.record('failed', { error: { code: error.code, message: error.message } });
        return { outcome: 'failed' };
      }
      if (error instanceof YieldRequestedError) {
        await store.moveDocument(batchId, documentId, 'queued');
        logger.info(run.ids(), 'cold job yielded at a chunk boundary');
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (!lastAttempt) {
        await store.moveDocument(batchId, documentId, 'queued');
        throw error;
      }
      await run.record('failed', {
        error: { code: 'model_unavailable', message: (error as Error).message },
      });
      return { outcome: 'failed', modelError: error as Error };
    }
  };

  return (job: Job<ColdJobData>, token?: string): Promise<string> =>
    runColdJob(job, token, options, (document, lastAttempt) =>
      runDocument(job, token, document, lastAttempt),
    );
}

/**
 * One document of a cold job on its way: the steps around its model call (summarize, record,
 * blob, meter, log line), each naming the document the same way.
 */
class ColdDocumentRun {
  readonly startedAt = performance.now();

  constructor(
    readonly options: ColdProcessorOptions,
    readonly job: Job<ColdJobData>,
    readonly document: ColdDocument,
  ) {}

  /** Every line about this document names it: tenant, batch, document and BullMQ job id. */
  ids() {
    const { data, id } = this.job;
    return {
      tenant: data.tenant,
      batchId: data.batchId,
      documentId: this.document.documentId,
      jobId: id,
    };
  }

  summarize(checkpoint: SummaryCheckpoint | undefined) {
    const { job, document, options } = this;
    const request: SummarizeDocumentRequest = {
      content: document.content,
      model: job.data.model,
      summary: job.data.summary,
      checkpoint,
      onCheckpoint: this.saveCheckpoint.bind(this),
      shouldYield: options.shouldYield,
      account: {
        tenant: job.data.tenant,
        lane: 'cold',
        batchId: job.data.batchId,
        documentId: document.documentId,
      },
    };
    return traceRecording() ? this.summarizeTraced(request) : options.summarizer.summarize(request);
  }

  /**
   * Inside the job's span (BullMQ's `process cold`), one span per document: a job may carry
   * several, and each has its own model calls.
   */
  summarizeTraced(request: SummarizeDocumentRequest): Promise<DocumentSummary> {
    const { job, document, options } = this;
    const attributes = {
      'nightshift.tenant': job.data.tenant,
      'nightshift.batch.id': job.data.batchId,
      'nightshift.document.id': document.documentId,
      'gen_ai.request.model': job.data.model,
    };
    return inSpan('summarize document', { attributes, planned: isPlannedStop }, async (span) => {
      const summary = await options.summarizer.summarize(request);
      span.setAttributes({
        'gen_ai.response.model': summary.model,
        'nightshift.document.chunks': summary.chunks,
        'nightshift.document.degraded': summary.degraded,
      });
      return summary;
    });
  }

  /** Progress of a long document (its chunk summaries so far), kept for a rerun. */
  saveCheckpoint(progress: SummaryCheckpoint): Promise<void> {
    return this.options.store.saveCheckpoint(
      this.job.data.batchId,
      this.document.documentId,
      progress,
    );
  }

  /** A document ended (here or by an earlier run): its uploaded bytes are not needed again. */
  async dropBlob(): Promise<void> {
    const { content } = this.document;
    if (content.kind !== 'blob' || !this.options.deleteBlobs) return;
    await this.options
      .deleteBlobs([content.key])
      .catch((error) =>
        this.options.logger.warn(
          { ...this.ids(), err: error },
          'blob not deleted; it expires with its TTL',
        ),
      );
  }

  /** Only the run that moved the document counts: a duplicate run measures nothing. */
  async afterRecord(moved: boolean, result: DocumentResult): Promise<void> {
    await this.dropBlob();
    if (!moved || (result.status !== 'succeeded' && result.status !== 'failed')) return;
    const { options, job } = this;
    await options.meter?.documentFinished({
      lane: 'cold',
      tenant: job.data.tenant,
      model: result.model,
      outcome: result.status,
      durationMs: performance.now() - this.startedAt,
      usage: result.usage,
    });
    await options.onDocumentFinished?.(job.data.batchId, result);
    // Fields passed per line, not through a child logger: one child per document costs more
    // than the line itself at thousands of documents a second.
    options.logger.info(
      {
        ...this.ids(),
        status: result.status,
        model: result.model,
        durationMs: Math.round(performance.now() - this.startedAt),
      },
      'document finished',
    );
  }

  /** Records the document in `state`, then what follows (blob, meter, event, log line). */
  async record(state: DocumentResult['status'], extra: Partial<DocumentResult> = {}) {
    const { batchId } = this.job.data;
    const { documentId } = this.document;
    const result = { documentId, status: state, model: null, usage: noUsage, ...extra };
    await this.afterRecord(
      await this.options.store.moveDocument(batchId, documentId, state, result),
      result,
    );
  }
}
