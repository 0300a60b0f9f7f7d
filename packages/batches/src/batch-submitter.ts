import {
  type BatchObject,
  type ColdDocument,
  type ColdJobData,
  type DocumentContent,
  type DocumentError,
  durationMs,
  keyPrefix,
  newBatchId,
  queueNames,
  type SummaryOptions,
} from '@nightshift/core';
import { currentTraceparent, inSpan } from '@nightshift/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { FlowProducer, Queue, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import { coldJobId, gateJobId, gateQueueName, openGate } from './batch-gates.ts';
import { BatchStopper } from './batch-stopper.ts';
import type { BatchStore } from './batch-store.ts';
import { type ColdGrouping, planColdJobs } from './cold-groups.ts';
import type { UnfinishedLimit } from './unfinished-quota.ts';

/**
 * One document of a batch being submitted: content to queue, or an error the intake already
 * found (it is recorded failed at once and never reaches a queue).
 */
export type SubmittedDocument =
  | { id: string; content: DocumentContent }
  | { id: string; error: DocumentError };

/** Everything a new batch needs. */
export interface SubmitBatchInput {
  tenant: string;
  documents: SubmittedDocument[];
  model: string;
  summary: SummaryOptions;
  metadata: Record<string, string>;
  webhook: { url: string; events: ('document.completed' | 'document.failed')[] } | null;
  /** Duration such as `24h`: after it, unfinished documents expire. */
  completionWindow: string;
  scheduleId?: string | null;
  /** Checked and counted atomically as the batch is written (see `BatchStore.create`). */
  unfinishedLimit?: UnfinishedLimit;
}

/** Options of {@link BatchSubmitter}. */
export interface BatchSubmitterOptions {
  /** Connection for the flow producer and queues (shared, never blocking). */
  connection: Redis;
  store: BatchStore;
  /** Attempts per cold job before its failing document is recorded failed (a group shares them). */
  attempts: number;
  /** First retry delay of a failed document (doubling after each attempt). Default 5,000 ms. */
  retryDelayMs?: number;
  /** How long finished jobs stay in BullMQ (results themselves live in the store). */
  resultTtlMs: number;
  /**
   * Packs the short texts of large batches a few to a cold job (see `planColdJobs`). Absent:
   * one document per job.
   */
  grouping?: ColdGrouping;
  /** Fair ordering of cold documents across tenants; absent means FIFO. */
  priorityFor?: (tenant: string, count: number, model: string) => Promise<number[]>;
  /**
   * BullMQ's telemetry hook (`startTracing(...).queues`): each cold job carries the trace of
   * the submission, so its processing, model calls and the final webhook join it.
   */
  queueTelemetry?: Telemetry | undefined;
  /**
   * Hears the flow producer's and queues' errors (a Redis outage: `RedisOutageLog.listener`).
   * Absent, BullMQ prints each one with its stack.
   */
  onError?: (error: Error) => void;
}

/**
 * Turns a batch into a BullMQ flow: one parent on `batches` and one child per document on
 * `cold`. A child that fails for good does not block the parent (`ignoreDependencyOnFailure`):
 * one bad document never fails the batch.
 *
 * @example
 * const submitter = new BatchSubmitter({ connection, store, attempts: 5, resultTtlMs });
 * const batch = await submitter.submit({ tenant: 'acme', documents, model: 'qwen3:32b', ... });
 */
export class BatchSubmitter {
  readonly #flows: FlowProducer;
  readonly #cold: Queue;
  readonly #gates: Queue;
  readonly #stopper: BatchStopper;
  readonly #options: BatchSubmitterOptions;

