import { DeliveryLog, WebhookOutbox } from '@nightshift/batches';
import { type Config, durationMs } from '@nightshift/core';
import {
  attemptsForSchedule,
  parseRetrySchedule,
  WEBHOOK_BACKOFF_TYPE,
} from '@nightshift/webhooks';
import type { Redis } from 'ioredis';

/**
 * The webhook outbox as the configuration sets it up: the notifier's retry schedule and backoff
 * type, deliveries kept for the result TTL. The worker only queues events; notifiers send them.
 *
 * @example
 * const outbox = configuredOutbox(client, config);
 */
export function configuredOutbox(redis: Redis, config: Config): WebhookOutbox {
  const keepMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
  return new WebhookOutbox({
    connection: redis,
    deliveries: new DeliveryLog(redis, keepMs),
    attempts: attemptsForSchedule(parseRetrySchedule(config.NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE)),
    backoffType: WEBHOOK_BACKOFF_TYPE,
    keepMs,
  });
}
