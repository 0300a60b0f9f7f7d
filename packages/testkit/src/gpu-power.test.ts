import { describe, expect, it } from 'vitest';
import { dcgmMetricsText, GpuPowerMeter } from './gpu-power.ts';

describe('GpuPowerMeter', () => {
  it('integrates idle watts plus watts per running sequence, capped, and counts busy time', () => {
    let now = 0;
    let running = 0;
    const meter = new GpuPowerMeter(
      () => running,
      { idleWatts: 100, wattsPerSequence: 10, maxWatts: 125 },
      () => now,
    );
    now = 1000; // 1 s idle: 100 J
    running = 2;
    meter.update();
    now = 3000; // 2 s at 120 W: 240 J
    running = 5;
    meter.update();
    now = 4000; // 1 s at 150 W, capped at 125 W: 125 J
    running = 0;
    meter.update();
    now = 4500; // 0.5 s idle: 50 J
    const reading = meter.read();
    expect(reading.energyMj).toBeCloseTo(515_000, 6);
    expect(reading.busySeconds).toBeCloseTo(3, 6);
    expect(reading.watts).toBe(100);
    const text = dcgmMetricsText(reading, 'GPU-x');
    expect(text).toContain('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-x"');
    expect(text).toMatch(/DCGM_FI_DEV_POWER_USAGE\{[^}]*\} 100\.000/);
  });
});
