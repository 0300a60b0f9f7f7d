import { createHash } from 'node:crypto';
import type { BatchObject, DocumentEvent, DocumentResult } from '@nightshift/core';
import type { WebhookOutbox } from './webhook-outbox.ts';

/** What {@link enqueueDocumentEvent} needs. */
export interface DocumentEventInput {
  /** The batch's owner. */
  tenant: string;
  /** The batch (its `webhook.events` decides whether anything is sent). */
  batch: Pick<BatchObject, 'id' | 'webhook'>;
  /** The document's final result, as stored. */
  result: DocumentResult;
  /** When the event happened. Default now. */
  now?: Date;
}

const eventOf: Partial<Record<DocumentResult['status'], DocumentEvent['type']>> = {
  succeeded: 'document.completed',
  failed: 'document.failed',
};

/**
 * The `webhook-id` of a document's event: derived from batch, document and type, so a worker
 * that records the same result twice (a retry after a crash) queues one event.
 *
 * @example
 * documentDeliveryId('batch_01…', 'doc_1', 'document.completed'); // 'msg_d…'
 */
export function documentDeliveryId(batchId: string, documentId: string, type: string): string {
  const digest = createHash('sha256').update(`${batchId}\n${documentId}\n${type}`).digest('hex');
  return `msg_d${digest.slice(0, 31)}`;
}

/**
 * Queues `document.completed` / `document.failed` for one document, only when the batch has a
 * webhook and lists that event in `webhook.events` (off by default). Call it after the result
 * is stored; returns the delivery id when an event was queued, else null.
 *
 * @example
 * if (await store.moveDocument(batchId, documentId, 'succeeded', result)) {
 *   const stored = await store.get(batchId);
 *   if (stored) await enqueueDocumentEvent(outbox, { tenant, batch: stored.batch, result });
 * }
 */
export async function enqueueDocumentEvent(
  outbox: WebhookOutbox,
  input: DocumentEventInput,
): Promise<string | null> {
  const { batch, result } = input;
  const type = eventOf[result.status];
  if (!type || !batch.webhook?.events.includes(type)) return null;
  const event: DocumentEvent = {
    type,
    timestamp: (input.now ?? new Date()).toISOString(),
    data: { ...result, batchId: batch.id },
  };
  const deliveryId = documentDeliveryId(batch.id, result.documentId, type);
  await outbox.enqueue({
    deliveryId,
    tenant: input.tenant,
    batchId: batch.id,
    eventType: type,
    url: batch.webhook.url,
    body: JSON.stringify(event),
  });
  return deliveryId;
}
