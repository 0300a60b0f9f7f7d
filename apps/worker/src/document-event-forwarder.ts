import { type BatchStore, enqueueDocumentEvent, type WebhookOutbox } from '@nightshift/batches';
import type { Config, DocumentResult } from '@nightshift/core';
import type { Redis } from 'ioredis';
import { configuredOutbox } from './webhook-outbox.ts';

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
    this.#store = store;
    this.#outbox = configuredOutbox(redis, config);
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