  constructor(options: BatchSubmitterOptions) {
    this.#options = options;
    const telemetry = options.queueTelemetry ? { telemetry: options.queueTelemetry } : {};
    this.#flows = new FlowProducer({
      connection: options.connection,
      prefix: keyPrefix,
      ...telemetry,
    });
    this.#cold = new Queue(queueNames.cold, {
      connection: options.connection,
      prefix: keyPrefix,
      ...telemetry,
    });
    this.#gates = new Queue(gateQueueName, { connection: options.connection, prefix: keyPrefix });
    const { onError } = options;
    if (onError) {
      this.#flows.on('error', onError);
      for (const queue of [this.#cold, this.#gates]) queue.on('error', onError);
    }
    this.#stopper = new BatchStopper(options);
  }

  /**
   * Writes the batch and queues its documents, in a `submit batch` span (a child of the active
   * one, when the process traces) that its jobs, model calls and webhook delivery descend from.
   */
  async submit(input: SubmitBatchInput, now = new Date()): Promise<BatchObject> {
    const id = newBatchId(now.getTime());
    if (!this.#options.queueTelemetry) return this.#submit(id, input, now);
    return inSpan(
      'submit batch',
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'nightshift.batch.id': id,
          'nightshift.tenant': input.tenant,
          'nightshift.batch.documents': input.documents.length,
        },
      },
      () => this.#submit(id, input, now),
    );
  }

  async #submit(id: string, input: SubmitBatchInput, now: Date): Promise<BatchObject> {
    const { store, attempts, resultTtlMs } = this.#options;
    const expiresAt = new Date(now.getTime() + durationMs(input.completionWindow));
    await store.create(
      {
        id,
        tenant: input.tenant,
        model: input.model,
        summary: input.summary,
        metadata: input.metadata,
        webhook: input.webhook,
        completionWindow: input.completionWindow,
        scheduleId: input.scheduleId ?? null,
        documentIds: input.documents.map((d) => d.id),
        createdAt: now,
        expiresAt,
        traceparent: currentTraceparent(),
      },
      input.unfinishedLimit,
    );
    const queued: ColdDocument[] = [];
    for (const [index, document] of input.documents.entries()) {
      if ('content' in document) {
        queued.push({ documentId: document.id, index, content: document.content });
      } else {
        await store.moveDocument(id, document.id, 'failed', {
          documentId: document.id,
          status: 'failed',
          error: document.error,
          model: null,
          usage: { promptTokens: 0, completionTokens: 0 },
        });
      }
    }
    // Turns are reserved per document, so a job of several documents spends as many turns as
    // it carries: grouping does not let a large batch's tenant run ahead of the others.
    const priorities = this.#options.priorityFor
      ? await this.#options.priorityFor(input.tenant, queued.length, input.model)
      : undefined;
    const keepSeconds = Math.ceil(resultTtlMs / 1000);
    let position = 0;
    const children = planColdJobs(queued, this.#options.grouping ?? noGrouping).map((group) => {
      const [first, ...more] = group as [ColdDocument, ...ColdDocument[]];
      const priority = priorities?.[position];
      position += group.length;
      const data: ColdJobData = {
        ...first,
        batchId: id,
        tenant: input.tenant,
        model: input.model,
        summary: input.summary,
        ...(more.length > 0 ? { more } : {}),
      };
      return {
        name: 'document',
        data,
        opts: {
          jobId: coldJobId(id, first.index),
          attempts,
          backoff: { type: 'exponential', delay: this.#options.retryDelayMs ?? 5_000 },
          ignoreDependencyOnFailure: true,
          removeOnComplete: true,
          removeOnFail: { age: keepSeconds },
          ...(priority !== undefined ? { priority } : {}),
        },
      };
    });
    // A large batch is queued in slices so the API never builds one huge Redis transaction
    // (10,000 children at once cost ~150 MB). Until the last slice is in, a gate child that
    // no worker consumes keeps the parent from completing early; removing it opens the batch.
    const sliced = children.length > sliceSize;
    const first = sliced ? children.slice(0, sliceSize) : children;
    await this.#flows.add({
      name: 'batch',
      queueName: queueNames.batches,
      data: { batchId: id, tenant: input.tenant },
      opts: {
        jobId: id,
        removeOnComplete: { age: keepSeconds },
        removeOnFail: { age: keepSeconds },
      },
      children: [
        ...(sliced
          ? [
              {
                name: 'gate',
                queueName: gateQueueName,
                data: { batchId: id },
                opts: { jobId: gateJobId(id) },
              },
            ]
          : []),
        ...first.map((child) => ({ ...child, queueName: queueNames.cold })),
      ],
    });
    if (sliced) {
      const parent = { id, queue: `${keyPrefix}:${queueNames.batches}` };
      for (let start = sliceSize; start < children.length; start += sliceSize) {
        await this.#cold.addBulk(
          children
            .slice(start, start + sliceSize)
            .map((child) => ({ ...child, opts: { ...child.opts, parent } })),
        );
      }
      await openGate(this.#gates, id);
    }
    return (await store.getForTenant(input.tenant, id)) as BatchObject;
  }

  /** Cancels a batch (see {@link BatchStopper.cancel}). */
  cancel(tenant: string, batchId: string): Promise<BatchObject | null> {
    return this.#stopper.cancel(tenant, batchId);
  }

  /** Expires a batch whose deadline passed (see {@link BatchStopper.expire}). */
  expire(batchId: string): Promise<void> {
    return this.#stopper.expire(batchId);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.#flows.close(),
      this.#cold.close(),
      this.#gates.close(),
      this.#stopper.close(),
    ]);
  }
}

const noGrouping: ColdGrouping = { maxPerJob: 1, slots: 1 };
/** Jobs queued per Redis transaction when a batch is large. */
const sliceSize = 500;
