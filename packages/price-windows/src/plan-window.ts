import { type ColdWindowState, type ColdWindows, coldWindowState } from '@nightshift/gpu';
import { hourMs } from './hourly-values.ts';
import type { PlannedHour } from './planner.ts';

/**
 * The cold window under a price plan: open while the plan's hour is open and the fixed windows
 * (the limits) are open too. Null when the plan does not cover `at` (no plan yet, or a stale
 * one): the caller then uses the fixed windows alone, as without a price source.
 *
 * @example
 * plannedWindowState(plan.hours, parseColdWindows('20:00-08:00'), new Date(), 'Europe/Berlin');
 * // { open: true, nextTransition: 2026-12-07T05:00:00.000Z } (an open hour until the plan's next closed one)
 */
export function plannedWindowState(
  hours: readonly Pick<PlannedHour, 'start' | 'open'>[],
  limits: ColdWindows,
  at: Date,
  timeZone: string,
): ColdWindowState | null {
  const t = at.getTime();
  const byStart = new Map(hours.map((h) => [h.start, h.open]));
  const hourOf = (ms: number) => Math.floor(ms / hourMs) * hourMs;
  if (!byStart.has(hourOf(t))) return null;
  const openAt = (ms: number): boolean | null => {
    const planned = byStart.get(hourOf(ms));
    if (planned === undefined) return null;
    return planned && coldWindowState(limits, new Date(ms), timeZone).open;
  };
  const open = openAt(t) as boolean;
  // The state can only change at an hour boundary or at a limit's own transition.
  let cursor = t;
  for (let step = 0; step < 400; step++) {
    const limit = coldWindowState(limits, new Date(cursor), timeZone).nextTransition;
    const boundary = hourOf(cursor) + hourMs;
    const next = limit && limit.getTime() < boundary ? limit.getTime() : boundary;
    const state = openAt(next);
    // Past the plan's last hour the fixed windows take over: that is a transition too.
    if (state === null) return { open, nextTransition: new Date(next) };
    if (state !== open) return { open, nextTransition: new Date(next) };
    cursor = next;
  }
  return { open, nextTransition: null };
}
