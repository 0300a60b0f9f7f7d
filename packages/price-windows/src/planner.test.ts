import { parseColdWindows } from '@nightshift/gpu';
import { describe, expect, it } from 'vitest';
import { hourMs } from './hourly-values.ts';
import { planColdHours, type QueuedBatch } from './planner.ts';
import { allowedShare } from './price-planning.ts';

const day0 = Date.parse('2026-12-07T00:00:00Z');
const hourAt = (h: number) => day0 + h * hourMs;
/** A day with an evening peak and a midday dip: cheapest at 13:00, then 03:00. */
const dayPrices = [
  90, 85, 82, 80, 81, 88, 110, 130, 140, 120, 100, 70, 50, 40, 55, 90, 140, 170, 180, 160, 140, 120,
  110, 100,
];
const prices = [...dayPrices, ...dayPrices].map((value, h) => ({ start: hourAt(h), value }));
const batch = (over: Partial<QueuedBatch>): QueuedBatch => ({
  id: 'batch_a',
  model: 'm',
  remaining: 3600,
  deadline: hourAt(24),
  ...over,
});
const open = (plan: ReturnType<typeof planColdHours>) =>
  plan.hours.filter((h) => h.open).map((h) => (h.start - day0) / hourMs);

describe('planColdHours', () => {
  it('opens nothing when no work waits, so nothing is spent', () => {
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: () => 1,
      batches: [],
      throughput: () => 1,
    });
    expect(open(plan)).toEqual([]);
    expect(plan.threshold).toBeNull();
    expect(plan.hours.every((h) => h.reason === 'skipped')).toBe(true);
  });

  it('picks the cheapest hours before the deadline and says which batch needs them', () => {
    // 3600 documents at 1/s with a 1.25 margin: 1.25 h of work, two hours.
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: () => 1,
      batches: [batch({})],
      throughput: () => 1,
    });
    expect(open(plan)).toEqual([12, 13]);
    expect(plan.hours[13]).toMatchObject({ reason: 'cheapest', open: true });
    expect(plan.hours[17]).toMatchObject({ reason: 'skipped', open: false });
    expect(plan.threshold).toBe(50);
    expect(plan.atRisk).toEqual([]);
  });

  it('closes again the cheap hours that an early deadline made redundant', () => {
    // The midday dip alone would hold the work, but half of it is due at 06:00: the night's
    // hours are needed for it, and then one midday hour is enough for the rest.
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: () => 1,
      batches: [
        batch({ id: 'batch_late', remaining: 3600, deadline: hourAt(24) }),
        batch({ id: 'batch_early', remaining: 3600, deadline: hourAt(6) }),
      ],
      throughput: () => 1,
    });
    expect(open(plan)).toEqual([3, 4, 13]);
    expect(plan.hours[12]?.reason).toBe('skipped');
  });

  it('meets an early deadline with dearer hours before it, earliest deadline first', () => {
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: () => 1,
      batches: [
        batch({ id: 'batch_late', remaining: 3600, deadline: hourAt(24) }),
        batch({ id: 'batch_early', remaining: 3600, deadline: hourAt(6) }),
      ],
      throughput: () => 1,
    });
    const reasons = plan.hours.filter((h) => h.reason === 'needed');
    expect(reasons.filter((h) => h.batchId === 'batch_early').map((h) => h.start)).toEqual([
      hourAt(3),
      hourAt(4),
    ]);
    // The early batch's hours hold part of the late one's work too; the rest takes the dip.
    expect(plan.hours[13]).toMatchObject({ open: true, reason: 'cheapest' });
    // Every cumulative deadline holds in the open hours before it.
    for (const d of [hourAt(6), hourAt(24)]) {
      const held = plan.hours.filter((h) => h.open && h.start < d).length * 3600;
      const due = (d === hourAt(6) ? 3600 : 7200) * 1.25;
      expect(held).toBeGreaterThanOrEqual(due);
    }
  });

  it('respects the fixed windows as limits: 20:00-08:00 never opens a daytime hour', () => {
    const limits = parseColdWindows('20:00-08:00');
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: (start) => allowedShare(limits, start, 'UTC'),
      batches: [batch({ remaining: 3600 })],
      throughput: () => 1,
    });
    expect(open(plan)).toEqual([3, 4]);
    for (const h of plan.hours) {
      const hour = new Date(h.start).getUTCHours();
      if (hour >= 8 && hour < 20) expect(h).toMatchObject({ open: false, reason: 'limit' });
    }
  });

  it('lists a batch at risk when the allowed hours before its deadline are too few', () => {
    const limits = parseColdWindows('02:00-04:00');
    const plan = planColdHours({
      now: day0,
      prices,
      allowed: (start) => allowedShare(limits, start, 'UTC'),
      batches: [
        batch({ id: 'batch_big', remaining: 10_000, deadline: hourAt(10) }),
        batch({ id: 'batch_next', remaining: 1000, deadline: hourAt(30) }),
      ],
      throughput: () => 1,
    });
    expect(plan.atRisk).toHaveLength(1);
    const risk = plan.atRisk[0];
    expect(risk).toMatchObject({ batchId: 'batch_big', remaining: 10_000 });
    // Two allowed hours hold 7200 documents at 1/s (the margin aside).
    expect(risk?.shortDocuments).toBe(10_000 - 7200);
    // The next batch is judged on the hours left, and fits in tomorrow night's cheaper hour.
    expect(open(plan)).toEqual([2, 3, 27]);
  });

  it('counts only what is left of the current hour', () => {
    const plan = planColdHours({
      now: hourAt(13) + 45 * 60_000,
      prices,
      allowed: () => 1,
      batches: [batch({ remaining: 900 })],
      throughput: () => 1,
    });
    expect(plan.hours[0]?.usable).toBeCloseTo(0.25, 6);
    // 900 docs × 1.25 = 1125 s > the 900 s left of 13:00: the next cheapest before the
    // deadline is 14:00.
    expect(open(plan).slice(0, 2)).toEqual([13, 14]);
  });

  it('prices hours without a known value as the dearest', () => {
    const plan = planColdHours({
      now: day0,
      prices: prices.slice(0, 6),
      allowed: () => 1,
      batches: [batch({ remaining: 3600 * 7, deadline: hourAt(12) })],
      throughput: () => 1,
    });
    // 8.75 h needed: the 6 priced hours, then unknown ones in time order.
    expect(open(plan)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(plan.hours[7]?.price).toBeNull();
  });
});
