import { BatchStore, BatchSubmitter, FairShare } from '@nightshift/batches';
import { type Config, checkRedisPolicy, createRedis, durationMs } from '@nightshift/core';
import { FleetRegistry } from '@nightshift/fleet';
import { checkWebhookUrl } from '@nightshift/webhooks';
import type { Logger } from 'pino';
import { createApp } from './app.ts';
import { HotLane } from './hot-lane.ts';
import { listenHttp } from './http-listener.ts';
import { hotLaneAdmission } from './middleware/hot-admission.ts';
import { createWebhookDependencies } from './routes/deliveries.ts';

/** A running API: its address and how to stop it gracefully. */
export interface RunningApi {
  /** The address the server is bound to (`HOST`). */
  host: string;
  port: number;
  /** Stops accepting (readyz turns 503), finishes requests in flight, closes connections. */
  stop(): Promise<void>;
}

/** Tuning beyond the configuration contract (main.ts reads it from the environment). */
export interface ApiTuning {
  /**
   * On stop, how long `/readyz` answers 503 while requests are still served, before the
   * listener closes: time for a load balancer to stop routing here. Default 0.
   */
  drainDelayMs?: number;
}

/**
 * Starts the API on a port: connections, policy check, HTTP server.
 *
 * @example
 * const api = await startApi(loadConfig(process.env), logger);
 * process.on('SIGTERM', () => api.stop());
 */
export async function startApi(
  config: Config,
  logger: Logger,
  tuning: ApiTuning = {},
): Promise<RunningApi> {
  if (!config.REDIS_URL) throw new Error('REDIS_URL is required to start the API');
  const redis = createRedis(config.REDIS_URL, 'client');
  const events = createRedis(config.REDIS_URL, 'worker');
  const policy = await checkRedisPolicy(redis);
  if (policy.warning) logger.warn(policy.warning);
  const resultTtlMs = durationMs(config.NIGHTSHIFT_RESULT_TTL);
  const store = new BatchStore({ redis, resultTtlMs });
  const submitter = new BatchSubmitter({
    connection: redis,
    store,
    attempts: config.NIGHTSHIFT_JOB_ATTEMPTS,
    resultTtlMs,
    // Workers run NIGHTSHIFT_COLD_CONCURRENCY slots each; groups keep every slot fed.
    grouping: {
      maxPerJob: config.NIGHTSHIFT_COLD_GROUP_MAX,
      slots: config.NIGHTSHIFT_COLD_CONCURRENCY,
    },
    priorityFor: new FairShare({
      redis: redis,
      modelGroups: config.NIGHTSHIFT_MODEL_GROUPS,
      roundLength: config.NIGHTSHIFT_MODEL_ROUND,
    }).priorityFor,
  });
  const hotLane = new HotLane({ connection: redis, eventsConnection: events });
  const fleet = new FleetRegistry({ redis });
  const webhooks = createWebhookDependencies(redis, config);
  let accepting = true;
  const app = createApp({
    config,
    redis,
    store,
    submitter,
    hotLane,
    fleet,
    webhooks,
    hotAdmission: hotLaneAdmission({
      registry: fleet,
      waiting: () => hotLane.waiting(),
      maxUsedPct: config.NIGHTSHIFT_VRAM_MAX_USED_PCT,
      maxQueue: config.NIGHTSHIFT_HOT_MAX_QUEUE,
    }),
    isAccepting: () => accepting,
    checkWebhookUrl: async (url) => {
      const check = await checkWebhookUrl(url, {
        allowPrivate: config.NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE,
        allowList: config.NIGHTSHIFT_WEBHOOK_ALLOW_LIST,
      });
      if (check.ok) return { ok: true };
      // The client hears only that the address is refused; the resolved address stays here.
      logger.info({ reason: check.reason, why: check.logDetail }, 'webhook url refused');
      return { ok: false, detail: check.detail };
    },
    logError: (error) => logger.error({ err: error }, 'unhandled error'),
    logger,
  });

  const { server, host, port } = await listenHttp({
    fetch: app.fetch,
    port: config.PORT,
    host: config.HOST,
    requestTimeoutMs: config.NIGHTSHIFT_REQUEST_TIMEOUT_S * 1000,
    headersTimeoutMs: config.NIGHTSHIFT_HEADERS_TIMEOUT_S * 1000,
  });
  logger.info({ host, port }, 'api listening');

  return {
    host,
    port,
    async stop() {
      accepting = false;
      const delayMs = tuning.drainDelayMs ?? 0;
      logger.info({ drainDelayMs: delayMs }, 'draining: readyz answers 503');
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      // New connections are refused from here; requests in flight run to their answer.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      logger.info('http server closed; requests in flight answered');
      await Promise.all([submitter.close(), hotLane.close(), webhooks.outbox.close()]);
      redis.disconnect();
      events.disconnect();
    },
  };
}
