import { keyPrefix } from '@nightshift/core';
import { gpuMemorySchema } from '@nightshift/gpu';
import { createRedis } from '@nightshift/redis';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { describe, expect, it } from 'vitest';
import { ActivitySeries } from './activity-series.ts';
import { latencyBin, latencyBinBoundsMs, p95FromBins } from './latency-histogram.ts';
import { WorkMeter } from './work-meter.ts';

const db = useRedis((url) => createRedis(url, 'client'));

const minute = 60_000;
/** A fixed "now" mid-minute, so points are easy to name. */
const now = new Date('2026-12-05T12:30:30Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const h200 = (usedPct: number) =>
  gpuMemorySchema.parse({
    index: 0,
    name: 'NVIDIA H200',
    totalMiB: 143771,
    usedMiB: Math.round((143771 * usedPct) / 100),
    freeMiB: Math.round((143771 * (100 - usedPct)) / 100),
    usedPct,
  });

async function clearSeries() {
  const keys = await db.redis.keys(`${keyPrefix}:series:*`);
  if (keys.length) await db.redis.del(...keys);
}

describe('ActivitySeries', () => {
  it('counts documents and tokens per lane per minute over the last 24 hours', async () => {
    await clearSeries();
    const series = new ActivitySeries({ redis: db.redis });
    const doc = { outcome: 'succeeded' as const, durationMs: 900 };
    await series.documentFinished({
      ...doc,
      lane: 'cold',
      promptTokens: 600,
      completionTokens: 60,
      at: ago(10 * minute),
    });
    await series.documentFinished({
      ...doc,
      lane: 'cold',
      outcome: 'failed',
      promptTokens: 300,
      completionTokens: 0,
      at: ago(10 * minute),
    });
    await series.documentFinished({
      ...doc,
      lane: 'hot',
      promptTokens: 90,
      completionTokens: 30,
      at: ago(3 * 3_600_000),
    });
    // Older than the day: kept in Redis a while longer, but outside the plot.
    await series.documentFinished({
      ...doc,
      lane: 'cold',
      promptTokens: 1,
      completionTokens: 1,
      at: ago(24 * 3_600_000 + 5 * minute),
    });

    const day = await series.read({ now });
    expect(day.bucketMs).toBe(minute);
    expect(day.to.toISOString()).toBe('2026-12-05T12:31:00.000Z');
    expect(day.from.toISOString()).toBe('2026-12-04T12:31:00.000Z');
    const cold = day.lanes.find((l) => l.lane === 'cold');
    const hot = day.lanes.find((l) => l.lane === 'hot');
    expect(cold?.documentsPerS).toHaveLength(1440);
    // The last point is the current minute; ten minutes back is index 1429.
    expect(cold?.documentsPerS[1429]).toBeCloseTo(2 / 60);
    expect(cold?.tokensPerS[1429]).toBeCloseTo(960 / 60);
    expect(cold?.documentsPerS.reduce((a, b) => a + b, 0)).toBeCloseTo(2 / 60);
    expect(hot?.documentsPerS[1439 - 180]).toBeCloseTo(1 / 60);
    expect(hot?.tokensPerS[1439 - 180]).toBeCloseTo(2);

    // Every hourly hash expires on its own, about a day and an hour after its last write.
    const keys = await db.redis.keys(`${keyPrefix}:series:lanes:*`);
    expect(keys.length).toBe(3);
    for (const key of keys) {
      const ttl = await db.redis.ttl(key);
      expect(ttl).toBeGreaterThan(24 * 3600);
      expect(ttl).toBeLessThanOrEqual(25 * 3600);
    }
  });

  it("reads a p95 of the hot lane's durations per minute, within a bin of the exact one", async () => {
    await clearSeries();
    const series = new ActivitySeries({ redis: db.redis });
    const durations = Array.from({ length: 100 }, (_, i) => 200 + i * 45);
    for (const durationMs of durations) {
      await series.documentFinished({
        lane: 'hot',
        outcome: 'succeeded',
        durationMs,
        promptTokens: 10,
        completionTokens: 5,
        at: ago(2 * minute),
      });
    }
    // A failed hot document and a cold one leave the latency alone.
    const slow = { promptTokens: 0, completionTokens: 0, durationMs: 250_000, at: ago(2 * minute) };
    await series.documentFinished({ ...slow, lane: 'hot', outcome: 'failed' });
    await series.documentFinished({ ...slow, lane: 'cold', outcome: 'succeeded' });

    const day = await series.read({ now });
    const exact = [...durations].sort((a, b) => a - b)[94] as number;
    const p95 = day.hotP95Ms[1437];
    expect(p95).not.toBeNull();
    expect(p95).toBeGreaterThanOrEqual(exact);
    expect(p95).toBeLessThanOrEqual(exact * 1.25);
    expect(day.hotP95Ms.filter((v) => v !== null)).toHaveLength(1);
  });

  it("keeps each GPU's mean memory use per minute, sampling a worker's readings", async () => {
    await clearSeries();
    const series = new ActivitySeries({ redis: db.redis, vramSampleMs: 10_000 });
    const other = new ActivitySeries({ redis: db.redis, vramSampleMs: 10_000 });
    const start = ago(5 * minute).getTime();
    // Readings every 2 s for one minute: only every fifth is kept (one per 10 s).
    for (let t = 0; t < minute; t += 2_000) {
      await series.vramReading('gpu-node-7', [h200(t < 40_000 ? 40 : 80)], new Date(start + t));
    }
    // A second worker on another host, one reading an hour ago.
    await other.vramReading('gpu-node-8', [h200(96)], ago(3_600_000));

    const day = await series.read({ now });
    expect(day.gpus.map((g) => g.gpu)).toEqual(['gpu-node-7/0', 'gpu-node-8/0']);
    const node7 = day.gpus[0];
    expect(node7?.totalMiB).toBe(143771);
    // From 12:25:30: the kept readings of 12:25 are 40, 40, 40; those of 12:26 are 40, 80, 80.
    expect(node7?.usedPct[1434]).toBeCloseTo(40);
    expect(node7?.usedPct[1435]).toBeCloseTo((40 + 80 + 80) / 3);
    expect(node7?.usedPct.filter((v) => v !== null)).toHaveLength(2);
    expect(day.gpus[1]?.usedPct[1439 - 60]).toBeCloseTo(96);
    const fields = await db.redis.hlen(`${keyPrefix}:series:vram:${Math.floor(start / 3_600_000)}`);
    expect(fields).toBe(2 * 3);
  });

  it("takes a WorkMeter's finished documents, with the rest of its figures", async () => {
    await clearSeries();
    const meter = new WorkMeter({ redis: db.redis, flushMs: 60_000 });
    await meter.documentFinished({
      lane: 'hot',
      tenant: 'acme',
      model: 'qwen3:32b',
      outcome: 'succeeded',
      durationMs: 1234,
      usage: { promptTokens: 100, completionTokens: 20 },
    });
    // Buffered until the flush: nothing in Redis yet.
    expect(await db.redis.keys(`${keyPrefix}:series:*`)).toEqual([]);
    await meter.close();
    const day = await meter.series.read();
    const hot = day.lanes.find((l) => l.lane === 'hot');
    // Summed over the day: the minute may have turned between the write and the read.
    const sum = (values: number[] = []) => values.reduce((a, b) => a + b, 0);
    expect(sum(hot?.documentsPerS)).toBeCloseTo(1 / 60);
    expect(sum(hot?.tokensPerS)).toBeCloseTo(2);
    expect(day.hotP95Ms.filter((v) => v !== null)).toEqual([latencyBinBoundsMs[latencyBin(1234)]]);
  });
});

describe('p95FromBins', () => {
  it('answers the bound of the bin holding the 95th sample, null without samples', () => {
    expect(p95FromBins(new Map())).toBeNull();
    const bins = new Map([
      [latencyBin(800), 19],
      [latencyBin(4000), 1],
    ]);
    expect(p95FromBins(bins)).toBe(latencyBinBoundsMs[latencyBin(800)]);
    bins.set(latencyBin(4000), 2);
    expect(p95FromBins(bins)).toBe(latencyBinBoundsMs[latencyBin(4000)]);
    // Past the last bound: the last bound.
    expect(p95FromBins(new Map([[latencyBin(10_000_000), 3]]))).toBe(latencyBinBoundsMs.at(-1));
  });
});
