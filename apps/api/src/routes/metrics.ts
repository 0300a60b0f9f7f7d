import { createRoute } from '@hono/zod-openapi';
import type { MetricsRegistry } from '@nightshift/metrics';
import { z } from 'zod';
import { type MetricsAuthOptions, metricsAuth } from '../middleware/metrics-auth.ts';
import { apiRouter, serveRoute } from '../openapi/api-router.ts';
import {
  metricsSecurity,
  type ProblemInfo,
  problemResponses,
  tooManyWrongKeys,
} from '../openapi/responses.ts';

const refused: Record<number, ProblemInfo> = {
  401: {
    description:
      'No token, a wrong one, or no `NIGHTSHIFT_METRICS_TOKEN` set (then nobody reads metrics).',
    slug: 'unauthorized',
    detail: 'Send Authorization: Bearer <metrics token>.',
  },
  ...tooManyWrongKeys,
};

const scrape = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (text exposition)',
  description:
    'Cluster-wide: queue depth per lane read from BullMQ, plus the series every worker, notifier and API replica records in Redis (job durations, tokens, fallbacks, VRAM, window state, webhook attempts, rate-limit rejections). Any replica answers the same. The series name tenants, so only the scraper reads them: its token (`NIGHTSHIFT_METRICS_TOKEN`) as a bearer token.',
  security: metricsSecurity,
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
    ...problemResponses(refused),
  },
});

/**
 * `GET /metrics`: Prometheus text exposition, read fresh from Redis and BullMQ at each scrape,
 * so every API replica answers with the same cluster-wide figures; only to the scraper's token.
 *
 * @example
 * app.route('/', metricsRoutes({ metrics: createMetricsRegistry({ redis }), auth: { tokens } }));
 */
export function metricsRoutes(options: { metrics: MetricsRegistry; auth: MetricsAuthOptions }) {
  const app = apiRouter();
  app.use('/metrics', metricsAuth(options.auth));
  serveRoute(app, scrape, async (c) =>
    c.body(await options.metrics.metrics(), 200, { 'content-type': options.metrics.contentType }),
  );
  return app;
}
