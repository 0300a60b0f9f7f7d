import { BatchStore, DeliveryLog } from '@nightshift/batches';
import {
  type Config,
  checkRedisPolicy,
  createRedis,
  durationMs,
  keyPrefix,
  queueNames,
  type WebhookJobData,
} from '@nightshift/core';
import { createSafeDispatcher, parseRetrySchedule } from '@nightshift/webhooks';
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { createBatchFinalizer } from './batch-finalizer.ts';
import { createWebhookSender, deliveryJobOptions } from './webhook-sender.ts';

/** A running notifier and how to stop it after its deliveries in flight end. */
export interface RunningNotifier {
  stop(): Promise<void>;
}

/**
 * Starts the notifier: finalizes batches whose documents are all done and delivers their
 * signed webhooks.
 *
 * @example
 * const notifier = await startNotifier(loadConfig(process.env), logger);
 */
export async function startNotifier(config: Config, logger: Logger): Promise<RunningNotifier> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the notifier');
  const secret = config.NIGHTSHIFT_WEBHOOK_SECRET;
  if (!secret) {
    throw new Error('NIGHTSHIFT_WEBHOOK_SECRET (whsec_…) is required to sign webhooks');
  }
  const client = createRedis(config.REDIS_URL, 'client');
  const blocking = createRedis(config.REDIS_URL, 'worker');
  const policy = await checkRedisPolicy(client);
  if (policy.warning) logger.warn(policy.warning);

  const keepMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
  const store = new BatchStore({ redis: client, resultTtlMs: keepMs });
  const deliveries = new DeliveryLog(client, keepMs);
  const schedule = parseRetrySchedule(config.NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE);
  const webhooks = new Queue<WebhookJobData>(queueNames.webhooks, {
    connection: client,
    prefix: keyPrefix,
  });
  const finalizer = createBatchFinalizer({
    connection: blocking,
    store,
    deliveries,
    webhooks,
    keepMs,
    deliveryJobOptions: deliveryJobOptions(schedule),
  });
  const sender = createWebhookSender({
    connection: blocking,
    deliveries,
    secretsFor: async () => [secret],
    schedule,
    timeoutMs: config.NIGHTSHIFT_WEBHOOK_TIMEOUT_S * 1000,
    dispatcher: createSafeDispatcher({
      allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
      allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
    }),
  });
  finalizer.on('completed', (job, status) =>
    logger.info({ batchId: job.data.batchId, status }, 'batch finalized'),
  );
  sender.on('completed', (job) =>
    logger.info(
      { batchId: job.data.batchId, deliveryId: job.data.deliveryId },
      'webhook delivered',
    ),
  );
  sender.on('failed', (job, error) =>
    logger.warn(
      {
        batchId: job?.data.batchId,
        deliveryId: job?.data.deliveryId,
        attempt: job?.attemptsMade,
        err: error.message,
      },
      'webhook attempt failed',
    ),
  );
  for (const worker of [finalizer, sender]) {
    worker.on('error', (error) => logger.error({ err: error.message }, 'notifier worker error'));
  }
  logger.info('notifier running');

  return {
    async stop() {
      await Promise.all([finalizer.close(), sender.close()]);
      await webhooks.close();
      client.disconnect();
      blocking.disconnect();
    },
  };
}
