import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from './heap-growth.ts';

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
