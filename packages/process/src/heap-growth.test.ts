import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { growthPercentFor, heapGrowthFlag } from './heap-growth.ts';

describe('heapGrowthFlag', () => {
  it('caps the heap growth at the configured percentage', () => {
    expect(heapGrowthFlag(25, [], undefined)).toBe('--heap-growing-percent=25');
  });

  it('leaves V8 its own heuristic when the percentage is 0', () => {
    expect(heapGrowthFlag(0, [], undefined)).toBeNull();
  });

  it("lets the operator's own flag win, from the command line or NODE_OPTIONS", () => {
    expect(heapGrowthFlag(25, ['--heap-growing-percent=60'], undefined)).toBeNull();
    expect(heapGrowthFlag(25, [], '--max-old-space-size=512 --heap_growing_percent=60')).toBeNull();
    expect(heapGrowthFlag(25, ['--heap-prof'], '--max-old-space-size=512')).toBe(
      '--heap-growing-percent=25',
    );
  });
});

describe('growthPercentFor', () => {
  const mib = 2 ** 20;

  it('lets a small heap fill up to the floor', () => {
    expect(growthPercentFor(32 * mib, 25, 48)).toBe(50);
    expect(growthPercentFor(24 * mib, 25, 48)).toBe(100);
  });

  it('keeps the percent once the live data alone reaches the floor', () => {
    expect(growthPercentFor(48 * mib, 25, 48)).toBe(25);
    expect(growthPercentFor(512 * mib, 25, 48)).toBe(25);
  });

  it('never goes past 300%, and without a floor is the percent itself', () => {
    expect(growthPercentFor(1 * mib, 25, 48)).toBe(300);
    expect(growthPercentFor(0, 25, 48)).toBe(300);
    expect(growthPercentFor(8 * mib, 25, 0)).toBe(25);
  });
});

describe('limitHeapGrowth', () => {
  // A child process of its own: V8 flags and full collections are process-wide.
  const module = fileURLToPath(new URL('./heap-growth.ts', import.meta.url));
  const percentsAround = (script: string) => {
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { limitHeapGrowth } from ${JSON.stringify(module)};
         const limit = limitHeapGrowth(25, 64);
         const seen = [];
         const settle = () => new Promise((r) => setTimeout(r, 50));
         ${script}
         limit.stop();
         console.log(JSON.stringify(seen));`,
      ],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as number[];
  };

  it('follows the live data after each full collection: the floor while small, then the percent', () => {
    const [small, large, smallAgain] = percentsAround(`
      gc(); await settle(); seen.push(limit.percent());
      let kept = Array.from({ length: 160 }, () => new Array(65536).fill(1.5)); // ~80 MiB alive
      gc(); await settle(); seen.push(limit.percent());
      kept = null;
      gc(); await settle(); seen.push(limit.percent());
    `);
    expect(small).toBeGreaterThan(100); // a few MiB alive may grow to 64 MiB
    expect(large).toBe(25);
    expect(smallAgain).toBeGreaterThan(100);
  });
});
