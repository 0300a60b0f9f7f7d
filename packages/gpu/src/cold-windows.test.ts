import { describe, expect, it } from 'vitest';
import { ColdWindowSpecError, parseColdWindows, windowCronExpressions } from './cold-windows.ts';

describe('parseColdWindows', () => {
  it('reads ranges, including ones crossing midnight and closing at 24:00', () => {
    expect(parseColdWindows('22:00-06:00, 12:00-13:00,23:30-24:00')).toEqual({
      kind: 'ranges',
      ranges: [
        { startMinute: 1320, endMinute: 360 },
        { startMinute: 720, endMinute: 780 },
        { startMinute: 1410, endMinute: 1440 },
      ],
    });
    expect(parseColdWindows('6:05-7:00')).toEqual({
      kind: 'ranges',
      ranges: [{ startMinute: 365, endMinute: 420 }],
    });
  });

  it.each([
    ['always', 'always'],
    [' ALWAYS ', 'always'],
    ['never', 'never'],
    ['00:00-24:00', 'always'],
    ['12:00-00:00,00:00-12:00', 'always'],
  ])('reads %j as %s', (spec, kind) => {
    expect(parseColdWindows(spec).kind).toBe(kind);
  });

  it.each([
    ['22:00-06:00,25:00-06:00', '25:00-06:00', /start is not a time of day/],
    ['22:60-06:00', '22:60-06:00', /start/],
    ['22:00-24:30', '22:00-24:30', /end is not a time of day/],
    ['22:00-6', '22:00-6', /not a HH:MM-HH:MM range/],
    ['nights', 'nights', /not a HH:MM-HH:MM range/],
    ['22:00-06:00,', '', /empty range/],
    ['always,22:00-06:00', 'always', /cannot be combined/],
    ['10:00-10:00', '10:00-10:00', /start equals end/],
    ['  ', '  ', /empty spec/],
  ])('rejects %j, naming %j', (spec, part, why) => {
    let error: unknown;
    try {
      parseColdWindows(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdWindowSpecError);
    expect((error as ColdWindowSpecError).part).toBe(part);
    expect((error as Error).message).toContain(`"${part}"`);
    expect((error as Error).message).toMatch(why);
  });
});

describe('windowCronExpressions', () => {
  it.each([
    ['22:00-06:00', ['0 6 * * *', '0 22 * * *']],
    ['22:00-06:00,12:00-13:30', ['0 6 * * *', '0 12 * * *', '30 13 * * *', '0 22 * * *']],
    // Overlapping and touching ranges only transition where the union does.
    ['22:00-02:00,01:00-06:00', ['0 6 * * *', '0 22 * * *']],
    ['12:00-13:00,13:00-14:00', ['0 12 * * *', '0 14 * * *']],
    ['23:15-24:00', ['0 0 * * *', '15 23 * * *']],
    ['always', []],
    ['never', []],
  ])('%j → %j', (spec, expressions) => {
    expect(windowCronExpressions(parseColdWindows(spec))).toEqual(expressions);
  });
});
