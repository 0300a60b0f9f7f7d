import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { z } from 'zod';
import { apiRouter, serveRoute } from './api-router.ts';
import { docsAssets, docsContentSecurityPolicy, docsHtml, readDocsAsset } from './docs-page.ts';
import { bearerScheme, metricsTokenScheme } from './responses.ts';

/** The document's header: what the API is, and the tags the routes use. */
const documentInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Nightshift API',
    version: '1.0.0',
    description:
      'Batch LLM summarization on idle GPUs. Batches wait in a cold lane drained in off-peak windows; the hot lane answers one document at any hour. Errors are `application/problem+json` (RFC 9457).',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'batches', description: 'Cold lane: batches of documents, results, cancel.' },
    { name: 'summaries', description: 'Hot lane: one document, answered now.' },
    { name: 'usage', description: 'Documents and tokens per tenant and period.' },
    { name: 'workers', description: 'The GPU fleet.' },
    { name: 'schedules', description: 'Night batches from cron schedules.' },
    { name: 'deliveries', description: 'The webhook delivery log, retries and replay.' },
    { name: 'webhooks', description: 'The per-tenant webhook signing secret.' },
    { name: 'operations', description: 'Health, readiness, metrics, this document.' },
  ],
};

const openApiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['operations'],
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: {
      description: 'The document, generated from the route definitions.',
      content: {
        'application/json': { schema: z.object({ openapi: z.string() }).catchall(z.unknown()) },
      },
    },
  },
});

const docsPage = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['operations'],
  summary: 'Interactive API documentation (Swagger UI, served locally)',
  responses: {
    200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } },
  },
});

const docsAsset = createRoute({
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

/**
 * `GET /openapi.json` (the 3.1 document generated from every route mounted on `root` with
 * `app.route()`) and `GET /docs` (Swagger UI, its assets served from the `swagger-ui-dist`
 * package: no CDN, works offline). Unauthenticated. The document is built at the first request,
 * once every route is mounted, and kept: the route definitions are static.
 *
 * @example
 * app.route('/', openApiRoutes({ root: app }));
 */
export function openApiRoutes<E extends Env>(options: { root: OpenAPIHono<E> }) {
  const app = apiRouter();
  options.root.openAPIRegistry.registerComponent('securitySchemes', 'bearer', bearerScheme);
  options.root.openAPIRegistry.registerComponent(
    'securitySchemes',
    'metricsToken',
    metricsTokenScheme,
  );
  let document: object | undefined;
  serveRoute(app, openApiDocument, (c) => {
    document ??= options.root.getOpenAPI31Document(documentInfo);
    return c.json(document);
  });
  serveRoute(app, docsPage, (c) => {
    c.header('content-security-policy', docsContentSecurityPolicy);
    return c.html(docsHtml);
  });
  serveRoute(app, docsAsset, async (c) => {
    const name = c.req.param('file') ?? '';
    const bytes = await readDocsAsset(name);
    if (!bytes) return c.notFound();
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': docsAssets[name] as string,
      'cache-control': 'public, max-age=86400',
    });
  });
  return app;
}
