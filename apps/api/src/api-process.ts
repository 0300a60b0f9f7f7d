import type { Config } from '@nightshift/core';
import { createServices } from '@nightshift/services';
import { startTracing } from '@nightshift/telemetry';
import type { Logger } from 'pino';
import { wireApi } from './api-wiring.ts';
import { createApp } from './app.ts';
import { listenHttp } from './http-listener.ts';

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
  const tracing = await startTracing(config, { serviceName: 'nightshift-api' });
  const services = createServices(config, { logger, queueTelemetry: tracing.queues });
  const warning = await services.checkRedis();
  if (warning) logger.warn(warning);
  let accepting = true;
  const wiring = wireApi(services, {
    isAccepting: () => accepting,
    logger,
    traceRequests: tracing.enabled,
  });
  const { server, host, port } = await listenHttp({
    fetch: createApp(wiring.dependencies).fetch,
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
      await wiring.close();
      await services.close();
      await tracing.shutdown();
    },
  };
}
