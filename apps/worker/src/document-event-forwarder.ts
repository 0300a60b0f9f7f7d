import {
  type BatchStore,
  DeliveryLog,
  enqueueDocumentEvent,
  WebhookOutbox,
} from '@nightshift/batches';
import { type Config, type DocumentResult, durationMs } from '@nightshift/core';
import {
  attemptsForSchedule,
  parseRetrySchedule,
  WEBHOOK_BACKOFF_TYPE,
} from '@nightshift/webhooks';
import type { Redis } from 'ioredis';

/** Batches remembered as having no per-document events (oldest forgotten first). */
const rememberedQuietBatches = 10_000;

/**
 * Sends the optional per-document webhook events (`document.completed`, `document.failed`) of
 * batches that subscribed to them. A batch's webhook settings never change, so batches without
 * per-document events are remembered and most documents cost no extra Redis read.
 *
 * @example
 * const events = new DocumentEventForwarder(client, store, config);
 * createColdProcessor({ ..., onDocumentFinished: (batchId, result) => events.forward(batchId, result) });
 */
export class DocumentEventForwarder {
  readonly #store: BatchStore;
  readonly #outbox: WebhookOutbox;
  readonly #quiet = new Set<string>();

  constructor(redis: Redis, store: BatchStore, config: Config) {
    const keepMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
    this.#store = store;
    this.#outbox = new WebhookOutbox({
      connection: redis,
      deliveries: new DeliveryLog(redis, keepMs),
      attempts: attemptsForSchedule(parseRetrySchedule(config.NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE)),
      backoffType: WEBHOOK_BACKOFF_TYPE,
      keepMs,
    });
  }

  async forward(batchId: string, result: DocumentResult): Promise<void> {
    if (this.#quiet.has(batchId)) return;
    const stored = await this.#store.get(batchId);
    if (stored?.batch.webhook?.events.length) {
      await enqueueDocumentEvent(this.#outbox, {
        tenant: stored.tenant,
        batch: stored.batch,
        result,
      });
      return;
    }
    this.#quiet.add(batchId);
    if (this.#quiet.size > rememberedQuietBatches) {
      this.#quiet.delete(this.#quiet.values().next().value as string);
    }
  }

  close(): Promise<void> {
    return this.#outbox.close();
  }
}
