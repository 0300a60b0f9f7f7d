import { keyPrefix } from '@nightshift/core';
import { createNoneProbe, parseColdWindows } from '@nightshift/gpu';
import { ColdLaneController } from '@nightshift/lanes';
import { createRedis } from '@nightshift/redis';
import { type RedisHarness, startRedis } from '@nightshift/testkit/redis-harness';
import { until } from '@nightshift/testkit/until';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourMs } from './hourly-values.ts';
import { PlannedWindows } from './planned-windows.ts';
import { planColdHours } from './planner.ts';
import { PriceStore, priceKeys, type StoredPlan } from './price-store.ts';

let harness: RedisHarness;
let client: Redis;
beforeAll(async () => {
  harness = await startRedis();
  client = createRedis(harness.url, 'worker');
});
afterAll(async () => {
  client.disconnect();
  await harness.stop();
});

const day0 = Date.parse('2026-12-07T00:00:00Z');
/** Cheap at 03:00 and 13:00, dear otherwise. */
const prices = Array.from({ length: 24 }, (_, h) => ({
  start: day0 + h * hourMs,
  value: h === 3 ? 40 : h === 13 ? 35 : 120,
}));

async function storePlan(limitsSpec: string, now: number): Promise<StoredPlan> {
  const plan = planColdHours({
    now,
    prices,
    allowed: () => 1,
    batches: [{ id: 'batch_p', model: 'm', remaining: 3600, deadline: day0 + 24 * hourMs }],
    throughput: () => 1,
  });
  const stored: StoredPlan = {
    computedAt: now,
    unit: 'EUR/MWh',
    source: 'file:/test',
    limits: limitsSpec,
    timeZone: 'UTC',
    throughput: { documentsPerS: 1, measured: true },
    threshold: plan.threshold,
    hours: plan.hours,
    atRisk: plan.atRisk,
  };
  await new PriceStore({ redis: client }).savePlan(stored, 60_000);
  return stored;
}

describe('a cold lane under a price plan (injected clock)', () => {
  it('opens in a planned hour, stays shut in a skipped one, and keeps to the limits', async () => {
    await storePlan('22:00-06:00', day0);
    let now = new Date('2026-12-07T02:30:00Z');
    const processed: string[] = [];
    const cold = new Queue('plan-cold', { connection: client, prefix: keyPrefix });
    const hot = new Queue('plan-hot', { connection: client, prefix: keyPrefix });
    let tracked: (job: Job, token?: string) => Promise<void> = async () => {};
    const worker = new Worker('plan-cold', (job, token) => tracked(job, token), {
      connection: client,
      prefix: keyPrefix,
      autorun: false,
    });
    // The limits are the night only: the plan's cheap 13:00 must stay closed.
    const limits = parseColdWindows('22:00-06:00');
    const planned = new PlannedWindows({
      store: new PriceStore({ redis: client }),
      limits,
      timeZone: 'UTC',
      refreshMs: 60_000,
    });
    await planned.start();
    const lane = new ColdLaneController({
      coldWorker: worker,
      hotQueue: hot,
      windows: limits,
      timeZone: 'UTC',
      plannedWindow: (at) => planned.state(at),
      probe: createNoneProbe(),
      reserveMiB: 0,
      memoryPerSlotMiB: 1536,
      maxSlots: 1,
      graceMs: 0,
      pollMs: 60_000,
      now: () => now,
    });
    tracked = lane.track(async (job) => {
      processed.push(job.name);
    });
    await lane.start();
    // 02:30 lies inside the fixed window, but the plan skips 02:00 for the cheaper 03:00.
    await cold.add('queued-at-0230', {});
    await new Promise((r) => setTimeout(r, 300));
    expect(processed).toEqual([]);
    expect(lane.snapshot()).toMatchObject({ paused: true, admission: { reason: 'window_closed' } });
    expect(lane.snapshot().window.nextTransition?.toISOString()).toBe('2026-12-07T03:00:00.000Z');

    now = new Date('2026-12-07T03:00:00Z');
    await lane.evaluate();
    await until(() => processed.includes('queued-at-0230'), 5_000, 'cold job in the planned hour');
    expect(lane.snapshot().window).toMatchObject({ open: true });

    // 13:00 is planned open too (the cheapest hour), but the limits forbid daytime.
    expect(planned.plan()?.hours[13]?.open).toBe(true);
    now = new Date('2026-12-07T13:10:00Z');
    await lane.evaluate();
    expect(lane.snapshot().paused).toBe(true);
    await cold.add('queued-at-1310', {});
    await new Promise((r) => setTimeout(r, 300));
    expect(processed).toEqual(['queued-at-0230']);

    // With no plan left in Redis the fixed windows decide again: 22:00 opens.
    await client.del(priceKeys.plan);
    await planned.refresh();
    now = new Date('2026-12-07T22:00:00Z');
    await lane.evaluate();
    await until(() => processed.includes('queued-at-1310'), 5_000, 'fixed window without a plan');

    planned.stop();
    await lane.stop();
    await worker.close();
    await Promise.all([cold.close(), hot.close()]);
  });
});
