import { hostname } from 'node:os';
import { ActivitySeries } from '@nightshift/metrics';
import { createRedis } from '@nightshift/redis';
import { createFakeNvidiaSmi, type FakeNvidiaSmi } from '@nightshift/testkit/fake-nvidia-smi';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { sampleTexts } from '@nightshift/testkit/sample-documents';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until, workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let client: Redis;
let smi: FakeNvidiaSmi;

beforeAll(async () => {
  redis = await startRedis();
  client = createRedis(redis.url, 'client');
  smi = createFakeNvidiaSmi({ state: 'used-0.50' });
});
afterAll(async () => {
  smi.remove();
  client.disconnect();
  await redis.stop();
});

describe("a worker's activity series", () => {
  it('records its GPU memory as it publishes and its cold documents as they finish', async () => {
    const harness = await workerUnderTest(redis, {
      NIGHTSHIFT_GPU_PROBE: 'nvidia-smi',
      NIGHTSHIFT_NVIDIA_SMI: smi.binary,
      NIGHTSHIFT_METRICS_FLUSH_MS: '100',
    });
    try {
      const batch = await harness.submit([
        sampleTexts.meetingNotes,
        sampleTexts.productDescription,
      ]);
      await until(
        async () => (await harness.batch(batch.id)).counts.succeeded === 2,
        10_000,
        'batch done',
      );
      const series = new ActivitySeries({ redis: client });
      const sum = (values: number[] = []) => values.reduce((a, b) => a + b, 0);
      await until(
        async () => {
          const cold = (await series.read()).lanes.find((l) => l.lane === 'cold');
          return Math.round(sum(cold?.documentsPerS) * 60) === 2;
        },
        5_000,
        'cold documents in the series',
      );
      const day = await series.read();
      // The H200 capture at 50 % ((total − free) / total): every sample reads the same.
      const gpu = day.gpus.find((g) => g.gpu === `${hostname()}/0`);
      expect(gpu?.totalMiB).toBe(143771);
      const readings = gpu?.usedPct.filter((v): v is number => v !== null) ?? [];
      expect(readings.length).toBeGreaterThan(0);
      for (const pct of readings) expect(pct).toBeCloseTo(50.28, 1);
    } finally {
      await harness.close();
    }
  });
});
