import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';
import { OpenApiContract, type OpenApiDocument } from '../../test-support/openapi-contract.ts';
import { docsAssets } from './docs-page.ts';

let api: Awaited<ReturnType<typeof apiUnderTest>>;
let document: OpenApiDocument;
beforeAll(async () => {
  api = await apiUnderTest();
  document = (await (await api.app.request('/openapi.json')).json()) as OpenApiDocument;
});
afterAll(async () => {
  await api.close();
});

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface FoundExample {
  where: string;
  value: unknown;
  /** The schema beside it: of its media type, parameter or (for `example`) its own node. */
  schema: object | undefined;
}

/**
 * Every example found anywhere in the document (named `examples` of a media type, `example` of
 * a parameter or schema), each with the schema it must satisfy.
 */
function examplesIn(node: unknown, path: string, out: FoundExample[]): FoundExample[] {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) examplesIn(child, `${path}/${i}`, out);
    return out;
  }
  if (!node || typeof node !== 'object') return out;
  const record = node as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'examples' && child && typeof child === 'object' && !Array.isArray(child)) {
      for (const [name, example] of Object.entries(child)) {
        out.push({
          where: `${path}/examples/${name}`,
          value: (example as { value: unknown }).value,
          schema: record.schema as object | undefined,
        });
      }
    } else if (key === 'example') {
      // A parameter's example obeys the parameter's schema; a schema's example, the schema.
      const schema = 'in' in record ? (record.schema as object | undefined) : record;
      out.push({ where: `${path}/example`, value: child, schema });
    } else examplesIn(child, `${path}/${key}`, out);
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
    expect(document.components.schemas).toHaveProperty('Batch');
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

  // The compatible surfaces (/openai/v1, /ollama, /anthropic) follow OpenAI's, Ollama's and
  // Anthropic's own contracts (README: "Point your chat tools at Nightshift"), tested with their
  // official clients. The browser pages (/admin, /tenant) and the compatible dialects are no
  // part of it.
  const ownContract = (path: string) =>
    !path.startsWith('/admin') &&
    !path.startsWith('/tenant') &&
    !path.startsWith('/openai/') &&
    !path.startsWith('/ollama') &&
    !path.startsWith('/anthropic');

  it('describes every route the Hono app registers (method and path), and no /admin route', () => {
    const described = new Set<string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of methods)
        if (item?.[method]) described.add(`${method.toUpperCase()} ${path}`);
    }
    const routes = new Set(
      api.app.routes
        .filter((route) => route.method !== 'ALL' && ownContract(route.path))
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
    expect(
      Object.keys(document.paths).filter((p) => p.startsWith('/admin') || p.startsWith('/tenant')),
    ).toEqual([]);
  });

  it('has examples on the answers and bodies, each valid against the schema beside it', () => {
    const contract = new OpenApiContract(document);
    const found = examplesIn(document.paths, '#/paths', []);
    const named = found.filter((e) => e.where.includes('/examples/'));
    expect(named.length).toBeGreaterThan(20);
    // Every operation with a JSON success answer shows an example of it.
    for (const operation of contract.operations()) {
      const [method = '', path = ''] = operation.split(' ');
      const responses = document.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      for (const [status, response] of Object.entries(responses)) {
        const json = response.content?.['application/json'];
        if (status.startsWith('2') && json && path !== '/openapi.json') {
          expect(Object.keys(json.examples ?? {}), `${operation} ${status}`).not.toEqual([]);
        }
      }
    }
    for (const example of found) {
      expect(example.schema, `${example.where} has no schema beside it`).toBeDefined();
      const problems = contract.errors(example.schema as object, example.value);
      expect(problems, example.where).toEqual([]);
    }
  });

  it('the example check catches an example that breaks its schema', () => {
    const contract = new OpenApiContract(document);
    const batch = document.paths['/v1/batches/{id}']?.get?.responses['200']?.content?.[
      'application/json'
    ] as { schema: object; examples: Record<string, { value: Record<string, unknown> }> };
    const good = batch.examples.batch?.value;
    expect(contract.errors(batch.schema, good)).toEqual([]);
    expect(contract.errors(batch.schema, { ...good, status: 'sleeping' })).not.toEqual([]);
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
