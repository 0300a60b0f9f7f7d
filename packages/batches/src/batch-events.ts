import type { BatchStatus } from '@nightshift/core';

/** A batch became final: its status, counts and `completedAt` are written. */
export interface BatchEnded {
  batchId: string;
  tenant: string;
  /** The final status (`completed`, `completed_with_errors`, `failed`, `cancelled`, `expired`). */
  status: BatchStatus;
}

/** The lifecycle events of the batch engine, by name. */
export interface BatchEventMap {
  'batch.ended': BatchEnded;
}

/**
 * When a subscriber runs. Every `effects` subscriber (result files, cleanup) has run before
 * any `announce` subscriber (the final webhook event), so whoever the announcement reaches
 * finds the effects done.
 */
export type BatchEventStage = 'effects' | 'announce';

/** Options of {@link BatchEvents.on}. */
export interface BatchSubscription {
  /** Default `effects`. */
  stage?: BatchEventStage;
  /** Who subscribes, for the error report. */
  name?: string;
}

/** Options of {@link BatchEvents}. */
export interface BatchEventsOptions {
  /**
   * Hears a subscriber's failure (the others still run). Subscribers that retry their own way
   * (a mark left in Redis, a read that repairs) need nothing more. Default: ignored.
   */
  onError?: (error: Error, failure: { type: keyof BatchEventMap; subscriber: string }) => void;
}

type Handler<K extends keyof BatchEventMap> = (event: BatchEventMap[K]) => unknown;
interface Subscriber {
  stage: BatchEventStage;
  name: string;
  handler: Handler<keyof BatchEventMap>;
}

/**
 * The batch engine's typed lifecycle events. The engine emits (`BatchStore` after the step
 * that ended a batch, `FinalEventRelay` when it settles or sweeps one); the packages that care
 * subscribe where they are wired (OpenAI result files, Message Batch cleanup, the final-event
 * relay). {@link emit} runs the subscribers one at a time, stage by stage and in the order
 * they subscribed, and answers when all have run; a failing subscriber is reported, never
 * thrown, so it cannot keep the others from running.
 *
 * @example
 * const events = new BatchEvents();
 * events.on('batch.ended', (e) => openAiBatches.finalizeIfOpenAi(e.batchId));
 * events.on('batch.ended', (e) => relay.relay(e.batchId), { stage: 'announce' });
 * const store = new BatchStore({ redis, resultTtlMs, events });
 */
export class BatchEvents {
  readonly #subscribers = new Map<keyof BatchEventMap, Subscriber[]>();
  readonly #onError: BatchEventsOptions['onError'];

  constructor(options: BatchEventsOptions = {}) {
    this.#onError = options.onError;
  }

  /** Subscribes `handler` to `type`; answers the unsubscribe. */
  on<K extends keyof BatchEventMap>(
    type: K,
    handler: Handler<K>,
    subscription: BatchSubscription = {},
  ): () => void {
    const subscriber: Subscriber = {
      stage: subscription.stage ?? 'effects',
      name: subscription.name ?? (handler.name || 'anonymous'),
      handler: handler as Handler<keyof BatchEventMap>,
    };
    const list = this.#subscribers.get(type) ?? [];
    list.push(subscriber);
    this.#subscribers.set(type, list);
    return () => {
      const at = list.indexOf(subscriber);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Runs every subscriber of `type`: `effects` first, then `announce`. Never throws. */
  async emit<K extends keyof BatchEventMap>(type: K, event: BatchEventMap[K]): Promise<void> {
    const list = [...(this.#subscribers.get(type) ?? [])];
    for (const stage of ['effects', 'announce'] as const) {
      for (const subscriber of list.filter((s) => s.stage === stage)) {
        try {
          await subscriber.handler(event);
        } catch (error) {
          this.#onError?.(error as Error, { type, subscriber: subscriber.name });
        }
      }
    }
  }
}
