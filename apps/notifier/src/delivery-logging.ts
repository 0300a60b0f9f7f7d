import type { WebhookJobData } from '@nightshift/core';
import type { RedisOutageLog } from '@nightshift/redis';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';

/**
 * Logs each delivery the sender ends and each attempt that failed, with the ids an operator
 * searches by (tenant, batch, delivery, job). The sender's errors go through the process's
 * outage log: Redis away is a few lines, not one per reconnection attempt.
 *
 * @example
 * logDeliveries(createWebhookSender({ ... }), logger, services.redisOutages);
 */
export function logDeliveries(
  sender: Worker<WebhookJobData>,
  logger: Logger,
  outages: RedisOutageLog,
): void {
  sender.on('completed', (job) =>
    logger.info(
      {
        tenant: job.data.tenant,
        batchId: job.data.batchId,
        deliveryId: job.data.deliveryId,
        jobId: job.id,
      },
      'webhook delivered',
    ),
  );
  sender.on('failed', (job, error) =>
    logger.warn(
      {
        tenant: job?.data.tenant,
        batchId: job?.data.batchId,
        deliveryId: job?.data.deliveryId,
        jobId: job?.id,
        attempt: job?.attemptsMade,
        err: error.message,
      },
      'webhook attempt failed',
    ),
  );
  sender.on('error', outages.listener('notifier worker'));
}
