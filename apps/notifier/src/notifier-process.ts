import { type Config, jobLockTiming } from '@nightshift/core';
import { nightshiftMetrics } from '@nightshift/metrics';
import { createServices } from '@nightshift/services';
import { startTracing } from '@nightshift/telemetry';
import { createSafeDispatcher } from '@nightshift/webhooks';
import type { Logger } from 'pino';
import { logDeliveries } from './delivery-logging.ts';
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
  const tracing = await startTracing(config, { serviceName: 'nightshift-notifier' });
  const services = createServices(config, { logger, queueTelemetry: tracing.queues });
  const warning = await services.checkRedis();
  if (warning) logger.warn(warning);
  const { webhookSecrets, metricsRecorder } = services;
  const schedule = services.webhookRetrySchedule;
  const sender = createWebhookSender({
    connection: services.redis.blocking,
    deliveries: services.deliveryLog,
    secretsFor: cachedSecrets((tenant) => webhookSecrets.secretsFor(tenant)),
    schedule,
    timeoutMs: config.NIGHTSHIFT_WEBHOOK_TIMEOUT_S * 1000,
    dispatcher: createSafeDispatcher({
      allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
      allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
    }),
    ...(tuning.concurrency ? { concurrency: tuning.concurrency } : {}),
    // A killed notifier's deliveries are back in the queue within NIGHTSHIFT_JOB_LOCK_MS.
    ...(tuning.lockMs ? deliveryLockTiming(tuning.lockMs) : {}),
    queueTelemetry: tracing.queues,
    onAttempt: (outcome) =>
      metricsRecorder.inc(nightshiftMetrics.webhookAttempts, { outcome: outcome.decision }),
    onDeadLetter: () => metricsRecorder.inc(nightshiftMetrics.webhookDeadLetters, {}),
  });
  logDeliveries(sender, logger, services.redisOutages);
  logger.info(
    { schedule, allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE },
    'notifier running',
  );

  return {
    async stop() {
      await sender.close();
      await services.close();
      await tracing.shutdown();
    },
  };
}

/** `jobLockTiming` in the webhook sender's option names. */
function deliveryLockTiming(lockMs: number) {
  const { lockDuration, stalledInterval } = jobLockTiming(lockMs);
  return { lockMs: lockDuration, stalledIntervalMs: stalledInterval };
}
