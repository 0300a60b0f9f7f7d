import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coldWindowState } from './cold-window-state.ts';
import { parseColdWindows } from './cold-windows.ts';

function state(spec: string, at: string, timeZone = 'UTC') {
  const { open, nextTransition } = coldWindowState(parseColdWindows(spec), new Date(at), timeZone);
  return { open, next: nextTransition?.toISOString() ?? null };
}

describe('coldWindowState in UTC', () => {
  it.each([
    ['22:00-06:00', '2026-01-10T23:00:00Z', true, '2026-01-11T06:00:00.000Z'],
    ['22:00-06:00', '2026-01-11T05:59:59Z', true, '2026-01-11T06:00:00.000Z'],
    ['22:00-06:00', '2026-01-11T06:00:00Z', false, '2026-01-11T22:00:00.000Z'],
    ['22:00-06:00', '2026-01-11T12:00:00Z', false, '2026-01-11T22:00:00.000Z'],
    ['22:00-06:00', '2026-01-11T22:00:00Z', true, '2026-01-12T06:00:00.000Z'],
    ['22:00-06:00,12:00-13:00', '2026-01-11T07:00:00Z', false, '2026-01-11T12:00:00.000Z'],
    ['22:00-06:00,12:00-13:00', '2026-01-11T12:30:00Z', true, '2026-01-11T13:00:00.000Z'],
    ['22:00-06:00,12:00-13:00', '2026-01-11T13:00:00Z', false, '2026-01-11T22:00:00.000Z'],
    ['22:00-02:00,01:00-06:00', '2026-01-11T01:30:00Z', true, '2026-01-11T06:00:00.000Z'],
    ['12:00-13:00,13:00-14:00', '2026-01-11T12:59:00Z', true, '2026-01-11T14:00:00.000Z'],
    ['23:00-24:00', '2026-12-31T23:30:00Z', true, '2027-01-01T00:00:00.000Z'],
    ['00:00-00:01', '2026-02-28T23:59:30Z', false, '2026-03-01T00:00:00.000Z'],
    ['always', '2026-01-11T12:00:00Z', true, null],
    ['never', '2026-01-11T23:00:00Z', false, null],
  ])('%s at %s: open %s, next %s', (spec, at, open, next) => {
    expect(state(spec, at)).toEqual({ open, next });
  });
});

describe('coldWindowState in zones with offsets', () => {
  it.each([
    ['America/New_York', '2026-01-11T03:00:00Z', true, '2026-01-11T11:00:00.000Z'],
    ['America/New_York', '2026-01-11T02:59:00Z', false, '2026-01-11T03:00:00.000Z'],
    ['Asia/Kolkata', '2026-01-10T16:30:00Z', true, '2026-01-11T00:30:00.000Z'],
    ['Australia/Sydney', '2026-01-10T12:00:00Z', true, '2026-01-10T19:00:00.000Z'],
  ])('22:00-06:00 in %s at %s: open %s, next %s', (zone, at, open, next) => {
    expect(state('22:00-06:00', at, zone)).toEqual({ open, next });
  });
});

