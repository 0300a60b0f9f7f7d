import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { apiUnderTest } from '../apps/api/test-support/api-under-test.ts';

/** Where the generated types of `@nightshift/client` live (committed; `npm run generate:client`). */
export const generatedTypesFile = fileURLToPath(
  new URL('../packages/client/src/generated/api-types.ts', import.meta.url),
);

const header = `// Generated from the API's /openapi.json by scripts/generate-client.ts: do not edit.
// Regenerate with \`npm run generate:client\`; test/client/generated-types.test.ts fails while stale.

`;

/**
 * The document the API serves at `GET /openapi.json`, from the real app (routes as mounted,
 * on a throwaway Redis), so the client is generated from exactly what clients fetch.
 */
export async function servedOpenApiDocument(): Promise<OpenAPI3> {
  const api = await apiUnderTest();
  try {
    const response = await api.app.request('/openapi.json');
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    return (await response.json()) as OpenAPI3;
  } finally {
    await api.close();
  }
}

/** Binary parts (`format: binary`, the files of a multipart batch) are Blobs (or Files) to send. */
const blob = ts.factory.createTypeReferenceNode('Blob');

/** The TypeScript types (`paths`, `components`, `operations`) of an OpenAPI document. */
export async function clientTypesFrom(document: OpenAPI3): Promise<string> {
  const ast = await openapiTS(document, {
    transform: (schema) => (schema.format === 'binary' ? blob : undefined),
  });
  return `${header}${astToString(ast)}`;
}
