import type { BatchStore, WebhookOutbox } from '@nightshift/batches';
import {
  type BatchEvent,
  type BatchEventType,
  type BatchJobData,
  type BatchObject,
  keyPrefix,
  queueNames,
} from '@nightshift/core';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** Options of {@link createBatchFinalizer}. */
export interface BatchFinalizerOptions {
  /** Blocking connection (maxRetriesPerRequest: null). */
  connection: Redis;
  store: BatchStore;
  /** Where the final `batch.*` event goes. */
  outbox: WebhookOutbox;
  /** Parallel finalizations. Default 8. */
  concurrency?: number;
  /** BullMQ lock of a job; a killed finalizer's job is picked up again after it. Default 30 s. */
  lockMs?: number;
  /** How often BullMQ looks for jobs whose lock expired. Default 30 s. */
  stalledIntervalMs?: number;
}

const eventTypes: Record<string, BatchEventType> = {
  completed: 'batch.completed',
  completed_with_errors: 'batch.completed',
  failed: 'batch.failed',
  cancelled: 'batch.cancelled',
  expired: 'batch.expired',
};

/**
 * The `webhook-id` of a batch's final event: stable, so a re-run never sends a second event.
 *
 * @example
 * finalDeliveryId('batch_01hx…'); // 'msg_01hx…'
 */
export const finalDeliveryId = (batchId: string) => `msg_${batchId.replace(/^batch_/, '')}`;

/**
 * Consumes the `batches` queue: a parent job becomes processable when every document is done.
 * It gives the batch its final status and queues the signed `batch.*` event. Enqueueing is
 * idempotent (stable job id), so a finalizer killed between the two steps loses nothing.
 *
 * @example
 * const finalizer = createBatchFinalizer({ connection: blocking, store, outbox });
 */
export function createBatchFinalizer(options: BatchFinalizerOptions): Worker<BatchJobData> {
  return new Worker<BatchJobData>(
    queueNames.batches,
    async (job) => {
      const outcome = await options.store.finalize(job.data.batchId);
      if (!outcome) return null;
      await enqueueFinalEvent(options.outbox, outcome.batch, outcome.tenant);
      return outcome.batch.status;
    },
    {
      connection: options.connection,
      prefix: keyPrefix,
      concurrency: options.concurrency ?? 8,
      ...(options.lockMs ? { lockDuration: options.lockMs } : {}),
      ...(options.stalledIntervalMs ? { stalledInterval: options.stalledIntervalMs } : {}),
    },
  );
}

/**
 * Queues the `batch.*` event of a final batch to its webhook, once. Returns the delivery id,
 * or null when the batch is not final or has no webhook.
 *
 * @example
 * await enqueueFinalEvent(outbox, batch, 'acme');
 */
export async function enqueueFinalEvent(
  outbox: WebhookOutbox,
  batch: BatchObject,
  tenant: string,
  now: Date = new Date(),
): Promise<string | null> {
  const type = eventTypes[batch.status];
  if (!type || !batch.webhook) return null;
  const deliveryId = finalDeliveryId(batch.id);
  const event: BatchEvent = { type, timestamp: now.toISOString(), data: batch };
  await outbox.enqueue({
    deliveryId,
    tenant,
    batchId: batch.id,
    eventType: type,
    url: batch.webhook.url,
    body: JSON.stringify(event),
  });
  return deliveryId;
}
