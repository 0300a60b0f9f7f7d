import { coldWindowState } from './cold-window-state.ts';
import type { ColdWindows } from './cold-windows.ts';

/** A stretch of time during which the cold windows were open. */
export interface ColdWindowSpan {
  from: Date;
  to: Date;
}

/**
 * The open stretches of `windows` between `from` and `to`, clipped to that range, oldest first:
 * what a plot shades. Walks {@link coldWindowState}'s transitions, so DST days come out as the
 * worker saw them.
 *
 * @example
 * coldWindowSpans(parseColdWindows('22:00-06:00'), new Date('2026-01-01T12:00Z'), new Date('2026-01-02T12:00Z'), 'UTC');
 * // [{ from: 2026-01-01T22:00Z, to: 2026-01-02T06:00Z }]
 */
export function coldWindowSpans(
  windows: ColdWindows,
  from: Date,
  to: Date,
  timeZone: string,
): ColdWindowSpan[] {
  const spans: ColdWindowSpan[] = [];
  let at = from.getTime();
  const end = to.getTime();
  while (at < end) {
    const state = coldWindowState(windows, new Date(at), timeZone);
    const next = Math.min(state.nextTransition?.getTime() ?? end, end);
    if (state.open) spans.push({ from: new Date(at), to: new Date(next) });
    // A transition never lies at or before `at`; the guard only stops a loop on bad input.
    if (next <= at) break;
    at = next;
  }
  return spans;
}
