import { DeliveryLog, WebhookSecretStore } from '@nightshift/batches';
import { type Config, checkRedisPolicy, createRedis, durationMs } from '@nightshift/core';
import { MetricsRecorder, nightshiftMetrics } from '@nightshift/metrics';
import { createSafeDispatcher, parseRetrySchedule } from '@nightshift/webhooks';
import type { Logger } from 'pino';
import { cachedSecrets } from './secret-cache.ts';
import { createWebhookSender } from './webhook-sender.ts';

/** A running notifier and how to stop it after its deliveries in flight end. */
export interface RunningNotifier {
  stop(): Promise<void>;
}

/** Tuning beyond the configuration contract (main.ts reads them from the environment). */
export interface NotifierTuning {
  /** BullMQ job lock: how soon a killed notifier's deliveries are picked up again. Default 30 s. */
  lockMs?: number;
  /** Parallel deliveries per notifier. Default 32. */
  concurrency?: number;
}

/**
 * Starts the notifier: it delivers the signed webhooks queued on `webhooks` (retries, dead
 * letters, 410s). It only delivers: batches end, and their events are queued, where their last
 * document is recorded, so a batch's status never waits for a notifier.
 *
 * @example
 * const notifier = await startNotifier(loadConfig(process.env), logger);
 */
export async function startNotifier(
  config: Config,
  logger: Logger,
  tuning: NotifierTuning = {},
): Promise<RunningNotifier> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the notifier');
  if (!config.NIGHTSHIFT_WEBHOOK_SECRET) {
    throw new Error('NIGHTSHIFT_WEBHOOK_SECRET (whsec_…) is required to sign webhooks');
  }
  const client = createRedis(config.REDIS_URL, 'client');
  const blocking = createRedis(config.REDIS_URL, 'worker');
  const policy = await checkRedisPolicy(client);
  if (policy.warning) logger.warn(policy.warning);

  const keepMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
  const deliveries = new DeliveryLog(client, keepMs);
  const secrets = new WebhookSecretStore({
    redis: client,
    defaultSecret: config.NIGHTSHIFT_WEBHOOK_SECRET,
  });
  const schedule = parseRetrySchedule(config.NIGHTSHIFT_WEBHOOK_RETRY_SCHEDULE);
  const lock = tuning.lockMs ? { lockMs: tuning.lockMs, stalledIntervalMs: tuning.lockMs } : {};
  const recorder = new MetricsRecorder({ redis: client });
  const sender = createWebhookSender({
    connection: blocking,
    deliveries,
    secretsFor: cachedSecrets((tenant) => secrets.secretsFor(tenant)),
    schedule,
    timeoutMs: config.NIGHTSHIFT_WEBHOOK_TIMEOUT_S * 1000,
    dispatcher: createSafeDispatcher({
      allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
      allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
    }),
    ...(tuning.concurrency ? { concurrency: tuning.concurrency } : {}),
    ...lock,
    onAttempt: (outcome) =>
      recorder.inc(nightshiftMetrics.webhookAttempts, { outcome: outcome.decision }),
  });
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
  sender.on('error', (error) => logger.error({ err: error.message }, 'notifier worker error'));
  logger.info(
    { schedule, allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE },
    'notifier running',
  );

  return {
    async stop() {
      await sender.close();
      client.disconnect();
      blocking.disconnect();
    },
  };
}
