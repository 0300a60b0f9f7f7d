import { describe, expect, it } from 'vitest';
import type { HourUsageRow, ServerHourRow } from './accounting-store.ts';
import { nightShiftReport } from './night-shift-report.ts';

const H = 3_600_000;
// Monday 2026-12-07 00:00 UTC; the report is read at 23:00 on Sunday the 13th.
const monday = Date.parse('2026-12-07T00:00:00Z');
const now = monday + 6 * 24 * H + 23 * H;
const isPeak = (hour: number) => {
  const h = new Date(hour).getUTCHours();
  return h >= 8 && h < 20;
};

function row(hourOffset: number, over: Partial<HourUsageRow>): HourUsageRow {
  return {
    hour: monday + hourOffset * H,
    tenant: 'acme',
    lane: 'cold',
    model: 'qwen3:32b',
    server: 'vllm-a',
    gpuSeconds: 0,
    energyWh: null,
    calls: 1,
    ...over,
  };
}

describe('nightShiftReport', () => {
  it('splits peak-hour busy share by lane and counts the batch work that ran off peak', () => {
    const calls = [
      // Peak (10:00 on Monday): chat 1,800 s, batch 360 s.
      row(10, { lane: 'hot', gpuSeconds: 1800, energyWh: 200 }),
      row(10, { lane: 'cold', gpuSeconds: 360, energyWh: 40 }),
      // Off peak (02:00 Tuesday): batch 3,600 s.
      row(26, { lane: 'cold', gpuSeconds: 3600, energyWh: 400, tenant: 'globex' }),
    ];
    const report = nightShiftReport({
      now,
      calls,
      servers: [],
      documents: [],
      isPeak,
      serverCount: 1,
    });
    // 7 days × 12 peak hours of one server.
    expect(report.peak.hours).toBe(84);
    const capacity = 84 * 3600;
    expect(report.peak.busyShare.hot).toBeCloseTo(1800 / capacity, 4);
    expect(report.peak.busyShare.cold).toBeCloseTo(360 / capacity, 4);
    expect(report.peak.busyShare.total).toBeCloseTo(2160 / capacity, 4);
    expect(report.peak.movedOut.coldGpuHours).toBe(1);
    expect(report.peak.movedOut.peakBusyShareIfInPeak).toBeCloseTo(5760 / capacity, 4);
  });

  it('prices each hour’s energy, per tenant over 24 h and 7 days; no prices, no cost', () => {
    const calls = [
      row(2, { gpuSeconds: 3600, energyWh: 1000 }), // Monday 02:00: 1 kWh at 50 EUR/MWh
      row(6 * 24 + 20, { gpuSeconds: 1800, energyWh: 500 }), // Sunday 20:00: 0.5 kWh at 200
      row(6 * 24 + 21, { tenant: 'initech', gpuSeconds: 10, energyWh: null, server: 'ollama-b' }),
    ];
    const priceAt = (hour: number) => ({
      value: new Date(hour).getUTCDay() === 0 ? 200 : 50,
      unit: 'EUR/MWh',
    });
    const report = nightShiftReport({
      now,
      calls,
      servers: [],
      documents: [],
      isPeak,
      priceAt,
      serverCount: 2,
    });
    expect(report.costUnit).toBe('EUR');
    expect(report.tenants).toEqual([
      {
        tenant: 'acme',
        last24h: { gpuHours: 0.5, energyKWh: 0.5, cost: 0.1 },
        last7d: { gpuHours: 1.5, energyKWh: 1.5, cost: 0.15 },
      },
      {
        tenant: 'initech',
        last24h: { gpuHours: 0.002778, energyKWh: null, cost: null },
        last7d: { gpuHours: 0.002778, energyKWh: null, cost: null },
      },
    ]);
    const unpriced = nightShiftReport({
      now,
      calls,
      servers: [],
      documents: [],
      isPeak,
      serverCount: 2,
    });
    expect(unpriced.costUnit).toBeNull();
    expect(unpriced.tenants[0]?.last7d.cost).toBeNull();
  });

  it('gives Wh per 1,000 cold documents per model, and idle energy apart', () => {
    const servers: ServerHourRow[] = [
      {
        hour: monday + 3 * H,
        server: 'vllm-a',
        busySeconds: 100,
        idleEnergyWh: 250,
        energyWh: 900,
      },
      { hour: now - H, server: 'vllm-a', busySeconds: 0, idleEnergyWh: 90, energyWh: 90 },
    ];
    const report = nightShiftReport({
      now,
      calls: [
        row(3, { gpuSeconds: 100, energyWh: 650 }),
        row(3, { lane: 'hot', gpuSeconds: 5, energyWh: 9, model: 'qwen2:7b' }),
      ],
      servers,
      documents: [
        { hour: monday + 3 * H, model: 'qwen3:32b', documents: 130 },
        { hour: monday + 3 * H, model: 'qwen2:7b', documents: 4 },
      ],
      isPeak,
      serverCount: 1,
    });
    expect(report.models).toEqual([
      { model: 'qwen2:7b', documents: 4, coldEnergyWh: null, whPer1000Documents: null },
      { model: 'qwen3:32b', documents: 130, coldEnergyWh: 650, whPer1000Documents: 5000 },
    ]);
    expect(report.idleEnergyKWh).toEqual({ last24h: 0.09, last7d: 0.34 });
  });
});
