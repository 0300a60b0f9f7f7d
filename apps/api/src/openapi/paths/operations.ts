import { z } from 'zod';
import { type Components, problemResponses } from '../components.ts';
import type { SpecBuilder } from '../spec-builder.ts';

/** Unauthenticated operational routes: health, readiness, metrics, this document, the docs page. */
export function registerOperationPaths(spec: SpecBuilder, c: Components): void {
  const { registry } = spec;
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['operations'],
    summary: 'Liveness: the process is up',
    responses: {
      200: {
        description: 'Up.',
        content: spec.media('GET /healthz', 200, {
          'application/json': {
            schema: z.object({ status: z.literal('ok') }),
            examples: { ok: { value: { status: 'ok' } } },
          },
        }),
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['operations'],
    summary: 'Readiness: Redis reachable and not draining',
    responses: {
      200: {
        description: 'Ready.',
        content: spec.media('GET /readyz', 200, {
          'application/json': {
            schema: z.object({ status: z.literal('ready') }),
            examples: { ready: { value: { status: 'ready' } } },
          },
        }),
      },
      ...problemResponses(spec, c, 'GET /readyz', {
        503: {
          description: 'Redis unreachable or draining.',
          slug: 'not-ready',
          detail: 'Redis is unreachable or the process is draining.',
        },
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition)',
    description:
      'Cluster-wide: queue depth per lane read from BullMQ, plus the series every worker, notifier and API replica records in Redis (job durations, tokens, fallbacks, VRAM, window state, webhook attempts, rate-limit rejections). Any replica answers the same.',
    responses: {
      200: {
        description: 'Prometheus text format 0.0.4.',
        content: spec.media('GET /metrics', 200, {
          'text/plain': {
            schema: z.string(),
            examples: {
              depth: {
                value:
                  '# TYPE nightshift_queue_depth gauge\nnightshift_queue_depth{lane="cold",state="waiting"} 12\n',
              },
            },
          },
        }),
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['operations'],
    summary: 'This OpenAPI 3.1 document',
    responses: {
      200: {
        description: 'The document.',
        content: {
          'application/json': { schema: z.object({ openapi: z.string() }).catchall(z.unknown()) },
        },
      },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['operations'],
    summary: 'Interactive API documentation (Swagger UI, served locally)',
    responses: {
      200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } },
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/docs/assets/{file}',
    tags: ['operations'],
    summary: 'Static assets of the docs page (from the swagger-ui-dist package)',
    request: { params: z.object({ file: z.string() }) },
    responses: {
      200: { description: 'The asset.' },
      404: { description: 'Not one of the served assets.' },
    },
  });
}
