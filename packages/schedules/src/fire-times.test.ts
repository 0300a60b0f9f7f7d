import { createTask } from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cronProblem, intervalProblem, timeZoneProblem } from './cron-validation.ts';
import { fireTimesBetween, nextFireTimes, shortestGapMs } from './fire-times.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const next = (cron: string, zone: string, from: string, count = 3) =>
  iso(nextFireTimes(cron, zone, { from: new Date(from), count }));

/** node-cron's own preview with the clock set to `from`: the times it will really fire. */
function nodeCronRuns(cron: string, zone: string, from: string, count = 3): string[] {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(from) });
  const task = createTask(cron, () => {}, { timezone: zone });
  try {
    return iso(task.getNextRuns(count));
  } finally {
    void task.destroy();
    vi.useRealTimers();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('nextFireTimes across daylight-saving changes', () => {
  it('fires a 01:30 Europe/Berlin schedule once on the spring-forward night (2026-03-29)', () => {
    expect(next('30 1 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET (+1)
      '2026-03-29T23:30:00.000Z', // 01:30 CEST (+2) the night after
      '2026-03-30T23:30:00.000Z',
    ]);
  });

  it('fires a 01:30 Europe/Berlin schedule once on the fall-back night (2026-10-25)', () => {
    expect(next('30 1 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z')).toEqual([
      '2026-10-24T23:30:00.000Z', // 01:30 CEST, before clocks go back at 03:00
      '2026-10-26T00:30:00.000Z', // 01:30 CET
      '2026-10-27T00:30:00.000Z',
    ]);
  });

  it('fires a 01:30 America/New_York schedule once although 01:30 happens twice (2026-11-01)', () => {
    expect(next('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z', // the first 01:30 (EDT)
      '2026-11-02T06:30:00.000Z', // EST from then on
      '2026-11-03T06:30:00.000Z',
    ]);
  });

  it('skips a local time that does not exist (02:30 on 2026-03-08 in New York)', () => {
    expect(next('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it.each([
    ['30 1 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z'],
    ['30 1 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z'],
    ['30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z'],
    ['30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z'],
    ['30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z'],
    ['30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z'],
    ['0 */20 * * * *', 'Australia/Lord_Howe', '2026-04-04T14:00:00Z'],
    ['15 9 * * mon-fri', 'Asia/Kolkata', '2026-01-01T00:00:00Z'],
    ['*/7 * * * * *', 'UTC', '2026-06-01T00:00:03.400Z'],
  ])('agrees with node-cron’s own schedule for %s in %s from %s', (cron, zone, from) => {
    expect(next(cron, zone, from, 5)).toEqual(nodeCronRuns(cron, zone, from, 5));
  });
});

describe('fireTimesBetween', () => {
  it('counts missed fires and names the latest', () => {
    const result = fireTimesBetween(
      '0 1 * * *',
      'UTC',
      new Date('2026-03-01T00:00:00Z'),
      new Date('2026-03-07T12:00:00Z'),
    );
    expect(result).toEqual({
      count: 7,
      latest: new Date('2026-03-07T01:00:00Z'),
      capped: false,
    });
  });

  it('stays cheap for a per-second cron over days, saying the count is capped', () => {
    const result = fireTimesBetween(
      '* * * * * *',
      'UTC',
      new Date('2026-03-01T00:00:00Z'),
      new Date('2026-03-07T12:00:00.700Z'),
      100,
    );
    expect(result).toEqual({ count: 100, latest: new Date('2026-03-07T12:00:00Z'), capped: true });
  });

  it('finds nothing when no fire fell in the interval', () => {
    const result = fireTimesBetween(
      '0 1 * * *',
      'UTC',
      new Date('2026-03-01T02:00:00Z'),
      new Date('2026-03-01T23:00:00Z'),
    );
    expect(result).toEqual({ count: 0, latest: null, capped: false });
  });
});

describe('validation', () => {
  it.each(['30 1 * * *', '* * * * * *', '0 9 * * mon-fri', '*/5 0-6 1,15 jan-mar *'])(
    'accepts %s',
    (cron) => expect(cronProblem(cron)).toBeNull(),
  );
  it.each([
    ['61 * * * *', /not a valid cron/],
    ['1 2 3', /5 fields/],
    ['0 0 L * *', /not supported/],
    ['0 0 * * 1#2', /not supported/],
  ])('refuses %s', (cron, why) => expect(cronProblem(cron)).toMatch(why));

  it('accepts IANA zones and refuses unknown names and raw offsets', () => {
    expect(timeZoneProblem('Europe/Berlin')).toBeNull();
    expect(timeZoneProblem('UTC')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus')).toMatch(/unknown time zone/);
    expect(timeZoneProblem('+02:00')).toMatch(/not an offset/);
  });
});

describe('shortest gap between fires (minimum interval)', () => {
  const from = new Date('2026-12-04T10:00:00Z');
  it.each([
    ['* * * * * *', 1_000],
    ['*/5 * * * * *', 5_000],
    ['* * * * *', 60_000],
    ['0 1,2 * * *', 3_600_000],
    ['0,59 0,23 * * *', 60_000], // 23:59 → 00:00 the next day
    ['*/10 * 1 * * *', 10_000], // only on the 1st of a month: a month ahead of `from`
    ['30 1 * * *', 86_400_000],
  ])('finds %s fires %i ms apart at the closest', (cron, gap) => {
    expect(shortestGapMs(cron, 'UTC', { from })).toBe(gap);
  });

  it('sees the shorter day a daylight-saving change makes, within the year ahead', () => {
    // 03:00 CET on 2027-03-27, then 03:00 CEST: 23 hours later.
    expect(shortestGapMs('0 3 * * *', 'Europe/Berlin', { from })).toBe(86_400_000 - 3_600_000);
  });

  it('refuses crons firing more often than the minimum interval, accepts the rest', () => {
    expect(intervalProblem('* * * * * *', 'UTC', 60, from)).toMatch(/every 1 s.*once every 60 s/);
    expect(intervalProblem('*/30 * * * * *', 'UTC', 60, from)).toMatch(/every 30 s/);
    expect(intervalProblem('* * * * *', 'UTC', 60, from)).toBeNull();
    expect(intervalProblem('*/5 * * * *', 'UTC', 600, from)).toMatch(/every 300 s/);
    expect(intervalProblem('0 1 * * *', 'UTC', 3_600, from)).toBeNull();
    expect(intervalProblem('0 0 1 1 *', 'UTC', 60, from)).toBeNull(); // once in the horizon
  });
});
