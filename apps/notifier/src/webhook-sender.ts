import type { DeliveryLog } from '@nightshift/batches';
import { keyPrefix, queueNames, type WebhookJobData } from '@nightshift/core';
import {
  type AttemptOutcome,
  attemptsForSchedule,
  deliverWebhook,
  signWebhook,
  WEBHOOK_BACKOFF_TYPE,
  WebhookRetryError,
  webhookBackoffStrategy,
} from '@nightshift/webhooks';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';

/** Options of {@link createWebhookSender}. */
export interface WebhookSenderOptions {
  /** Blocking connection (maxRetriesPerRequest: null). */
  connection: Redis;
  deliveries: DeliveryLog;
  /** Signing secrets of a tenant (`whsec_…`); two during a rotation's overlap. */
  secretsFor: (tenant: string) => Promise<string[]>;
  /** Retry delays in ms; the first attempt is immediate. */
  schedule: number[];
  timeoutMs: number;
  /** undici dispatcher with the connect-time SSRF check. */
  dispatcher: Dispatcher;
  /** Parallel deliveries. */
  concurrency?: number;
}

/**
 * Consumes the `webhooks` queue: signs each event per Standard Webhooks and POSTs it. Retries
 * ride on BullMQ: a failed attempt throws `WebhookRetryError` and the custom backoff strategy
 * picks the next delay (honouring `Retry-After`); 410 and SSRF refusals are `UnrecoverableError`.
 * The job id is the `webhook-id`, so every retry of one event carries the same id.
 */
export function createWebhookSender(options: WebhookSenderOptions): Worker<WebhookJobData> {
  return new Worker<WebhookJobData>(
    queueNames.webhooks,
    async (job) => {
      const { deliveryId, tenant, url, body } = job.data;
      const headers = signWebhook({
        secrets: await options.secretsFor(tenant),
        id: deliveryId,
        timestamp: new Date(),
        body,
      });
      const outcome = await deliverWebhook({
        url,
        body,
        headers: { ...headers },
        timeoutMs: options.timeoutMs,
        dispatcher: options.dispatcher,
      });
      await options.deliveries.recordAttempt(deliveryId, toAttempt(url, outcome));
      switch (outcome.decision) {
        case 'delivered':
          await options.deliveries.settle(deliveryId, 'delivered');
          return { status: outcome.status };
        case 'gone':
          await options.deliveries.settle(deliveryId, 'gone');
          throw new UnrecoverableError('receiver answered 410 Gone');
        case 'refused':
          await options.deliveries.settle(deliveryId, 'failed');
          throw new UnrecoverableError(`refused: ${outcome.error ?? 'blocked address'}`);
        default: {
          const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          if (last) await options.deliveries.settle(deliveryId, 'failed');
          throw WebhookRetryError.fromOutcome(outcome);
        }
      }
    },
    {
      connection: options.connection,
      prefix: keyPrefix,
      concurrency: options.concurrency ?? 32,
      settings: { backoffStrategy: webhookBackoffStrategy(options.schedule) },
    },
  );
}

/** Job options every delivery job gets: the schedule as attempts, our backoff type. */
export function deliveryJobOptions(schedule: number[]) {
  return { attempts: attemptsForSchedule(schedule), backoff: { type: WEBHOOK_BACKOFF_TYPE } };
}

function toAttempt(url: string, outcome: AttemptOutcome) {
  return {
    at: new Date().toISOString(),
    url,
    status: outcome.status ?? null,
    durationMs: outcome.durationMs,
    error: outcome.error ?? null,
    response: outcome.responseSnippet ?? null,
  };
}
