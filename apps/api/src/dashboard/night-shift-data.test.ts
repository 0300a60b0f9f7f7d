import { describe, expect, it } from 'vitest';
import { peakHours } from './night-shift-data.ts';

const at = (iso: string) => Date.parse(iso);

describe('peakHours', () => {
  it('reads peak hours as those outside the cold windows, in local time', () => {
    const isPeak = peakHours('22:00-06:00', 'Europe/Berlin');
    // 21:00 UTC is 22:00 in Berlin in winter: off peak; 20:00 UTC (21:00 there) is peak.
    expect(isPeak(at('2026-12-07T21:00:00Z'))).toBe(false);
    expect(isPeak(at('2026-12-07T20:00:00Z'))).toBe(true);
    expect(isPeak(at('2026-12-08T04:00:00Z'))).toBe(false);
    expect(isPeak(at('2026-12-08T05:00:00Z'))).toBe(true);
  });

  it('takes the working day (08:00–20:00) where the windows name no hours', () => {
    for (const spec of ['always', 'never', 'not a window']) {
      const isPeak = peakHours(spec, 'UTC');
      expect(isPeak(at('2026-12-07T07:00:00Z'))).toBe(false);
      expect(isPeak(at('2026-12-07T08:00:00Z'))).toBe(true);
      expect(isPeak(at('2026-12-07T19:00:00Z'))).toBe(true);
      expect(isPeak(at('2026-12-07T20:00:00Z'))).toBe(false);
    }
  });
});
