import type { BatchStore, DeliveryLog } from '@nightshift/batches';
import {
  type BatchEvent,
  type BatchEventType,
  type BatchJobData,
  type BatchObject,
  keyPrefix,
  queueNames,
  type WebhookJobData,
} from '@nightshift/core';
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** Options of {@link createBatchFinalizer}. */
export interface BatchFinalizerOptions {
  /** Blocking connection (maxRetriesPerRequest: null). */
  connection: Redis;
  store: BatchStore;
  deliveries: DeliveryLog;
  webhooks: Queue<WebhookJobData>;
  /** How long delivery jobs stay in BullMQ (their id dedupes re-enqueues meanwhile). */
  keepMs: number;
  /** Attempts and backoff of a delivery job (from the retry schedule). */
  deliveryJobOptions: { attempts: number; backoff: { type: string } };
}

const eventTypes: Record<string, BatchEventType> = {
  completed: 'batch.completed',
  completed_with_errors: 'batch.completed',
  failed: 'batch.failed',
  cancelled: 'batch.cancelled',
  expired: 'batch.expired',
};

/** The delivery id of a batch's final event: stable, so a re-run never sends a second event. */
export const finalDeliveryId = (batchId: string) => `msg_${batchId.replace(/^batch_/, '')}`;

/**
 * Consumes the `batches` queue: a parent job becomes processable when every document is done.
 * It gives the batch its final status and queues the signed `batch.*` event. Enqueueing is
 * idempotent (stable job id), so a finalizer killed between the two steps loses nothing.
 */
export function createBatchFinalizer(options: BatchFinalizerOptions): Worker<BatchJobData> {
  return new Worker<BatchJobData>(
    queueNames.batches,
    async (job) => {
      const outcome = await options.store.finalize(job.data.batchId);
      if (!outcome) return null;
      await enqueueFinalEvent(options, outcome.batch, outcome.tenant);
      return outcome.batch.status;
    },
    { connection: options.connection, prefix: keyPrefix, concurrency: 8 },
  );
}

/** Queues the `batch.*` event of a final batch to its webhook, once. */
export async function enqueueFinalEvent(
  options: Pick<BatchFinalizerOptions, 'webhooks' | 'deliveries' | 'keepMs' | 'deliveryJobOptions'>,
  batch: BatchObject,
  tenant: string,
): Promise<void> {
  const type = eventTypes[batch.status];
  if (!type || !batch.webhook) return;
  const deliveryId = finalDeliveryId(batch.id);
  const event: BatchEvent = { type, timestamp: new Date().toISOString(), data: batch };
  await options.deliveries.open({
    id: deliveryId,
    tenant,
    batchId: batch.id,
    eventType: type,
    url: batch.webhook.url,
  });
  const keepSeconds = Math.ceil(options.keepMs / 1000);
  await options.webhooks.add(
    type,
    { deliveryId, tenant, batchId: batch.id, url: batch.webhook.url, body: JSON.stringify(event) },
    {
      ...options.deliveryJobOptions,
      jobId: deliveryId,
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    },
  );
}
