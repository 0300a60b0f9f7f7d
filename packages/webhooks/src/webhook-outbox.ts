import { keyPrefix, queueNames, type WebhookJobData } from '@nightshift/core';
import { withTraceparent } from '@nightshift/telemetry';
import { type JobsOptions, Queue, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeliveryLog } from './delivery-log.ts';

/** Options of {@link WebhookOutbox}. */
export interface WebhookOutboxOptions {
  /** A client connection (commands only, never blocking). */
  connection: Redis;
  deliveries: DeliveryLog;
  /** Attempts per delivery: `attemptsForSchedule(parseRetrySchedule(…))` from `@nightshift/webhooks`. */
  attempts: number;
  /** The backoff type the notifier's worker knows (`WEBHOOK_BACKOFF_TYPE`). Default `webhook`. */
  backoffType?: string;
  /** How long finished delivery jobs stay in BullMQ (their id dedupes re-enqueues meanwhile). */
  keepMs: number;
  /** BullMQ's telemetry hook (`startTracing(...).queues`): each job carries its trace. */
  queueTelemetry?: Telemetry | undefined;
}

/** One event bound for one URL. */
export interface OutgoingEvent {
  /** The `webhook-id` (`msg_…`); make it stable so a re-enqueue is a no-op. */
  deliveryId: string;
  tenant: string;
  batchId: string;
  /** `batch.completed`, `document.completed`, … */
  eventType: string;
  url: string;
  /** The exact JSON text to sign and send, on every attempt. */
  body: string;
  /**
   * W3C `traceparent` of the work the event reports on (a batch's submission): its delivery
   * joins that trace rather than the one that happens to queue it. Absent: the active trace.
   */
  traceparent?: string;
}

/** What became of a replay request. */
export type RedeliverResult = 'queued' | 'not_found' | 'in_progress';

const inFlight = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Puts webhook events on the `webhooks` queue, where the notifier signs and delivers them,
 * and replays finished ones. Every delivery is opened in the delivery log first, so an event
 * is visible (pending) before it is sent; the job id is the `webhook-id`, so enqueueing the
 * same event twice sends it once.
 *
 * @example
 * const outbox = new WebhookOutbox({ connection: redis, deliveries, attempts: 8, keepMs });
 * await outbox.enqueue({ deliveryId, tenant, batchId, eventType: 'batch.completed', url, body });
 * await outbox.redeliver(tenant, deliveryId); // later: same id, fresh signature
 */
export class WebhookOutbox {
  /** The `webhooks` queue (exposed for metrics and tests). */
  readonly queue: Queue<WebhookJobData>;
  readonly #options: WebhookOutboxOptions;

  constructor(options: WebhookOutboxOptions) {
    this.#options = options;
    this.queue = new Queue<WebhookJobData>(queueNames.webhooks, {
      connection: options.connection,
      prefix: keyPrefix,
      ...(options.queueTelemetry ? { telemetry: options.queueTelemetry } : {}),
    });
  }

  /**
   * Opens the delivery and queues it. Returns false when this event was already delivered or
   * dead-lettered (a re-run of whatever produced it must not send it again).
   */
  async enqueue(event: OutgoingEvent): Promise<boolean> {
    const { deliveries } = this.#options;
    const opened = await deliveries.open({ ...event, id: event.deliveryId });
    if (!opened) {
      // Opened before: still pending means a crash between open and add, so add (idempotent).
      const existing = await deliveries.get(event.deliveryId);
      if (existing && existing.state !== 'pending') return false;
    }
    await this.#add(event);
    return true;
  }

  /**
   * Sends a finished delivery again under the same `webhook-id`, with a fresh signature and
   * a fresh retry schedule. A `gone` delivery's URL is re-enabled: asking is consent.
   */
  async redeliver(tenant: string, deliveryId: string): Promise<RedeliverResult> {
    const { deliveries } = this.#options;
    const delivery = await deliveries.getForTenant(tenant, deliveryId);
    const body = delivery ? await deliveries.body(deliveryId) : null;
    if (!delivery || body === null) return 'not_found';
    const job = await this.queue.getJob(deliveryId);
    if (job) {
      if (inFlight.has(await job.getState())) return 'in_progress';
      // A job that turned active meanwhile is locked and refuses removal: still in progress.
      const removed = await job.remove().then(
        () => true,
        () => false,
      );
      if (!removed) return 'in_progress';
    }
    if (delivery.state === 'gone') await deliveries.enableUrl(tenant, delivery.url);
    await deliveries.settle(deliveryId, 'pending', tenant);
    await this.#add({ ...delivery, deliveryId, body });
    return 'queued';
  }

  /** Replays the tenant's dead letters (state `failed`) that ended at or after `since`. */
  async replayFailed(
    tenant: string,
    since: Date,
  ): Promise<{ queued: string[]; skipped: string[] }> {
    const ids = await this.#options.deliveries.failedSince(tenant, since);
    const queued: string[] = [];
    const skipped: string[] = [];
    for (const id of ids) {
      ((await this.redeliver(tenant, id)) === 'queued' ? queued : skipped).push(id);
    }
    return { queued, skipped };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }

  async #add(event: OutgoingEvent): Promise<void> {
    const keepSeconds = Math.ceil(this.#options.keepMs / 1000);
    const opts: JobsOptions = {
      jobId: event.deliveryId,
      attempts: this.#options.attempts,
      backoff: { type: this.#options.backoffType ?? 'webhook' },
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    };
    const data: WebhookJobData = {
      deliveryId: event.deliveryId,
      tenant: event.tenant,
      batchId: event.batchId,
      url: event.url,
      body: event.body,
    };
    await withTraceparent(event.traceparent, () => this.queue.add(event.eventType, data, opts));
  }
}