describe('coldWindowState on Berlin DST days', () => {
  const berlin = (spec: string, at: string) => state(spec, at, 'Europe/Berlin');

  // 2026-03-29: 02:00 CET (01:00Z) jumps to 03:00 CEST.
  it('spring: the night is an hour shorter', () => {
    expect(berlin('22:00-06:00', '2026-03-28T21:00:00Z')).toEqual({
      open: true,
      next: '2026-03-29T04:00:00.000Z',
    });
  });

  it('spring: a boundary in the skipped hour takes effect at the jump', () => {
    expect(berlin('02:30-06:00', '2026-03-29T00:30:00Z')).toEqual({
      open: false,
      next: '2026-03-29T01:00:00.000Z',
    });
    expect(berlin('02:30-06:00', '2026-03-29T01:00:00Z')).toEqual({
      open: true,
      next: '2026-03-29T04:00:00.000Z',
    });
    expect(berlin('01:00-02:30', '2026-03-29T00:15:00Z')).toEqual({
      open: true,
      next: '2026-03-29T01:00:00.000Z',
    });
    expect(berlin('01:00-02:30', '2026-03-29T01:00:00Z')).toEqual({
      open: false,
      next: '2026-03-29T23:00:00.000Z',
    });
  });

  it('spring: a window entirely inside the skipped hour does not happen that day', () => {
    expect(berlin('02:10-02:40', '2026-03-28T23:00:00Z')).toEqual({
      open: false,
      next: '2026-03-30T00:10:00.000Z',
    });
  });

  // 2026-10-25: 03:00 CEST (01:00Z) falls back to 02:00 CET.
  it('autumn: the night is an hour longer', () => {
    expect(berlin('22:00-06:00', '2026-10-24T20:00:00Z')).toEqual({
      open: true,
      next: '2026-10-25T05:00:00.000Z',
    });
  });

  it('autumn: a window opening in the repeated hour stays open through it', () => {
    expect(berlin('02:30-05:00', '2026-10-25T00:00:00Z')).toEqual({
      open: false,
      next: '2026-10-25T00:30:00.000Z',
    });
    expect(berlin('02:30-05:00', '2026-10-25T00:45:00Z')).toEqual({
      open: true,
      next: '2026-10-25T04:00:00.000Z',
    });
    // 02:15 CET, the second time the clock reads 02:15: still the same window.
    expect(berlin('02:30-05:00', '2026-10-25T01:15:00Z').open).toBe(true);
  });

  it('autumn: a window closing in the repeated hour closes at its first occurrence', () => {
    expect(berlin('22:00-02:30', '2026-10-25T00:15:00Z')).toEqual({
      open: true,
      next: '2026-10-25T00:30:00.000Z',
    });
    expect(berlin('22:00-02:30', '2026-10-25T01:15:00Z')).toEqual({
      open: false,
      next: '2026-10-25T21:00:00.000Z',
    });
  });
});

describe('coldWindowState invariants', () => {
  const minute = fc.integer({ min: 0, max: 1439 });
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const spec = fc
    .array(
      fc.tuple(minute, minute).filter(([a, b]) => a !== b),
      { minLength: 1, maxLength: 3 },
    )
    .map((ranges) => ranges.map(([a, b]) => `${hhmm(a)}-${hhmm(b)}`).join(','));
  const instant = fc.integer({
    min: Date.UTC(2026, 0, 1),
    max: Date.UTC(2027, 0, 1),
  });
  const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe');

  it('the state holds until nextTransition and flips there, within about a day', () => {
    fc.assert(
      fc.property(spec, instant, zone, (text, t, tz) => {
        const windows = parseColdWindows(text);
        const now = coldWindowState(windows, new Date(t), tz);
        if (windows.kind !== 'ranges') return now.nextTransition === null;
        const next = now.nextTransition?.getTime();
        if (next === undefined || next <= t || next - t > 25 * 3_600_000) return false;
        const before = coldWindowState(windows, new Date(next - 1), tz);
        const after = coldWindowState(windows, new Date(next), tz);
        return before.open === now.open && after.open !== now.open;
      }),
      { numRuns: 300 },
    );
  });

  it('in UTC, open means the wall-clock minute lies in a range', () => {
    fc.assert(
      fc.property(spec, instant, (text, t) => {
        const windows = parseColdWindows(text);
        const m = Math.floor((t % 86_400_000) / 60_000);
        const inside =
          windows.kind === 'always' ||
          (windows.kind === 'ranges' &&
            windows.ranges.some(({ startMinute: s, endMinute: e }) =>
              e > s ? m >= s && m < e : m >= s || m < e,
            ));
        return coldWindowState(windows, new Date(t), 'UTC').open === inside;
      }),
      { numRuns: 300 },
    );
  });
});
