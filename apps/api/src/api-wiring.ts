import { upstreamsFrom } from '@nightshift/gateway';
import { nightshiftMetrics } from '@nightshift/metrics';
import { PriceStore } from '@nightshift/price-windows';
import type { Services } from '@nightshift/services';
import { checkWebhookUrl } from '@nightshift/webhooks';
import type { Logger } from 'pino';
import type { ApiDependencies } from './app.ts';
import { wireGateway } from './gateway/gateway-wiring.ts';
import { HotLane } from './hot-lane.ts';
import { hotLaneAdmission } from './middleware/hot-admission.ts';

/** Options of {@link wireApi}. */
export interface WireApiOptions {
  /** False while draining for shutdown (`/readyz` answers 503). */
  isAccepting: () => boolean;
  /** Request log, unhandled errors and refused webhook URLs; silent when absent. */
  logger?: Logger;
  /** Hot-lane admission (VRAM, queue depth); `false` leaves it out (tests). Default on. */
  hotAdmission?: { cacheMs?: number } | false;
  /** One server span per request (`startTracing(...).enabled`). Default off. */
  traceRequests?: boolean;
}

/** The API's dependencies and the API-only parts to close before the services. */
export interface ApiWiring {
  dependencies: ApiDependencies;
  /** Closes the hot lane (its queue and event stream) and the gateway's upstream connections; the services close separately. */
  close(): Promise<void>;
}

/**
 * Builds `createApp`'s dependencies from the shared services, plus the one part only the API
 * runs: the hot lane, whose event stream needs the blocking connection.
 *
 * @example
 * const wiring = wireApi(services, { isAccepting: () => accepting, logger });
 * const app = createApp(wiring.dependencies);
 */
export function wireApi(services: Services, options: WireApiOptions): ApiWiring {
  const { config } = services;
  const { logger } = options;
  const hotLane = new HotLane({
    connection: services.client,
    eventsConnection: services.redis.blocking,
    queueTelemetry: services.queueTelemetry,
    onQueueError: services.redisOutages.listener('hot lane'),
  });
  const admission = options.hotAdmission ?? {};
  const gateway = wireGateway({
    config,
    fleet: services.fleet,
    redis: services.client,
    leases: services.interactiveTraffic,
    mediaUrls: services.mediaUrls,
    accounting: services.gpuAccounting.ledger,
    ...(logger
      ? {
          onMetricsError: (error: Error) =>
            logger.warn({ err: error.message }, 'gateway metrics not recorded'),
        }
      : {}),
  });
  const dependencies: ApiDependencies = {
    config,
    redis: services.client,
    store: services.batchStore,
    submitter: services.batchSubmitter,
    hotLane,
    gateway,
    openAiBatches: { files: services.openAiFiles, batches: services.openAiBatches },
    anthropicBatches: services.anthropicBatches,
    fleet: services.fleet,
    webhooks: services.webhooks,
    ...(admission
      ? {
          hotAdmission: hotLaneAdmission({
            registry: services.fleet,
            waiting: () => hotLane.waiting(),
            maxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
            maxQueue: config.NIGHTSHIFT_HOT_MAX_QUEUE,
            onRefuse: (reason) =>
              void services.metricsRecorder
                .inc(nightshiftMetrics.hotRejections, { reason })
                .catch((error: Error) =>
                  logger?.warn({ err: error.message }, 'hot rejection not recorded'),
                ),
            ...admission,
          }),
        }
      : {}),
    isAccepting: options.isAccepting,
    queueErrors: (source) => services.redisOutages.listener(source),
    nightShift: {
      accounting: services.gpuAccounting.store,
      documents: services.gpuAccounting.documents,
      windowSpec: config.NIGHTSHIFT_COLD_WINDOWS,
      timeZone: config.NIGHTSHIFT_TZ,
      serverCount: upstreamsFrom(config).length,
      ...(config.NIGHTSHIFT_PRICE_SOURCE
        ? {
            prices: (from: number, to: number) =>
              new PriceStore({ redis: services.client }).history(from, to),
          }
        : {}),
    },
    ...(options.traceRequests ? { traceRequests: true } : {}),
    checkWebhookUrl: async (url) => {
      const check = await checkWebhookUrl(url, {
        allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
        allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
      });
      if (check.ok) return { ok: true };
      // The client hears only that the address is refused; the resolved address stays here.
      logger?.info({ reason: check.reason, why: check.logDetail }, 'webhook url refused');
      return { ok: false, detail: check.detail };
    },
    ...(logger
      ? { logError: (error: Error) => logger.error({ err: error }, 'unhandled error'), logger }
      : {}),
  };
  return {
    dependencies,
    close: async () => {
      await Promise.all([hotLane.close(), gateway.close()]);
    },
  };
}
