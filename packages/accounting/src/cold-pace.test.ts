import { describe, expect, it } from 'vitest';
import type { HourUsageRow } from './accounting-store.ts';
import { coldPaceByModel } from './cold-pace.ts';

const hour = Date.UTC(2026, 11, 7, 2);
const row = (over: Partial<HourUsageRow>): HourUsageRow => ({
  hour,
  tenant: 'acme',
  lane: 'cold',
  model: 'qwen3:32b',
  server: 'gpu-a',
  gpuSeconds: 0,
  energyWh: null,
  calls: 0,
  ...over,
});

describe('coldPaceByModel', () => {
  it("sums each server's documents per second of its busy time charged to the model", () => {
    const paces = coldPaceByModel({
      calls: [
        // gpu-a: 600 calls in 300 s of its time; gpu-b: 200 calls in 200 s (a slower card).
        row({ server: 'gpu-a', gpuSeconds: 200, calls: 400 }),
        row({
          server: 'gpu-a',
          gpuSeconds: 100,
          calls: 200,
          tenant: 'beta',
          hour: hour + 3_600_000,
        }),
        row({ server: 'gpu-b', gpuSeconds: 200, calls: 200 }),
        // Chat on the same model and server is not the cold lane's pace.
        row({ lane: 'hot', server: 'gpu-a', gpuSeconds: 50, calls: 10 }),
      ],
      // Two calls a document (map-reduce): 400 documents over 800 calls.
      documents: [
        { hour, model: 'qwen3:32b', documents: 300 },
        { hour: hour + 3_600_000, model: 'qwen3:32b', documents: 100 },
      ],
    });
    const pace = paces.get('qwen3:32b');
    // gpu-a: 300 documents in 300 s = 1/s; gpu-b: 100 documents in 200 s = 0.5/s.
    expect(pace?.servers).toEqual([
      { server: 'gpu-a', documentsPerS: 1 },
      { server: 'gpu-b', documentsPerS: 0.5 },
    ]);
    expect(pace?.documentsPerS).toBe(1.5);
    expect(pace?.documents).toBe(400);
  });

  it('gives no pace to a model with too few documents, or no cold GPU time', () => {
    const paces = coldPaceByModel({
      calls: [
        row({ model: 'few', gpuSeconds: 10, calls: 5 }),
        row({ model: 'hot-only', lane: 'hot', gpuSeconds: 10, calls: 50 }),
      ],
      documents: [
        { hour, model: 'few', documents: 5 },
        { hour, model: 'hot-only', documents: 50 },
      ],
    });
    expect(paces.size).toBe(0);
  });
});
