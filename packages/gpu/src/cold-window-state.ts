import { addDays, instantOfLocalTime, localDateTime } from '@nightshift/zoned-time';
import type { ColdWindows } from './cold-windows.ts';

/** Whether cold work may run now, and when that changes. */
export interface ColdWindowState {
  /** The instant lies inside an off-peak window. */
  open: boolean;
  /** The next instant `open` flips; `null` for `always` / `never`. */
  nextTransition: Date | null;
}

/**
 * Evaluates windows at an instant in an IANA time zone. Each day's window runs from the
 * instant its opening time occurs to the instant its closing time occurs, so DST days get a
 * shorter or longer window: a boundary in the skipped spring hour takes effect when the clock
 * jumps; one in the repeated autumn hour takes its first occurrence.
 *
 * @example
 * coldWindowState(parseColdWindows('22:00-06:00'), new Date('2026-03-28T22:00:00Z'), 'Europe/Berlin');
 * // { open: true, nextTransition: 2026-03-29T04:00:00Z } (06:00 CEST, the night is 7 h long)
 */
export function coldWindowState(windows: ColdWindows, at: Date, timeZone: string): ColdWindowState {
  if (windows.kind === 'always') return { open: true, nextTransition: null };
  if (windows.kind === 'never') return { open: false, nextTransition: null };

  const t = at.getTime();
  const today = localDateTime(t, timeZone);
  // Yesterday's ranges may cross into today; a non-full day always has a closed minute, so
  // the next transition lies within the next two days' spans.
  const spans: Array<[number, number]> = [];
  for (let offset = -1; offset <= 2; offset++) {
    const { year, month, day } = addDays(today, offset);
    for (const { startMinute, endMinute } of windows.ranges) {
      const end = endMinute > startMinute ? endMinute : endMinute + 1440;
      const from = instantOfLocalTime(year, month, day, startMinute, timeZone);
      const to = instantOfLocalTime(year, month, day, end, timeZone);
      // Both ends inside one skipped hour: that day's window does not exist.
      if (to > from) spans.push([from, to]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);

  const merged: Array<[number, number]> = [];
  for (const [from, to] of spans) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }

  for (const [from, to] of merged) {
    if (t < from) return { open: false, nextTransition: new Date(from) };
    if (t < to) return { open: true, nextTransition: new Date(to) };
  }
  return { open: false, nextTransition: null };
}
