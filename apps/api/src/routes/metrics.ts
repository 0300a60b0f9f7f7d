import type { MetricsRegistry } from '@nightshift/metrics';
import { Hono } from 'hono';

/**
 * `GET /metrics`: Prometheus text exposition, read fresh from Redis and BullMQ at each scrape,
 * so every API replica answers with the same cluster-wide figures.
 *
 * @example
 * app.route('/', metricsRoutes({ metrics: createMetricsRegistry({ redis }) }));
 */
export function metricsRoutes(options: { metrics: MetricsRegistry }) {
  const app = new Hono();
  app.get('/metrics', async (c) =>
    c.body(await options.metrics.metrics(), 200, { 'content-type': options.metrics.contentType }),
  );
  return app;
}
