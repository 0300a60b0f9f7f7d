import type { BatchEvent, BatchEventType, BatchObject } from '@nightshift/core';
import type { WebhookOutbox } from '@nightshift/webhooks';
import type { Redis } from 'ioredis';
import type { BatchEvents } from './batch-events.ts';
import { finalEventsKey } from './batch-keys.ts';
import type { BatchStore, StoredBatch } from './batch-store.ts';

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
 * Queues the `batch.*` event of a final batch to its webhook, once. Its `timestamp` is the
 * batch's `completedAt`, so every re-run builds the same bytes. Returns the delivery id, or null
 * when the batch is not final or has no webhook.
 *
 * @example
 * await enqueueFinalEvent(outbox, batch, 'acme');
 */
export async function enqueueFinalEvent(
  outbox: WebhookOutbox,
  batch: BatchObject,
  tenant: string,
  traceparent?: string,
): Promise<string | null> {
  const type = eventTypes[batch.status];
  if (!type || !batch.webhook || !batch.completedAt) return null;
  const deliveryId = finalDeliveryId(batch.id);
  const event: BatchEvent = { type, timestamp: batch.completedAt, data: batch };
  await outbox.enqueue({
    deliveryId,
    tenant,
    batchId: batch.id,
    eventType: type,
    url: batch.webhook.url,
    body: JSON.stringify(event),
    ...(traceparent ? { traceparent } : {}),
  });
  return deliveryId;
}

/** Options of {@link FinalEventRelay}. */
export interface FinalEventRelayOptions {
  /** A client connection (commands only, never blocking). */
  redis: Redis;
  store: Pick<BatchStore, 'get' | 'finishIfDone'>;
  /** Where the final `batch.*` events go (the notifier delivers them). */
  outbox: WebhookOutbox;
  /**
   * The bus the batch engine emits `batch.ended` on. Given, a batch this relay settles or
   * sweeps is emitted there too, so its effects (result files, cleanup) run before its final
   * event is queued, as for a batch ended by a step; the bus must then have {@link relay}
   * subscribed at the `announce` stage. Absent, the relay queues the event itself.
   */
  events?: Pick<BatchEvents, 'emit'>;
}

/**
 * Hands the final `batch.*` event of an ended batch to the webhook outbox. The step that ends a
 * batch (the last document's record) marks its event pending in Redis; {@link relay} queues it
 * right after that step, and {@link relayPending} picks up marks whose relay died with its
 * process. Queueing is idempotent (the delivery id is {@link finalDeliveryId}, and an event
 * already delivered is never queued again), so a relay that runs twice sends one event.
 *
 * @example
 * const events = new BatchEvents();
 * const store = new BatchStore({ redis, resultTtlMs, events });
 * const relay = new FinalEventRelay({ redis, store, outbox, events });
 * events.on('batch.ended', (e) => relay.relay(e.batchId), { stage: 'announce' });
 */
export class FinalEventRelay {
  readonly #options: FinalEventRelayOptions;

  constructor(options: FinalEventRelayOptions) {
    this.#options = options;
  }

  /**
   * Queues the final event of `batchId` (if it ended with a webhook) and clears its pending
   * mark. Returns the delivery id, or null when there is nothing to send.
   */
  async relay(batchId: string): Promise<string | null> {
    const { store, outbox, redis } = this.#options;
    const stored = await store.get(batchId);
    // The delivery joins the trace the batch was submitted in, whichever process relays it.
    const deliveryId = stored
      ? await enqueueFinalEvent(outbox, stored.batch, stored.tenant, stored.traceparent)
      : null;
    // Only a final batch is ever marked; one gone (aged out) has nothing left to send.
    if (!stored || stored.batch.completedAt) await redis.zrem(finalEventsKey, batchId);
    return deliveryId;
  }

  /**
   * For a batch whose documents are all done: ends it if no step did (a batch recorded before
   * batches ended themselves), then relays its event if it is still pending. Idempotent.
   * Returns the batch as it is now, or null when it does not exist.
   */
  async settle(batchId: string): Promise<BatchObject | null> {
    const outcome = await this.#options.store.finishIfDone(batchId);
    if (outcome?.eventPending) await this.#ended(outcome);
    return outcome?.batch ?? null;
  }

  /**
   * Relays the events pending for at least `graceMs` (their own relay, right after the step that
   * ended the batch, should have done it: its process died, or it was a process without an
   * outbox). Returns the batch ids it relayed.
   */
  async relayPending({
    graceMs = 2_000,
    limit = 100,
    now = new Date(),
  }: {
    graceMs?: number;
    limit?: number;
    now?: Date;
  } = {}): Promise<string[]> {
    const due = now.getTime() - graceMs;
    const ids = await this.#options.redis.zrangebyscore(finalEventsKey, 0, due, 'LIMIT', 0, limit);
    for (const id of ids) {
      const stored = this.#options.events ? await this.#options.store.get(id) : null;
      await (stored ? this.#ended(stored) : this.relay(id));
    }
    return ids;
  }

  /**
   * An ended batch whose event is pending: emitted on the bus (its effects, then the relay), or
   * relayed at once without one.
   */
  async #ended({ tenant, batch }: StoredBatch): Promise<void> {
    const { events } = this.#options;
    if (!events || !batch.completedAt) {
      await this.relay(batch.id);
      return;
    }
    await events.emit('batch.ended', { batchId: batch.id, tenant, status: batch.status });
  }
}
