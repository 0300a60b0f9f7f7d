import type { BatchStore } from '@nightshift/batches';
import type { ColdDocument, ColdJobData, DocumentResult } from '@nightshift/core';
import type { ColdPlaces, Gateway, UpstreamClients } from '@nightshift/gateway';
import { COLD_PRIORITY } from '@nightshift/lanes';
import type { WorkMeter } from '@nightshift/metrics';
import {
  anthropicBatchEndpoint,
  type BatchEndpoint,
  type OpenAiFileStore,
  type ResponseBounds,
  RetryableRequestError,
  requestIds,
  runAnthropicBatchRequest,
  runBatchRequest,
} from '@nightshift/openai-batches';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { type ColdJobOptions, runColdJob } from './cold-job.ts';
import { inColdPlace } from './cold-places.ts';

/** Options of {@link createRequestProcessor}. */
export interface RequestProcessorOptions {
  store: BatchStore;
  /** Where the request lines' bytes are (the batch's input file). */
  files: Pick<OpenAiFileStore, 'readRange'>;
  /** The cold lane's own gateway: no interactive leases, so cold work never yields to itself. */
  gateway: Gateway;
  clients: UpstreamClients;
  /** True when cold work must step aside (hot work waiting, window closing, VRAM full). */
  shouldYield: () => boolean;
  logger: Logger;
  /** Turn-taking clock of the cold lane (`FairShare`): told each job's priority as it starts. */
  fairShare?: { advance(priority: number): Promise<void> };
  /** Measures each request that ends here (duration, tokens, usage ledger). */
  meter?: Pick<WorkMeter, 'documentFinished'>;
  /** Aborts upstream calls in flight when the worker stops. */
  signal?: AbortSignal;
  /** What a batch may store of its answers; an answer past it fails its line instead. */
  bounds?: Pick<ResponseBounds, 'admit'>;
  /** Cold places per model server: each line takes one on a server of its model. */
  capacity?: ColdPlaces;
  /** Hands a group's unstarted lines back when slots would idle (see `runColdJob`). */
  release?: ColdJobOptions['release'];
}

const noUsage = { promptTokens: 0, completionTokens: 0 };

/**
 * Processes a cold job whose documents are request lines of an OpenAI-compatible batch (or the
 * requests of an Anthropic Message Batch, stored as such lines with endpoint `/v1/messages`). The
 * native steps frame each line: its start (a cancelled or expired batch ends it so, a final one
 * is a duplicate run), its record (the last one ends the batch and queues its webhook event).
 * Between two lines, cold work that must yield hands the job back (`runColdJob`). A
 * failure another attempt may cure (no upstream up, a silent server) is retried by BullMQ and,
 * on the last attempt, recorded failed; the request's own failures (bad body, unknown model)
 * are recorded with OpenAI's status and error body. One failing line never fails the batch.
 */
export function createRequestProcessor(options: RequestProcessorOptions) {
  const { store } = options;
  const signal = options.signal ?? new AbortController().signal;

  const record = async (job: Job<ColdJobData>, result: DocumentResult, startedAt: number) => {
    const moved = await store.moveDocument(
      job.data.batchId,
      result.documentId,
      result.status,
      result,
    );
    if (!moved || (result.status !== 'succeeded' && result.status !== 'failed')) return;
    await options.meter?.documentFinished({
      lane: 'cold',
      tenant: job.data.tenant,
      model: result.model,
      outcome: result.status,
      durationMs: performance.now() - startedAt,
      usage: result.usage,
    });
  };

  const runLine = async (job: Job<ColdJobData>, document: ColdDocument, lastAttempt: boolean) => {
    const { batchId, tenant } = job.data;
    const { documentId, content } = document;
    if (content.kind !== 'request') throw new Error(`not a request line: ${content.kind}`);
    const start = await store.startDocument(batchId, documentId);
    if (start.outcome !== 'run') return start.outcome === 'stop' ? start.state : 'duplicate';
    const startedAt = performance.now();
    const failed = (code: string, message: string): DocumentResult => ({
      documentId,
      status: 'failed',
      error: { code, message },
      model: null,
      usage: noUsage,
    });
    const bytes = await options.files.readRange(content.fileId, content.offset, content.length);
    if (!bytes) {
      await record(
        job,
        failed('input_file_gone', 'The batch input file is no longer stored.'),
        startedAt,
      );
      return 'failed';
    }
    // The API validated the line: it is a JSON object with a body.
    const { body } = JSON.parse(bytes.toString('utf8')) as { body: Record<string, unknown> };
    try {
      const place = { ...options, model: body.model, signal };
      const answer = await inColdPlace(place, (gateway, upstream) => {
        const context = {
          gateway,
          clients: options.clients,
          tenant,
          signal,
          account: { lane: 'cold' as const, batchId, documentId },
        };
        // A server that schedules by priority runs the line after every chat (the caller's own
        // priority, if any, gives way: batch lines are cold work).
        const line = upstream?.priorityScheduling ? { ...body, priority: COLD_PRIORITY } : body;
        // An Anthropic Message Batch's requests are stored as OpenAI lines, `body` the params.
        return content.endpoint === anthropicBatchEndpoint
          ? runAnthropicBatchRequest(line, context)
          : runBatchRequest(content.endpoint as BatchEndpoint, line, context);
      });
      const refusal = await options.bounds?.admit(batchId, answer.body, content.endpoint);
      if (refusal) {
        // The tokens were spent: the line keeps its model and usage, not its answer.
        const { code, message } = refusal;
        await record(
          job,
          { ...failed(code, message), model: answer.model, usage: answer.usage },
          startedAt,
        );
        return 'failed';
      }
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      const result: DocumentResult = {
        documentId,
        status: ok ? 'succeeded' : 'failed',
        model: answer.model,
        usage: answer.usage,
        response: {
          statusCode: answer.statusCode,
          requestId: requestIds(batchId, documentId).requestId,
          body: answer.body,
        },
        ...(answer.degraded ? { degraded: true } : {}),
      };
      await record(job, result, startedAt);
      return result.status;
    } catch (error) {
      if (!(error instanceof RetryableRequestError) || !lastAttempt) {
        await store.moveDocument(batchId, documentId, 'queued');
        throw error;
      }
      const cause = error.gatewayError;
      await record(job, failed(cause.kind, cause.message), startedAt);
      return 'failed';
    }
  };

  return (job: Job<ColdJobData>, token?: string): Promise<string> =>
    runColdJob(job, token, options, async (document, lastAttempt) => ({
      outcome: await runLine(job, document, lastAttempt),
    }));
}
