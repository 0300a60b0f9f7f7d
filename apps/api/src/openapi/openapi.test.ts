import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../test-support/api-under-test.ts';
import { docsAssets } from './docs-page.ts';
import { buildOpenApiDocument } from './document.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest();
});
afterAll(async () => {
  await api.close();
});

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every example value found anywhere in the document, with where it was found. */
function examplesIn(node: unknown, path: string, out: { where: string; value: unknown }[]) {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) examplesIn(child, `${path}/${i}`, out);
  } else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (key === 'examples' && child && typeof child === 'object' && !Array.isArray(child)) {
        for (const [name, example] of Object.entries(child)) {
          out.push({
            where: `${path}/examples/${name}`,
            value: (example as { value: unknown }).value,
          });
        }
      } else examplesIn(child, `${path}/${key}`, out);
    }
  }
  return out;
}

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document with the bearer scheme and problem+json errors', async () => {
    const response = await api.app.request('/openapi.json');
    expect(response.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const create = document.paths['/v1/batches'].post;
    expect(Object.keys(create.requestBody.content)).toEqual([
      'application/json',
      'multipart/form-data',
    ]);
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.responses['401'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    expect(
      Object.keys(document.paths['/v1/batches/{id}/results'].get.responses['200'].content),
    ).toEqual(['application/x-ndjson']);
    const summaries = document.paths['/v1/summaries'].post.responses;
    expect(summaries['429'].headers).toHaveProperty('Retry-After');
    expect(summaries['429'].headers).toHaveProperty('RateLimit-Remaining');
    expect(summaries['503'].headers).toHaveProperty('Retry-After');
  });

  it('describes every route the Hono app registers (method and path)', () => {
    const { document } = buildOpenApiDocument();
    const described = new Set<string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of methods)
        if (item?.[method]) described.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = new Set(
      api.app.routes
        .filter((route) => route.method !== 'ALL')
        .map((route) => {
          const path = route.path.length > 1 ? route.path.replace(/\/$/, '') : route.path;
          return `${route.method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
        }),
    );
    expect(routes.size).toBeGreaterThan(10);
    const undocumented = [...routes].filter((route) => !described.has(route));
    expect(undocumented).toEqual([]);
    // And nothing described that the app does not serve.
    const phantom = [...described].filter((route) => !routes.has(route));
    expect(phantom).toEqual([]);
  });

  it('has only examples that validate against their zod schemas, and checks every one', () => {
    const { document, examples } = buildOpenApiDocument();
    const found = examplesIn(document.paths, '#/paths', []);
    expect(found.length).toBeGreaterThan(20);
    // Every example in the document is one the builder recorded with its schema...
    for (const { where, value } of found) {
      expect(
        examples.some((e) => e.value === value),
        `unchecked example at ${where}`,
      ).toBe(true);
    }
    // ...and each recorded example parses.
    for (const example of examples) {
      const parsed = example.schema.safeParse(example.value);
      expect(parsed.success, `${example.where}: ${parsed.error?.message}`).toBe(true);
    }
  });
});

describe('GET /docs', () => {
  it('serves a page whose scripts and styles come from this server only', async () => {
    const response = await api.app.request('/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(references.length).toBeGreaterThanOrEqual(3);
    for (const reference of references) expect(reference).toMatch(/^\/docs\/assets\//);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves every asset from the installed swagger-ui-dist package', async () => {
    for (const [name, type] of Object.entries(docsAssets)) {
      const response = await api.app.request(`/docs/assets/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(
        name === 'docs-init.js' ? 50 : 500,
      );
    }
    const init = await (await api.app.request('/docs/assets/docs-init.js')).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:\/\//);
    const bundle = await (await api.app.request('/docs/assets/swagger-ui-bundle.js')).text();
    expect(bundle).toContain('SwaggerUIBundle');
    expect((await api.app.request('/docs/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await api.app.request('/docs/assets/index.html')).status).toBe(404);
  });
});
