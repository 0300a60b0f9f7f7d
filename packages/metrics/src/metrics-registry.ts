import type { Redis } from 'ioredis';
import { type Metric, Registry } from 'prom-client';
import { nightshiftMetrics } from './metric-definitions.ts';
import { queueDepthMetric } from './queue-depth.ts';
import { storedMetric } from './stored-metric.ts';

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** A client connection: reads the stored series and BullMQ job counts. */
  redis: Redis;
  /** Queues reported by `nightshift_queue_depth`; default: every Nightshift queue. */
  lanes?: readonly string[];
  /**
   * Hears the depth queues' errors (a Redis outage: `RedisOutageLog.listener`). Absent, BullMQ
   * prints each one with its stack.
   */
  onError?: (error: Error) => void;
}

/** A prom-client registry of every Nightshift metric, and how to release its queue handles. */
export interface MetricsRegistry {
  registry: Registry;
  /** `Content-Type` of {@link MetricsRegistry.metrics}' text. */
  contentType: string;
  /** The Prometheus text exposition, read fresh from Redis. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds the registry the API serves at `GET /metrics`: queue depth from BullMQ, plus every
 * series that workers, notifiers and API replicas recorded with {@link MetricsRecorder}.
 *
 * @example
 * const metrics = createMetricsRegistry({ redis });
 * app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  const registry = new Registry();
  const depth = queueDepthMetric(options.redis, options.lanes, options.onError);
  // prom-client's registry only calls name/get() on what it holds; these are not its classes.
  registry.registerMetric(depth as unknown as Metric);
  for (const definition of Object.values(nightshiftMetrics)) {
    registry.registerMetric(storedMetric(options.redis, definition) as unknown as Metric);
  }
  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    close: () => depth.close(),
  };
}
