// Regenerates packages/client/src/generated/api-types.ts from the API's served /openapi.json.
// Run: npm run generate:client (after changing any route's schema).
import { writeFile } from 'node:fs/promises';
import { clientTypesFrom, generatedTypesFile, servedOpenApiDocument } from './client-codegen.ts';

const types = await clientTypesFrom(await servedOpenApiDocument());
await writeFile(generatedTypesFile, types);
process.stdout.write(`wrote ${generatedTypesFile}\n`);
