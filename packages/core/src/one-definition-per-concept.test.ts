import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { productionSources, repositoryRoot } from '@nightshift/testkit/production-sources';
import { describe, expect, it } from 'vitest';

const root = repositoryRoot;

/**
 * Files that declare `name` at top level as an interface, a type alias or a value (a schema, a
 * function). A local inside a function (`const WorkerStatus = spec.register(…)`) is a use.
 */
function definitionsOf(name: string, sources: readonly string[]): string[] {
  const declaration = new RegExp(
    // What follows the name tells a declaration from an import list's `type Name,`.
    `^(?:export\\s+)?(?:interface|type|const|let|function|class)\\s+${name}\\s*(?:[=<{(:]|extends\\b)`,
    'm',
  );
  return sources.filter((file) => declaration.test(readFileSync(join(root, file), 'utf8')));
}

/**
 * Each concept is written down once; every other place imports it or derives from it, so two
 * copies cannot drift apart (a field added to one and not the other).
 */
const singleDefinitions: { name: string; home: string }[] = [
  // The API's `summary` object is also what the summarizers take.
  { name: 'SummaryOptions', home: 'packages/core/src/batch-schemas.ts' },
  // One GPU reading: the probes make it, the fleet status, the API document and the gauges reuse it.
  { name: 'GpuMemory', home: 'packages/gpu/src/vram-reading.ts' },
  { name: 'gpuMemorySchema', home: 'packages/gpu/src/vram-reading.ts' },
  { name: 'WorkerStatus', home: 'packages/fleet/src/worker-status.ts' },
  { name: 'workerStatusSchema', home: 'packages/fleet/src/worker-status.ts' },
  // Local time in an IANA zone is a package of its own; core keeps contracts and configuration.
  ...['LocalDateTime', 'localDateTime', 'offsetMs', 'instantOfLocalTime', 'addDays'].map(
    (name) => ({
      name,
      home: 'packages/zoned-time/src/zoned-time.ts',
    }),
  ),
];

/** Names of second copies that were folded into the definitions above; they must not return. */
const retiredCopies = ['GpuStatus'];

describe('one definition per concept', () => {
  const sources = productionSources(/\.ts$/);

  it('finds the production sources it checks', () => {
    expect(sources).toContain('packages/llm/src/types.ts');
    expect(sources).toContain('packages/fleet/src/worker-status.ts');
    expect(sources.length).toBeGreaterThan(50);
  });

  for (const { name, home } of singleDefinitions) {
    it(`defines ${name} only in ${home}`, () => {
      expect(definitionsOf(name, sources)).toEqual([home]);
    });
  }

  it.each(retiredCopies)('defines no %s any more', (name) => {
    expect(definitionsOf(name, sources)).toEqual([]);
  });
});
