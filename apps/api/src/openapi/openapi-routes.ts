import { Hono } from 'hono';
import { docsAssets, docsContentSecurityPolicy, docsHtml, readDocsAsset } from './docs-page.ts';
import { buildOpenApiDocument } from './document.ts';

/**
 * `GET /openapi.json` (the generated 3.1 document) and `GET /docs` (Swagger UI, its assets
 * served from the `swagger-ui-dist` package: no CDN, works offline). Unauthenticated.
 *
 * @example
 * app.route('/', openApiRoutes());
 */
export function openApiRoutes() {
  const app = new Hono();
  app.get('/openapi.json', (c) => c.json(buildOpenApiDocument().document));
  app.get('/docs', (c) => {
    c.header('content-security-policy', docsContentSecurityPolicy);
    return c.html(docsHtml);
  });
  app.get('/docs/assets/:file', async (c) => {
    const name = c.req.param('file');
    const bytes = await readDocsAsset(name);
    if (!bytes) return c.notFound();
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': docsAssets[name] as string,
      'cache-control': 'public, max-age=86400',
    });
  });
  return app;
}
