import type { BatchStore } from '@nightshift/batches';
import type { DocumentResult } from '@nightshift/core';
import { enqueueDocumentEvent, type WebhookOutbox } from '@nightshift/webhooks';

/** Batches remembered as having no per-document events (oldest forgotten first). */
const rememberedQuietBatches = 10_000;

/** Options of {@link DocumentEventForwarder}. */
export interface DocumentEventForwarderOptions {
  /** Where a batch's webhook settings are read. */
  store: Pick<BatchStore, 'get'>;
  /** Where the events are queued; its owner closes it. */
  outbox: WebhookOutbox;
}

/**
 * Sends the optional per-document webhook events (`document.completed`, `document.failed`) of
 * batches that subscribed to them. A batch's webhook settings never change, so batches without
 * per-document events are remembered and most documents cost no extra Redis read.
 *
 * @example
 * const events = new DocumentEventForwarder({ store, outbox });
 * createColdProcessor({ ..., onDocumentFinished: (batchId, result) => events.forward(batchId, result) });
 */
export class DocumentEventForwarder {
  readonly #store: Pick<BatchStore, 'get'>;
  readonly #outbox: WebhookOutbox;
  readonly #quiet = new Set<string>();

  constructor(options: DocumentEventForwarderOptions) {
    this.#store = options.store;
    this.#outbox = options.outbox;
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
}
