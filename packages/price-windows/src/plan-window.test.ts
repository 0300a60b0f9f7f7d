import { parseColdWindows } from '@nightshift/gpu';
import { describe, expect, it } from 'vitest';
import { hourMs } from './hourly-values.ts';
import { plannedWindowState } from './plan-window.ts';

const day0 = Date.parse('2026-12-07T00:00:00Z');
/** Open at 02:00, 03:00 and 13:00 of a 24-hour plan. */
const hours = Array.from({ length: 24 }, (_, h) => ({
  start: day0 + h * hourMs,
  open: h === 2 || h === 3 || h === 13,
}));
const at = (iso: string) => new Date(iso);

describe('plannedWindowState', () => {
  it('is open in a planned hour until the next closed one, across open neighbours', () => {
    expect(
      plannedWindowState(hours, parseColdWindows('always'), at('2026-12-07T02:15:00Z'), 'UTC'),
    ).toEqual({
      open: true,
      nextTransition: at('2026-12-07T04:00:00Z'),
    });
  });

  it('is closed in a skipped hour until the next open one', () => {
    expect(
      plannedWindowState(hours, parseColdWindows('always'), at('2026-12-07T05:00:00Z'), 'UTC'),
    ).toEqual({
      open: false,
      nextTransition: at('2026-12-07T13:00:00Z'),
    });
  });

  it('keeps to the limits: a planned hour outside them stays closed, a limit inside one closes it', () => {
    const night = parseColdWindows('22:00-02:30');
    expect(plannedWindowState(hours, night, at('2026-12-07T13:30:00Z'), 'UTC')?.open).toBe(false);
    expect(plannedWindowState(hours, night, at('2026-12-07T02:10:00Z'), 'UTC')).toEqual({
      open: true,
      nextTransition: at('2026-12-07T02:30:00Z'),
    });
  });

  it('says nothing outside the plan (the fixed windows decide), and hands over at its end', () => {
    expect(
      plannedWindowState(hours, parseColdWindows('always'), at('2026-12-08T01:00:00Z'), 'UTC'),
    ).toBeNull();
    expect(
      plannedWindowState(hours, parseColdWindows('always'), at('2026-12-07T20:00:00Z'), 'UTC'),
    ).toEqual({ open: false, nextTransition: at('2026-12-08T00:00:00Z') });
  });
});
