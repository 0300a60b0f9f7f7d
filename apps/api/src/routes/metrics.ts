import { createRoute } from '@hono/zod-openapi';
import type { MetricsRegistry } from '@nightshift/metrics';
import { z } from 'zod';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';

const scrape = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (text exposition)',
  description:
    'Cluster-wide: queue depth per lane read from BullMQ, plus the series every worker, notifier and API replica records in Redis (job durations, tokens, fallbacks, VRAM, window state, webhook attempts, rate-limit rejections). Any replica answers the same.',
  responses: {
    200: {
      description: 'Prometheus text format 0.0.4.',
      content: {
        'text/plain': {
          schema: z.string(),
          examples: {
            depth: {
              value:
                '# TYPE nightshift_queue_depth gauge\nnightshift_queue_depth{lane="cold",state="waiting"} 12\n',
            },
          },
        },
      },
    },
  },
});

/**
 * `GET /metrics`: Prometheus text exposition, read fresh from Redis and BullMQ at each scrape,
 * so every API replica answers with the same cluster-wide figures.
 *
 * @example
 * app.route('/', metricsRoutes({ metrics: createMetricsRegistry({ redis }) }));
 */
export function metricsRoutes(options: { metrics: MetricsRegistry }) {
  const app = apiRouter();
  serveRoute(app, scrape, async (c) =>
    c.body(await options.metrics.metrics(), 200, { 'content-type': options.metrics.contentType }),
  );
  return app;
}
