/**
 * Price-aware windows (issue 28, item 3): the same week of batch work run under the fixed
 * 22:00–06:00 window (the baseline) and under the planner's windows (packages/price-windows
 * `planColdHours`, replanned every hour and at each arrival, with only the prices a day-ahead
 * market has published by then), once against hourly electricity prices and once against
 * carbon intensity. Reported: cost (or emissions) of the planned run ÷ the fixed one, goal
 * ≤ 0.8, with every batch finished inside its 24-hour completion window (a miss fails the goal).
 *
 * The lane is simulated minute by minute at a fixed pace: no GPU, no Redis. Energy per document
 * is a constant, so cost = Σ over hours of the hour's price × the energy used in it.
 *
 * Run: `npx tsx bench/price-windows.bench.ts`
 */
import { parseColdWindows } from '@nightshift/gpu';
import { allowedShare, planColdHours, type QueuedBatch } from '@nightshift/price-windows';
import type { SummaryRow } from './support/summary.ts';

const hourMs = 3_600_000;
const minuteMs = 60_000;
/** Monday 00:00 UTC: the week runs Monday to Sunday, and one more day drains it. */
const weekStart = Date.parse('2026-12-07T00:00:00Z');
const days = 7;
/** Documents per second the cold lane finishes (all servers): 7,200 an hour. */
const pace = 2;
/** Energy per document, Wh (a constant: cost follows the hours the work runs in). */
const whPerDocument = 0.5;
const completionWindowMs = 24 * hourMs;

/** A deterministic pseudo-random sequence (LCG), so every run simulates the same week. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Hourly day-ahead prices, EUR/MWh: a night trough, a morning shoulder, a sunny midday dip
 * (deeper at the weekend, below zero on Sunday) and an evening peak, with some noise.
 */
function priceWeek(): number[] {
  const noise = random(28);
  return Array.from({ length: (days + 2) * 24 }, (_, h) => {
    const hour = h % 24;
    const weekend = Math.floor(h / 24) % 7 >= 5;
    let value = 95;
    if (hour >= 1 && hour <= 5) value -= 18;
    if (hour >= 7 && hour <= 9) value += 35;
    if (hour >= 11 && hour <= 15)
      value -= (weekend ? 105 : 60) * Math.sin(((hour - 10) / 6) * Math.PI);
    if (hour >= 17 && hour <= 20) value += 85;
    return Math.round((value + (noise() - 0.5) * 16) * 100) / 100;
  });
}

/**
 * Hourly carbon intensity, gCO2eq/kWh: gas and coal at night and in the evening, solar at
 * midday (more of the mix at the weekend, when demand is lower), wind that comes and goes.
 */
function carbonWeek(): number[] {
  const noise = random(2028);
  let wind = 0;
  return Array.from({ length: (days + 2) * 24 }, (_, h) => {
    const hour = h % 24;
    const weekend = Math.floor(h / 24) % 7 >= 5;
    wind = 0.85 * wind + (noise() - 0.5) * 40;
    let value = 390 + wind;
    if (hour >= 9 && hour <= 16)
      value -= (weekend ? 230 : 170) * Math.sin(((hour - 8) / 9) * Math.PI);
    if (hour >= 17 && hour <= 21) value += 60;
    return Math.round(value);
  });
}

/** Batches arriving through the week: five a day at varied hours and sizes, 24 h windows. */
function arrivals(): { id: string; at: number; documents: number }[] {
  const draw = random(7);
  const out: { id: string; at: number; documents: number }[] = [];
  for (let day = 0; day < days; day++) {
    for (const hour of [1, 8, 11, 16, 21]) {
      const at = weekStart + (day * 24 + hour) * hourMs + Math.floor(draw() * 50) * minuteMs;
      out.push({ id: `batch_${day}_${hour}`, at, documents: 2_000 + Math.floor(draw() * 10_000) });
    }
  }
  return out;
}

/** How a lane decides, minute by minute, whether it may run. */
type Policy = (now: number, queued: readonly QueuedBatch[]) => boolean;

/** One run of the week: the cost and which batches ended after their window. */
interface RunOutcome {
  cost: number;
  energyKWh: number;
  misses: string[];
  lastFinish: number;
}

/** Runs the week's arrivals through a lane that opens when `policy` says, earliest deadline first. */
function simulate(
  values: readonly number[],
  policy: (values: readonly number[]) => Policy,
): RunOutcome {
  const decide = policy(values);
  const pending = arrivals();
  const queued: QueuedBatch[] = [];
  const misses: string[] = [];
  let cost = 0;
  let energyWh = 0;
  let lastFinish = weekStart;
  const end = weekStart + (days + 2) * 24 * hourMs;
  let credit = 0;
  for (let now = weekStart; now < end; now += minuteMs) {
    while (pending[0] && pending[0].at <= now) {
      const batch = pending.shift() as (typeof pending)[number];
      queued.push({
        id: batch.id,
        model: 'm',
        remaining: batch.documents,
        deadline: batch.at + completionWindowMs,
      });
    }
    if (queued.length === 0 || !decide(now, queued)) {
      credit = 0;
      continue;
    }
    credit += pace * 60;
    queued.sort((a, b) => a.deadline - b.deadline);
    const price = values[Math.floor((now - weekStart) / hourMs)] as number;
    while (credit >= 1 && queued.length > 0) {
      const head = queued[0] as QueuedBatch;
      const done = Math.min(head.remaining, Math.floor(credit));
      head.remaining -= done;
      credit -= done;
      energyWh += done * whPerDocument;
      cost += (done * whPerDocument * price) / 1_000_000; // price per MWh (or g per kWh ÷ 1000)
      if (head.remaining === 0) {
        const finished = now + minuteMs;
        if (finished > head.deadline) misses.push(head.id);
        lastFinish = Math.max(lastFinish, finished);
        queued.shift();
      }
    }
  }
  for (const left of queued) misses.push(`${left.id} (unfinished)`);
  return { cost, energyKWh: energyWh / 1000, misses, lastFinish };
}

