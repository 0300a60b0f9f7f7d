import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElectricityMaps } from './electricity-maps-format.ts';
import { parseEntsoePrices } from './entsoe-format.ts';
import { PriceFormatError, parseNightshiftPrices } from './nightshift-format.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const at = (iso: string) => Date.parse(iso);

describe("Nightshift's own format", () => {
  it('reads the JSON file: one value per hour, offsets honoured', () => {
    const series = parseNightshiftPrices(fixture('nightshift-prices.json'));
    expect(series.unit).toBe('EUR/MWh');
    expect(series.values).toHaveLength(24);
    // "2026-12-07T00:00:00+01:00" is 23:00 UTC the day before.
    expect(series.values[0]).toEqual({ start: at('2026-12-06T23:00:00Z'), value: 98.41 });
    expect(series.values[18]).toEqual({ start: at('2026-12-07T17:00:00Z'), value: 178.64 });
  });

  it('reads the CSV form with its unit comment', () => {
    const series = parseNightshiftPrices(fixture('nightshift-prices.csv'));
    expect(series.unit).toBe('gCO2eq/kWh');
    expect(series.values[13]).toEqual({ start: at('2026-12-07T13:00:00Z'), value: 238 });
  });

  it('averages quarter-hour values into their hour', () => {
    const body = JSON.stringify({
      unit: 'EUR/MWh',
      resolutionMinutes: 15,
      values: [10, 20, 30, 40].map((value, i) => ({
        start: new Date(at('2026-12-07T02:00:00Z') + i * 900_000).toISOString(),
        value,
      })),
    });
    expect(parseNightshiftPrices(body).values).toEqual([
      { start: at('2026-12-07T02:00:00Z'), value: 25 },
    ]);
  });

  it('names the field of a bad body', () => {
    expect(() =>
      parseNightshiftPrices('{"unit":"EUR/MWh","values":[{"start":"yesterday","value":1}]}'),
    ).toThrow(/values\.0\.start/);
    expect(() => parseNightshiftPrices('start,value\n2026-12-07T00:00:00Z,cheap')).toThrow(
      PriceFormatError,
    );
    expect(() => parseNightshiftPrices('<html>502</html>')).toThrow(/line 1/);
  });
});

describe('ENTSO-E day-ahead prices (A44)', () => {
  it('reads a PT60M document into 24 hourly prices in EUR/MWh', () => {
    const series = parseEntsoePrices(fixture('entsoe-a44-pt60m.xml'));
    expect(series.unit).toBe('EUR/MWh');
    expect(series.values).toHaveLength(24);
    expect(series.values[0]).toEqual({ start: at('2026-12-06T23:00:00Z'), value: 98.41 });
    expect(series.values[23]).toEqual({ start: at('2026-12-07T22:00:00Z'), value: 103.9 });
  });

  it('averages PT15M quarters into hours, a missing A03 position holding the previous price', () => {
    const series = parseEntsoePrices(fixture('entsoe-a44-pt15m-a03.xml'));
    const expected = JSON.parse(fixture('entsoe-a44-pt15m-a03.expected.json')) as {
      hourlyMeans: number[];
    };
    expect(series.values).toHaveLength(24);
    series.values.forEach((hour, i) => {
      expect(hour.start).toBe(at('2026-12-06T23:00:00Z') + i * 3_600_000);
      expect(hour.value).toBeCloseTo(expected.hourlyMeans[i] as number, 6);
    });
    // Positions 2–4 are left out: the first hour is four times position 1's price.
    expect(series.values[0]?.value).toBeCloseTo(95.31, 6);
    // Positions 95 and 96 are left out: the last quarter-hours repeat position 94's price.
    const xml = fixture('entsoe-a44-pt15m-a03.xml');
    expect(xml).not.toContain('<position>96</position>');
    expect(series.values[23]?.value).toBeCloseTo(expected.hourlyMeans[23] as number, 6);
  });

  it('leaves a gap (no repeat) where an A01 curve lacks a position', () => {
    const xml = fixture('entsoe-a44-pt60m.xml').replace(
      /<Point>\s*<position>5<\/position>[\s\S]*?<\/Point>/,
      '',
    );
    const series = parseEntsoePrices(xml);
    expect(series.values).toHaveLength(23);
    expect(series.values.map((v) => v.start)).not.toContain(at('2026-12-07T03:00:00Z'));
  });

  it("turns an acknowledgement (no data) into an error with ENTSO-E's reason", () => {
    expect(() => parseEntsoePrices(fixture('entsoe-acknowledgement.xml'))).toThrow(
      /No matching data found/,
    );
  });

  it('refuses other documents and broken points', () => {
    expect(() => parseEntsoePrices('{"zone":"DE"}')).toThrow(/Publication_MarketDocument/);
    const broken = fixture('entsoe-a44-pt60m.xml').replace(
      '<price.amount>98.41',
      '<price.amount>n/a',
    );
    expect(() => parseEntsoePrices(broken)).toThrow(/TimeSeries 1: periods\.0\.points\.0\.price/);
  });
});

describe('Electricity Maps carbon intensity', () => {
  it('reads a forecast', () => {
    const series = parseElectricityMaps(fixture('electricitymaps-forecast.json'));
    expect(series.unit).toBe('gCO2eq/kWh');
    expect(series.values).toHaveLength(24);
    expect(series.values[13]).toEqual({ start: at('2026-12-07T13:00:00Z'), value: 238 });
  });

  it('reads a history, leaving out hours without an estimate', () => {
    const series = parseElectricityMaps(fixture('electricitymaps-history.json'));
    expect(series.values).toHaveLength(23);
    expect(series.values.map((v) => v.start)).not.toContain(at('2026-12-06T05:00:00Z'));
  });

  it('names what is missing', () => {
    expect(() => parseElectricityMaps('{"zone":"DE"}')).toThrow(/neither forecast nor history/);
    expect(() => parseElectricityMaps('{"error":"unauthorized"}')).toThrow(/zone/);
  });
});
