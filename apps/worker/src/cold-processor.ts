import type { BatchStore, DocumentStart } from '@nightshift/batches';
import {
  type ColdDocument,
  type ColdJobData,
  coldDocumentsOf,
  type DocumentResult,
} from '@nightshift/core';
import { isDocumentError } from '@nightshift/documents';
import { LlmError, YieldRequestedError } from '@nightshift/llm';
import type { WorkMeter } from '@nightshift/metrics';
import { inSpan, traceRecording } from '@nightshift/telemetry';
import { type Job, WaitingError } from 'bullmq';
import type { Logger } from 'pino';
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
}

const noUsage = { promptTokens: 0, completionTokens: 0 };
/** A yield to hot work, or an early call aborted because its batch stopped: not a failure. */
const isPlannedStop = (error: unknown) =>
  error instanceof YieldRequestedError || (error instanceof LlmError && error.kind === 'aborted');
const rememberedStoppedBatches = 1_000;

/** How one document of a job went, and what it leaves for the next one. */
interface DocumentRun {
  outcome: string;
  modelError?: Error;
  /**
   * The next document's start, when recording this one also started it (one Lua step). Still on
   * its way: the next document's model call begins without waiting for it.
   */
  nextStart?: Promise<DocumentStart<SummaryCheckpoint>>;
  /** This document's record and what follows it (metrics, events, log line), still on its way. */
  recorded?: Promise<void>;
}

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
 * - Within a job, recording a document and starting the next is one Lua step, and the next
 *   document's model call does not wait for it: the GPU is not kept idle for a Redis round trip
 *   per document. Should that step find the batch cancelled or expired meanwhile, the next
 *   document's call is aborted at once and the document ends in that state (so at most one call
 *   per slot reaches the model server in the instant a batch is stopped).
 */
