import { createRedis } from '@nightshift/redis';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { daysBetween, UsageLedger } from './usage-ledger.ts';
import { usageReport } from './usage-schemas.ts';

const db = useRedis((url) => createRedis(url, 'client'));

describe('UsageLedger', () => {
  it('sums documents and tokens per tenant, day and model', async () => {
    const ledger = new UsageLedger({ redis: db.redis });
    const at = (day: string) => new Date(`${day}T12:00:00Z`);
    const entry = { tenant: 'acme', status: 'succeeded' as const };
    await ledger.record({
      ...entry,
      model: 'qwen3:32b',
      promptTokens: 100,
      completionTokens: 10,
      at: at('2025-03-01'),
    });
    await ledger.record({
      ...entry,
      model: 'qwen2:7b',
      promptTokens: 50,
      completionTokens: 5,
      at: at('2025-03-01'),
    });
    await ledger.record({
      ...entry,
      model: 'qwen3:32b',
      promptTokens: 7,
      completionTokens: 3,
      at: at('2025-03-03'),
    });
    await ledger.record({
      tenant: 'acme',
      status: 'failed',
      model: null,
      promptTokens: 0,
      completionTokens: 0,
      at: at('2025-04-02'),
    });
    await ledger.record({
      ...entry,
      model: 'qwen3:32b',
      promptTokens: 999,
      completionTokens: 999,
      at: at('2025-03-01'),
      tenant: 'globex',
    });

    // An interactive call through the gateway counts as a request, with its tokens.
    await ledger.record({
      kind: 'request',
      tenant: 'acme',
      status: 'succeeded',
      model: 'qwen2:7b',
      promptTokens: 20,
      completionTokens: 2,
      at: at('2025-03-01'),
    });

    const daily = await ledger.report({
      tenant: 'acme',
      from: '2025-03-01',
      to: '2025-03-03',
      granularity: 'day',
    });
    expect(usageReport.parse(daily)).toEqual(daily);
    expect(daily.data.map((p) => p.period)).toEqual(['2025-03-01', '2025-03-02', '2025-03-03']);
    expect(daily.data[0]).toEqual({
      period: '2025-03-01',
      documents: 2,
      failedDocuments: 0,
      requests: 1,
      failedRequests: 0,
      promptTokens: 170,
      completionTokens: 17,
      gpuSeconds: 0,
      energyWh: null,
      models: [
        {
          model: 'qwen2:7b',
          documents: 1,
          requests: 1,
          promptTokens: 70,
          completionTokens: 7,
          gpuSeconds: 0,
          energyWh: null,
        },
        {
          model: 'qwen3:32b',
          documents: 1,
          requests: 0,
          promptTokens: 100,
          completionTokens: 10,
          gpuSeconds: 0,
          energyWh: null,
        },
      ],
    });
    expect(daily.data[1]).toMatchObject({ documents: 0, models: [] });
    expect(daily.totals).toMatchObject({
      documents: 3,
      requests: 1,
      promptTokens: 177,
      completionTokens: 20,
    });

    const monthly = await ledger.report({
      tenant: 'acme',
      from: '2025-03-01',
      to: '2025-04-30',
      granularity: 'month',
    });
    expect(monthly.data.map((p) => [p.period, p.documents, p.failedDocuments])).toEqual([
      ['2025-03', 3, 0],
      ['2025-04', 1, 1],
    ]);
    // Keys expire: retention is set on every day written.
    expect(await db.redis.ttl('{nightshift}:usage:acme:2025-03-01')).toBeGreaterThan(0);
  });

  it('adds GPU seconds and energy per model; energy stays null where no server measured it', async () => {
    const ledger = new UsageLedger({ redis: db.redis });
    const at = new Date('2025-05-02T08:00:00Z');
    await ledger.charge({
      tenant: 'acme',
      model: 'qwen3:32b',
      gpuSeconds: 1.25,
      energyWh: 0.1,
      at,
    });
    await ledger.charge({ tenant: 'acme', model: 'qwen3:32b', gpuSeconds: 0.5, energyWh: 0.2, at });
    await ledger.charge({ tenant: 'acme', model: 'qwen2:7b', gpuSeconds: 2, energyWh: null, at });
    await ledger.charge({ tenant: 'globex', model: 'qwen2:7b', gpuSeconds: 9, energyWh: 9, at });
    const report = await ledger.report({
      tenant: 'acme',
      from: '2025-05-01',
      to: '2025-05-02',
      granularity: 'day',
    });
    expect(usageReport.parse(report)).toEqual(report);
    expect(report.data[0]).toMatchObject({ gpuSeconds: 0, energyWh: null });
    expect(report.data[1]).toMatchObject({ gpuSeconds: 3.75, energyWh: 0.3 });
    expect(report.totals.models).toEqual([
      expect.objectContaining({ model: 'qwen2:7b', gpuSeconds: 2, energyWh: null }),
      expect.objectContaining({ model: 'qwen3:32b', gpuSeconds: 1.75, energyWh: 0.3 }),
    ]);
  });

  describe('without a date, on the clock', () => {
    afterEach(() => vi.useRealTimers());

    it('counts a document on the UTC day it ends, also across midnight and back', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const ledger = new UsageLedger({ redis: db.redis });
      const entry = { tenant: 'clock', status: 'succeeded' as const, model: 'm' };
      const recordAt = async (iso: string, promptTokens: number) => {
        vi.setSystemTime(new Date(iso));
        await ledger.record({ ...entry, promptTokens, completionTokens: 0 });
      };
      await recordAt('2025-06-01T23:59:59.999Z', 1);
      await recordAt('2025-06-02T00:00:00.000Z', 10);
      await recordAt('2025-06-01T12:00:00.000Z', 100); // a clock set back
      await recordAt('2025-06-02T23:00:00.000Z', 1000);
      const report = await ledger.report({
        tenant: 'clock',
        from: '2025-06-01',
        to: '2025-06-02',
        granularity: 'day',
      });
      expect(report.data.map((p) => [p.period, p.promptTokens])).toEqual([
        ['2025-06-01', 101],
        ['2025-06-02', 1010],
      ]);
    });
  });

  it('refuses reversed and over-long ranges', () => {
    expect(() => daysBetween('2025-03-02', '2025-03-01')).toThrow(RangeError);
    expect(() => daysBetween('2024-01-01', '2025-12-31')).toThrow(/at most/);
    expect(daysBetween('2024-02-28', '2024-03-01')).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });
});
