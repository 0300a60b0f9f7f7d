import { type LocalDateTime, localDateTime, offsetMs } from '@nightshift/zoned-time';
import { parse } from 'node-cron';

/**
 * Fire times of a cron expression in an IANA zone, computed from an explicit instant so tests
 * can inject the clock. The rules follow node-cron 4's own walker, because node-cron is what
 * fires the tasks and the times we show must be the times it fires:
 * - a local time that does not exist (spring forward) is skipped that day;
 * - a local time that exists twice (fall back) fires once, at the instant node-cron's
 *   local-to-UTC conversion picks (see {@link localToUtc});
 * - day of month and day of week must both match (node-cron ANDs them).
 * The special tokens `L`, `W` and `#` are refused at validation (see cron-validation.ts), so
 * every field here is a list of numbers.
 */

type LocalParts = LocalDateTime;

/** The wall-clock reading of an instant in a zone. */
export const localParts = localDateTime;

/**
 * The instant a wall-clock time names in a zone, or null where that time does not exist.
 * Two-step offset guess, as node-cron does: for a repeated hour it lands on whichever
 * occurrence the zone's offset at the naive UTC reading points to.
 */
export function localToUtc(local: Omit<LocalParts, 'weekday'>, timeZone: string): number | null {
  const guess = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  const first = guess - offsetMs(guess, timeZone);
  const second = guess - offsetMs(first, timeZone);
  for (const candidate of first === second ? [first] : [first, second]) {
    const p = localParts(candidate, timeZone);
    if (
      p.year === local.year &&
      p.month === local.month &&
      p.day === local.day &&
      p.hour === local.hour &&
      p.minute === local.minute &&
      p.second === local.second
    ) {
      return candidate;
    }
  }
  return null;
}

function matchesDay(
  fields: ReturnType<typeof parse>,
  year: number,
  month: number,
  day: number,
): boolean {
  if (!fields.month.includes(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return (
    fields.dayOfMonth.includes(day) &&
    (fields.dayOfWeek.includes(weekday) || (weekday === 0 && fields.dayOfWeek.includes(7)))
  );
}

const sorted = (values: (number | string)[]) =>
  values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);

/**
 * The next `count` fire times strictly after `from`.
 *
 * @example
 * nextFireTimes('30 1 * * *', 'Europe/Berlin', { from: new Date('2026-03-28T12:00:00Z'), count: 2 });
 * // [2026-03-29T00:30:00Z, 2026-03-30T23:30:00Z]
 */
export function nextFireTimes(
  cron: string,
  timeZone: string,
  options: { from: Date; count: number },
): Date[] {
  const fields = parse(cron);
  const hours = sorted(fields.hour);
  const minutes = sorted(fields.minute);
  const seconds = sorted(fields.second);
  const out: Date[] = [];
  let after = Math.floor(options.from.getTime() / 1000) * 1000;
  while (out.length < options.count) {
    const next = nextAfter(fields, hours, minutes, seconds, after, timeZone);
    if (next === null) break;
    out.push(new Date(next));
    after = next;
  }
  return out;
}

/**
 * Fire times in `(after, until]`: how many there are (counting stops at `maxCount`, then
 * `capped` is true) and the latest of them, which is what a catch-up fires.
 *
 * @example
 * fireTimesBetween('0 1 * * *', 'UTC', lastFire, now); // { count: 3, latest: <today 01:00Z>, capped: false }
 */
export function fireTimesBetween(
  cron: string,
  timeZone: string,
  after: Date,
  until: Date,
  maxCount = 1000,
): { count: number; latest: Date | null; capped: boolean } {
  const latest = latestAtOrBefore(cron, timeZone, after, until);
  if (!latest) return { count: 0, latest: null, capped: false };
  let count = 0;
  let cursor = after;
  while (count < maxCount) {
    const [next] = nextFireTimes(cron, timeZone, { from: cursor, count: 1 });
    if (!next || next.getTime() > until.getTime()) return { count, latest, capped: false };
    count++;
    cursor = next;
  }
  return { count, latest, capped: cursor.getTime() < latest.getTime() };
}

/**
 * The shortest time between two consecutive fires of a cron expression in a zone, looking at
 * the fires from `from` over `horizonMs` (default a year, so day-of-month and month patterns
 * are seen) and at most `maxFires` of them (default 2,000). Stops early once a gap is shorter
 * than `stopBelowMs`, which is what a minimum-interval check needs. Null when it fires at most
 * once in the horizon.
 *
 * @example
 * shortestGapMs('*\/5 * * * * *', 'UTC', { from: new Date() }); // 5000
 * shortestGapMs('0 1,2 * * *', 'UTC', { from: new Date() }); // 3_600_000
 */
export function shortestGapMs(
  cron: string,
  timeZone: string,
  options: { from: Date; horizonMs?: number; maxFires?: number; stopBelowMs?: number },
): number | null {
  const until = options.from.getTime() + (options.horizonMs ?? 366 * 86_400_000);
  const maxFires = options.maxFires ?? 2_000;
  let shortest: number | null = null;
  let previous: Date | undefined;
  let cursor = options.from;
  for (let fires = 0; fires < maxFires; ) {
    // In blocks, so a per-second cron stops after its first block.
    const block = nextFireTimes(cron, timeZone, { from: cursor, count: 50 });
    for (const fire of block) {
      if (fire.getTime() > until) return shortest;
      if (previous) {
        const gap = fire.getTime() - previous.getTime();
        if (shortest === null || gap < shortest) shortest = gap;
        if (options.stopBelowMs !== undefined && gap < options.stopBelowMs) return shortest;
      }
      previous = fire;
      fires++;
    }
    const last = block.at(-1);
    if (!last || block.length < 50) return shortest;
    cursor = last;
  }
  return shortest;
}

/** Searches back from `until` over growing spans, so a per-second cron costs a few steps. */
function latestAtOrBefore(cron: string, timeZone: string, after: Date, until: Date): Date | null {
  const spans = [
    2_000,
    120_000,
    7_200_000,
    2 * 86_400_000,
    62 * 86_400_000,
    Number.POSITIVE_INFINITY,
  ];
  for (const span of spans) {
    const from = new Date(Math.max(after.getTime(), until.getTime() - span));
    let cursor = from;
    let latest: Date | null = null;
    for (let steps = 0; steps < 200_000; steps++) {
      const [next] = nextFireTimes(cron, timeZone, { from: cursor, count: 1 });
      if (!next || next.getTime() > until.getTime()) break;
      latest = next;
      cursor = next;
    }
    if (latest || from.getTime() === after.getTime()) return latest;
  }
  return null;
}

function nextAfter(
  fields: ReturnType<typeof parse>,
  hours: number[],
  minutes: number[],
  seconds: number[],
  afterMs: number,
  timeZone: string,
): number | null {
  const base = localParts(afterMs, timeZone);
  let { year, month, day } = base;
  for (let i = 0; i < 366 * 8; i++) {
    if (matchesDay(fields, year, month, day)) {
      for (const hour of hours) {
        if (i === 0 && hour < base.hour) continue;
        for (const minute of minutes) {
          if (i === 0 && hour === base.hour && minute < base.minute) continue;
          for (const second of seconds) {
            if (i === 0 && hour === base.hour && minute === base.minute && second < base.second) {
              continue;
            }
            const ts = localToUtc({ year, month, day, hour, minute, second }, timeZone);
            if (ts !== null && ts > afterMs) return ts;
          }
        }
      }
    }
    const d = new Date(Date.UTC(year, month - 1, day + 1));
    year = d.getUTCFullYear();
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  return null;
}