export function createColdProcessor(options: ColdProcessorOptions) {
  const { store, logger } = options;
  // Batches a start found cancelled or expired: their jobs still queued here start their first
  // document only once Redis said so, not early (else each would cost one aborted call).
  const stoppedBatches = new Set<string>();
  const noteStopped = (batchId: string) => {
    stoppedBatches.add(batchId);
    if (stoppedBatches.size > rememberedStoppedBatches) {
      stoppedBatches.delete(stoppedBatches.values().next().value as string);
    }
  };

  /**
   * Runs one document of `job`; returns its outcome, or throws to retry or yield the job. When
   * the job carries a `next` document, recording this one also starts that one unless cold work
   * must yield (see {@link DocumentRun}). `started` is this document's own start when the
   * previous document's record made it; `early` then aborts the model call begun meanwhile.
   */
  const runDocument = async (
    job: Job<ColdJobData>,
    token: string | undefined,
    document: ColdDocument,
    lastAttempt: boolean,
    started: Promise<DocumentStart<SummaryCheckpoint>> | undefined,
    early: AbortController | undefined,
    next: ColdDocument | undefined,
  ): Promise<DocumentRun> => {
    const { batchId } = job.data;
    const { documentId } = document;
    const run = new ColdDocumentRun(options, job, document, next);
    // The model call of a document whose start is still on its way begins now, abortably (by
    // `early`, given with `started`). Its outcome is captured either way, so an early failure is
    // never an unhandled rejection.
    const earlyCall = early
      ? run.summarize(undefined, early.signal).then(
          (summary) => ({ summary }),
          (error: unknown) => ({ error }),
        )
      : undefined;

    // One round trip: a cancelled or expired batch's document ends so, a document already
    // final is a duplicate run, anything else starts (with its checkpoint, if any).
    let start: DocumentStart<SummaryCheckpoint>;
    try {
      start = await (started ?? store.startDocument<SummaryCheckpoint>(batchId, documentId));
    } catch (error) {
      early?.abort();
      await earlyCall;
      throw error;
    }
    if (start.outcome !== 'run') {
      if (start.outcome === 'stop') noteStopped(batchId);
      early?.abort();
      await earlyCall;
      await run.dropBlob();
      return { outcome: start.outcome === 'stop' ? start.state : 'duplicate' };
    }
    const { checkpoint } = start;
    if (early && checkpoint) {
      // Progress saved by an earlier run: resume from it rather than from the first chunk.
      early.abort();
      await earlyCall;
    }
    try {
      let summary: DocumentSummary;
      if (earlyCall && !checkpoint) {
        const answer = await earlyCall;
        if ('error' in answer) throw answer.error;
        summary = answer.summary;
      } else {
        summary = await run.summarize(checkpoint ?? undefined);
      }
      options.onModelUsed?.(summary.model);
      const recorded = await run.record('succeeded', {
        summary: summary.summary,
        model: summary.model,
        degraded: summary.degraded,
        usage: summary.usage,
      }); // the final move drops the checkpoint too
      return { outcome: 'succeeded', ...recorded };
    } catch (error) {
      if (isDocumentError(error)) {
        const recorded = await run.record('failed', {
          error: { code: error.code, message: error.message },
        });
        return { outcome: 'failed', ...recorded };
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
      const recorded = await run.record('failed', {
        error: { code: 'model_unavailable', message: (error as Error).message },
      });
      return { outcome: 'failed', modelError: error as Error, ...recorded };
    }
  };

  return async (job: Job<ColdJobData>, token?: string): Promise<string> => {
    // Best effort, alongside the work: a missed advance only lets the clock lag until the next
    // batch reads the head.
    const advanced = options.fairShare
      ?.advance(job.priority)
      .catch((error) =>
        logger.warn({ err: error, jobId: job.id }, 'fair-share clock not advanced'),
      );
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcomes: string[] = [];
    let modelError: Error | undefined;
    const documents = coldDocumentsOf(job.data);
    // A group's first document starts like the others, its model call not waiting for the
    // start; only on the job's first run: when it runs again, its first documents are often
    // final already, and each would cost a call aborted at once.
    const [first] = documents as [ColdDocument, ...ColdDocument[]];
    let started: Promise<DocumentStart<SummaryCheckpoint>> | undefined =
      documents.length > 1 && job.attemptsStarted <= 1 && !stoppedBatches.has(job.data.batchId)
        ? store.startDocument<SummaryCheckpoint>(job.data.batchId, first.documentId)
        : undefined;
    started?.catch(() => undefined); // awaited by the first document's run
    // The previous document's record and its metrics, events and log line, still on their way.
    let recorded: Promise<void> | undefined;
    // Aborts an early model call (one at a time per job); replaced only once it has aborted one,
    // rather than one controller and signal per document.
    let early: AbortController | undefined;
    const earlyAbort = () => {
      if (!early || early.signal.aborted) early = new AbortController();
      return early;
    };
    try {
      for (const [i, document] of documents.entries()) {
        // Between two documents nothing is running: hand the rest back without starting the
        // next (the ones already final are skipped when the job runs again).
        if (i > 0 && !started && options.shouldYield()) {
          await recorded;
          logger.info(
            { batchId: job.data.batchId, jobId: job.id },
            'cold job yielded between documents',
          );
          await job.moveToWait(token);
          throw new WaitingError();
        }
        const ran = await runDocument(
          job,
          token,
          document,
          lastAttempt,
          started,
          started ? earlyAbort() : undefined,
          documents[i + 1],
        );
        await recorded;
        outcomes.push(ran.outcome);
        modelError ??= ran.modelError;
        started = ran.nextStart;
        recorded = ran.recorded;
      }
    } finally {
      // Whatever happened to a later document, the earlier one's record is waited for: the job
      // ends (or goes back, or fails) only once every record it made has landed.
      await recorded?.catch(() => undefined);
      await advanced;
    }
    await recorded;
    // Every document is final; a model failure still fails the job, kept for inspection.
    if (modelError) throw modelError;
    return outcomes.join(',');
  };
}

/**
 * One document of a cold job on its way: the steps around its model call (record, blob, meter,
 * log line) as methods rather than closures made per document. At thousands of documents a
 * second, four closures per document were a tenth of what the worker allocated, and each named
 * one costs a property definition (tsx keeps function names).
 */
class ColdDocumentRun {
  readonly startedAt = performance.now();

  constructor(
    readonly options: ColdProcessorOptions,
    readonly job: Job<ColdJobData>,
    readonly document: ColdDocument,
    readonly next: ColdDocument | undefined,
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

  summarize(checkpoint: SummaryCheckpoint | undefined, signal?: AbortSignal) {
    const { job, document, options } = this;
    const request: SummarizeDocumentRequest = {
      content: document.content,
      model: job.data.model,
      summary: job.data.summary,
      checkpoint,
      onCheckpoint: this.saveCheckpoint.bind(this),
      shouldYield: options.shouldYield,
    };
    if (signal) request.signal = signal;
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

  /**
   * Records the document in `state`. With a next document in the job (and no reason to yield),
   * the same Lua step starts that one, and both come back still on their way.
   */
  async record(
    state: DocumentResult['status'],
    extra: Partial<DocumentResult> = {},
  ): Promise<Pick<DocumentRun, 'nextStart' | 'recorded'>> {
    const { options, next } = this;
    const { batchId } = this.job.data;
    const { documentId } = this.document;
    const result = { documentId, status: state, model: null, usage: noUsage, ...extra };
    if (next && !options.shouldYield()) {
      const both = options.store.moveThenStart<SummaryCheckpoint>(
        batchId,
        documentId,
        state,
        result,
        next.documentId,
      );
      const nextStart = both.then((b) => b.next);
      const recorded = both.then((b) => this.afterRecord(b.moved, result));
      // Awaited later (the next document, the job's end); a failure meanwhile must not count
      // as unhandled and bring the process down: it surfaces where they are awaited.
      nextStart.catch(() => undefined);
      recorded.catch(() => undefined);
      return { nextStart, recorded };
    }
    await this.afterRecord(
      await options.store.moveDocument(batchId, documentId, state, result),
      result,
    );
    return {};
  }
}
