import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The swagger-ui-dist files the page uses, with their content types; nothing else is served. */
export const docsAssets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'docs-init.js': 'text/javascript; charset=utf-8',
};

/**
 * Pins the page to this origin: even if a bundled script tried to reach another host
 * (Swagger UI's online validator badge, say), the browser would refuse.
 */
export const docsContentSecurityPolicy =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The page: Swagger UI from `/docs/assets/`, the spec from `/openapi.json`. */
export const docsHtml = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Nightshift API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/docs-init.js"></script>
  </body>
</html>
`;

/** Swagger UI settings; `validatorUrl: null` keeps it from calling validator.swagger.io. */
const initScript = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const cache = new Map<string, Uint8Array>();

/** The bytes of one allowed asset, read once from the installed swagger-ui-dist package. */
export async function readDocsAsset(name: string): Promise<Uint8Array | undefined> {
  if (!(name in docsAssets)) return undefined;
  const cached = cache.get(name);
  if (cached) return cached;
  const bytes =
    name === 'docs-init.js'
      ? new TextEncoder().encode(initScript)
      : new Uint8Array(await readFile(join(swaggerUiDir(), name)));
  cache.set(name, bytes);
  return bytes;
}

function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}
