import { z } from 'zod';

/** One hour's price or carbon intensity. */
export interface HourlyValue {
  /** Start of the hour, ms since the epoch (UTC, on a whole hour). */
  start: number;
  /** The hour's value in the series' unit (the mean of its sub-hour points). */
  value: number;
}

/** A series of hourly values from one source, oldest first, one entry per hour. */
export interface HourlyValues {
  /** `EUR/MWh`, `gCO2eq/kWh`, … as the source states it. */
  unit: string;
  values: HourlyValue[];
}

export const hourMs = 3_600_000;

/** The stored form of {@link HourlyValues} (Redis cache, plan input). */
export const hourlyValuesSchema = z.object({
  unit: z.string().min(1),
  values: z.array(z.object({ start: z.number().int(), value: z.number().finite() })),
});

/** A value at an instant, before it is folded into hours. */
export interface TimedValue {
  /** ms since the epoch. */
  at: number;
  value: number;
  /** How long the value holds, ms (an hour, a quarter-hour). */
  durationMs: number;
}

/**
 * Folds points of any resolution (an hour, a quarter, five minutes) into hours: each hour's value
 * is the time-weighted mean of the points inside it; an hour no point covers is absent. A later
 * point for the same instant replaces an earlier one (a corrected publication).
 *
 * @example
 * toHourly('EUR/MWh', [{ at: 0, value: 40, durationMs: 900_000 }, { at: 900_000, value: 60, durationMs: 900_000 }]);
 * // { unit: 'EUR/MWh', values: [{ start: 0, value: 50 }] }
 */
export function toHourly(unit: string, points: readonly TimedValue[]): HourlyValues {
  const latest = new Map<number, TimedValue>();
  for (const point of points) latest.set(point.at, point);
  const hours = new Map<number, { weighted: number; covered: number }>();
  for (const { at, value, durationMs } of latest.values()) {
    // A point may span several hours (a daily value): each hour it covers gets its share.
    let from = at;
    const to = at + durationMs;
    while (from < to) {
      const hour = Math.floor(from / hourMs) * hourMs;
      const end = Math.min(to, hour + hourMs);
      const entry = hours.get(hour) ?? { weighted: 0, covered: 0 };
      entry.weighted += value * (end - from);
      entry.covered += end - from;
      hours.set(hour, entry);
      from = end;
    }
  }
  const values = [...hours.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, { weighted, covered }]) => ({ start, value: weighted / covered }));
  return { unit, values };
}

/**
 * Merges a fresh series into the kept one: fresh hours replace kept ones, kept hours the fresh
 * series lacks stay (a day-ahead source publishes tomorrow only; today's hours came yesterday),
 * and hours older than `keepFrom` go.
 */
export function mergeHourly(kept: HourlyValues | null, fresh: HourlyValues, keepFrom: number) {
  const byHour = new Map<number, number>();
  if (kept && kept.unit === fresh.unit) {
    for (const { start, value } of kept.values) byHour.set(start, value);
  }
  for (const { start, value } of fresh.values) byHour.set(start, value);
  const values = [...byHour.entries()]
    .filter(([start]) => start >= keepFrom)
    .sort(([a], [b]) => a - b)
    .map(([start, value]) => ({ start, value }));
  return { unit: fresh.unit, values };
}
