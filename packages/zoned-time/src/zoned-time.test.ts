import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, instantOfLocalTime, localDateTime, offsetMs } from './zoned-time.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (epochMs: number) => new Date(epochMs).toISOString();

describe('localDateTime', () => {
  it('reads the wall clock of a zone, weekday included', () => {
    // 2026-03-28 was a Saturday; Berlin is on CET (+1) until the next night.
    expect(localDateTime(at('2026-03-28T23:30:15Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 0,
      minute: 30,
      second: 15,
      weekday: 0,
    });
    expect(localDateTime(at('2026-01-01T00:00:00Z'), 'America/New_York')).toMatchObject({
      year: 2025,
      month: 12,
      day: 31,
      hour: 19,
      weekday: 3,
    });
  });

  it('says midnight as hour 0, never 24', () => {
    expect(localDateTime(at('2026-06-01T00:00:00Z'), 'UTC').hour).toBe(0);
  });

  it('throws RangeError for a zone Intl does not know', () => {
    expect(() => localDateTime(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('offsetMs', () => {
  it.each([
    ['UTC', '2026-01-15T12:00:00Z', 0],
    ['Europe/Berlin', '2026-01-15T12:00:00Z', 3_600_000],
    ['Europe/Berlin', '2026-07-15T12:00:00Z', 7_200_000],
    ['Asia/Kolkata', '2026-07-15T12:00:00Z', 19_800_000],
    ['America/New_York', '2026-01-15T12:00:00Z', -18_000_000],
  ])('%s at %s is %d ms', (zone, when, offset) => {
    expect(offsetMs(at(when), zone)).toBe(offset);
  });

  it('changes at the instant of the switch (Berlin spring, 01:00Z)', () => {
    expect(offsetMs(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetMs(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
  });
});

describe('instantOfLocalTime', () => {
  it('finds the instant of an ordinary local time', () => {
    expect(iso(instantOfLocalTime(2026, 1, 15, 22 * 60, 'Europe/Berlin'))).toBe(
      '2026-01-15T21:00:00.000Z',
    );
  });

  it('reads a minute past 1440 as the next day', () => {
    expect(iso(instantOfLocalTime(2026, 12, 31, 24 * 60 + 6 * 60, 'UTC'))).toBe(
      '2027-01-01T06:00:00.000Z',
    );
  });

  it('resolves a time the clock skips to the jump itself (Berlin 02:30 on 2026-03-29)', () => {
    expect(iso(instantOfLocalTime(2026, 3, 29, 2 * 60 + 30, 'Europe/Berlin'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('resolves a time the clock shows twice to its first occurrence (Berlin 02:30 on 2026-10-25)', () => {
    expect(iso(instantOfLocalTime(2026, 10, 25, 2 * 60 + 30, 'Europe/Berlin'))).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('round-trips with localDateTime wherever the local time exists once', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        (epochMs, zone) => {
          const whole = Math.floor(epochMs / 60_000) * 60_000;
          const local = localDateTime(whole, zone);
          const minute = local.hour * 60 + local.minute;
          const back = instantOfLocalTime(local.year, local.month, local.day, minute, zone);
          // In an autumn overlap the first occurrence comes back, which may be an hour earlier.
          expect(back === whole || offsetMs(back, zone) !== offsetMs(whole, zone)).toBe(true);
          expect(localDateTime(back, zone)).toEqual(local);
        },
      ),
    );
  });
});

describe('addDays', () => {
  it.each([
    [{ year: 2026, month: 1, day: 31 }, 1, { year: 2026, month: 2, day: 1 }],
    [{ year: 2028, month: 2, day: 28 }, 1, { year: 2028, month: 2, day: 29 }],
    [{ year: 2026, month: 12, day: 31 }, 1, { year: 2027, month: 1, day: 1 }],
    [{ year: 2026, month: 3, day: 1 }, -1, { year: 2026, month: 2, day: 28 }],
    [{ year: 2026, month: 6, day: 15 }, 0, { year: 2026, month: 6, day: 15 }],
  ])('%o plus %d days is %o', (date, days, expected) => {
    expect(addDays(date, days)).toEqual(expected);
  });
});
