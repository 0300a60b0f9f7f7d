import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyPrefix } from '@nightshift/core';
import { PriceStore } from '@nightshift/price-windows';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerUnderTest } from '../test-support/worker-under-test.ts';

let redis: RedisHarness;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'price-source-'));
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const hourMs = 3_600_000;

describe('a worker with NIGHTSHIFT_PRICE_SOURCE', () => {
  it('plans from the source and keeps its cold lane shut in an hour the plan skips', async () => {
    // Dear now, cheap in five hours: a small batch due in a day waits for the cheap hour.
    const first = Math.floor(Date.now() / hourMs) * hourMs;
    const path = join(dir, 'prices.json');
    await writeFile(
      path,
      JSON.stringify({
        unit: 'EUR/MWh',
        values: Array.from({ length: 48 }, (_, h) => ({
          start: new Date(first + h * hourMs).toISOString(),
          value: h === 5 ? 20 : 150,
        })),
      }),
    );
    const harness = await workerUnderTest(redis, {
      NIGHTSHIFT_PRICE_SOURCE: `file:${path}`,
      NIGHTSHIFT_COLD_WINDOWS: 'always',
    });
    try {
      const store = new PriceStore({ redis: harness.client });
      const plan = await until(() => store.plan(), 10_000, 'the first plan');
      expect(plan).toMatchObject({ unit: 'EUR/MWh', source: `file:${path}`, limits: 'always' });
      expect(plan?.hours[0]).toMatchObject({ start: first, open: false });

      const batch = await harness.submit(['Price-aware windows wait for the cheap hour.']);
      // Nothing to poll for: the lane must stay shut, so give it the time it would need to run.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await harness.batch(batch.id)).counts).toMatchObject({ queued: 1, succeeded: 0 });
      expect(harness.worker.lane.snapshot()).toMatchObject({
        window: { open: false },
        paused: true,
      });
      // The planner reports its at-risk count (none: the cheap hour comes in time).
      const gauge = await harness.client.hget(
        `${keyPrefix}:metrics:nightshift_price_plan_batches_at_risk`,
        '[]',
      );
      expect(gauge?.split('|')[0]).toBe('0');
    } finally {
      await harness.close();
    }
  });
});
