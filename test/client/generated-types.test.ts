import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  clientTypesFrom,
  generatedTypesFile,
  servedOpenApiDocument,
} from '../../scripts/client-codegen.ts';

describe('@nightshift/client generated types', () => {
  it('match the API’s served /openapi.json (else run npm run generate:client and commit)', async () => {
    const fresh = await clientTypesFrom(await servedOpenApiDocument());
    const committed = await readFile(generatedTypesFile, 'utf8');
    // One line of context instead of a 2,000-line diff when they differ.
    const firstDifference = fresh
      .split('\n')
      .findIndex((line, i) => line !== committed.split('\n')[i]);
    expect(
      firstDifference === -1
        ? 'current'
        : `stale from line ${firstDifference + 1}: ${fresh.split('\n')[firstDifference]}`,
    ).toBe('current');
    expect(committed).toBe(fresh);
    expect(committed).toContain('"/v1/batches/{id}"');
  });
});
