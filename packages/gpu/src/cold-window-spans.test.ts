import { describe, expect, it } from 'vitest';
import { coldWindowSpans } from './cold-window-spans.ts';
import { parseColdWindows } from './cold-windows.ts';

const iso = (spans: { from: Date; to: Date }[]) =>
  spans.map((s) => [s.from.toISOString(), s.to.toISOString()]);

describe('coldWindowSpans', () => {
  it('lists the open stretches of a day, clipped to the range', () => {
    const windows = parseColdWindows('22:00-06:00,12:00-13:00');
    const spans = coldWindowSpans(
      windows,
      new Date('2026-01-01T04:30:00Z'),
      new Date('2026-01-02T04:30:00Z'),
      'UTC',
    );
    expect(iso(spans)).toEqual([
      ['2026-01-01T04:30:00.000Z', '2026-01-01T06:00:00.000Z'],
      ['2026-01-01T12:00:00.000Z', '2026-01-01T13:00:00.000Z'],
      ['2026-01-01T22:00:00.000Z', '2026-01-02T04:30:00.000Z'],
    ]);
  });

  it('follows the time zone, DST included, and handles always and never', () => {
    // The night of 28–29 March 2026 in Berlin is an hour shorter: 22:00 CET to 06:00 CEST.
    const spans = coldWindowSpans(
      parseColdWindows('22:00-06:00'),
      new Date('2026-03-28T12:00:00Z'),
      new Date('2026-03-29T12:00:00Z'),
      'Europe/Berlin',
    );
    expect(iso(spans)).toEqual([['2026-03-28T21:00:00.000Z', '2026-03-29T04:00:00.000Z']]);
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-02T00:00:00Z');
    expect(iso(coldWindowSpans(parseColdWindows('always'), from, to, 'UTC'))).toEqual([
      [from.toISOString(), to.toISOString()],
    ]);
    expect(coldWindowSpans(parseColdWindows('never'), from, to, 'UTC')).toEqual([]);
  });
});