/** The baseline: the fixed 22:00–06:00 window (UTC). */
const fixedWindow: Policy = (now) => {
  const hour = new Date(now).getUTCHours();
  return hour >= 22 || hour < 6;
};

/**
 * The planner, replanned each hour and when a batch arrives. `published`: how far ahead the
 * source's values are known at an instant (day-ahead prices: tomorrow's from 13:00 on).
 */
function planned(limitsSpec: string, published: (now: number) => number) {
  const limits = parseColdWindows(limitsSpec);
  return (values: readonly number[]): Policy => {
    let planHour = -1;
    let planCount = -1;
    let open = new Map<number, boolean>();
    return (now, queued) => {
      const hour = Math.floor(now / hourMs) * hourMs;
      if (hour !== planHour || queued.length !== planCount) {
        planHour = hour;
        planCount = queued.length;
        const horizon = published(now);
        const prices = values
          .map((value, h) => ({ start: weekStart + h * hourMs, value }))
          .filter((p) => p.start >= hour && p.start < horizon);
        const plan = planColdHours({
          now,
          prices,
          allowed: (start) => allowedShare(limits, start, 'UTC'),
          batches: queued,
          throughput: () => pace,
        });
        open = new Map(plan.hours.map((h) => [h.start, h.open]));
      }
      return (open.get(hour) ?? false) && allowedShare(limits, hour, 'UTC') > 0;
    };
  };
}

/** Day-ahead prices: until the end of today, and of tomorrow once the auction published (13:00). */
const dayAhead = (now: number) => {
  const day = Math.floor(now / (24 * hourMs)) * 24 * hourMs;
  return day + (new Date(now).getUTCHours() >= 13 ? 48 : 24) * hourMs;
};
/** A carbon forecast reaches 48 hours ahead. */
const forecast48h = (now: number) => now + 48 * hourMs;

/** One signal's runs side by side. */
export interface PriceWindowsRow {
  signal: string;
  policy: string;
  cost: number;
  unit: string;
  energyKWh: number;
  ratio: number;
  misses: number;
  missed: string;
}

function rows(
  signal: string,
  unit: string,
  values: readonly number[],
  published: (now: number) => number,
) {
  const fixed = simulate(values, () => fixedWindow);
  const runs: [string, RunOutcome][] = [
    ['fixed 22:00-06:00 (baseline)', fixed],
    ['price-aware, no limit', simulate(values, planned('always', published))],
    ['price-aware within 22:00-06:00', simulate(values, planned('22:00-06:00', published))],
  ];
  return runs.map(([policy, run]) => ({
    signal,
    policy,
    cost: Math.round(run.cost * 100) / 100,
    unit,
    energyKWh: Math.round(run.energyKWh),
    ratio: Math.round((run.cost / fixed.cost) * 1000) / 1000,
    misses: run.misses.length,
    missed: run.misses.slice(0, 4).join(' '),
  }));
}

export async function run(): Promise<PriceWindowsRow[]> {
  return [
    ...rows('price', 'EUR', priceWeek(), dayAhead),
    ...rows('carbon', 'kg CO2eq', carbonWeek(), forecast48h),
  ];
}

export function summarize(all: PriceWindowsRow[]): SummaryRow[] {
  return ['price', 'carbon'].map((signal) => {
    const fixed = all.find((r) => r.signal === signal && r.policy.startsWith('fixed'));
    const aware = all.find((r) => r.signal === signal && r.policy === 'price-aware, no limit');
    const ratio = aware && fixed ? aware.ratio : null;
    return {
      benchmark: 'price-windows',
      figure: `${signal === 'price' ? 'cost' : 'emissions'} of a week, price-aware ÷ fixed 22:00-06:00 (misses: ${aware?.misses ?? '?'})`,
      value: aware ? `${aware.cost} ${aware.unit}` : '?',
      baseline: fixed ? `${fixed.cost} ${fixed.unit}` : null,
      ratio,
      goal: '≤ 0.8, no batch past its window',
      met: ratio !== null && ratio <= 0.8 && aware?.misses === 0,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printBenchmark } = await import('./support/summary.ts');
  const all = await run();
  printBenchmark('Price-aware windows: a simulated week', all, summarize(all));
}
