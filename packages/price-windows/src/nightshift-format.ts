import { z } from 'zod';
import { type HourlyValues, hourMs, toHourly } from './hourly-values.ts';

/** Why a source's body could not be read; the message names the field. */
export class PriceFormatError extends Error {
  override name = 'PriceFormatError';
}

const isoInstant = z
  .string()
  .refine((s) => /(?:Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: 'an ISO-8601 instant with a zone (Z or ±hh:mm)',
  });

/**
 * Nightshift's own format: `{ "unit": "EUR/MWh", "values": [{ "start": ISO-8601, "value": n }] }`,
 * one value per hour (a value per quarter-hour is averaged into its hour).
 */
export const nightshiftPriceFileSchema = z.object({
  unit: z.string().min(1).max(40),
  /** Length of each value's interval in minutes; default 60. */
  resolutionMinutes: z.number().int().min(1).max(1440).optional(),
  values: z
    .array(z.object({ start: isoInstant, value: z.number().finite() }))
    .min(1)
    .max(24 * 400),
});

/**
 * Reads Nightshift's price format: JSON as {@link nightshiftPriceFileSchema}, or CSV lines
 * `start,value` (a header line `start,value` and `# unit: EUR/MWh` comment allowed).
 *
 * @example
 * parseNightshiftPrices('{"unit":"EUR/MWh","values":[{"start":"2026-01-01T00:00:00Z","value":80}]}');
 */
export function parseNightshiftPrices(body: string): HourlyValues {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) return fromJson(trimmed);
  return fromCsv(trimmed);
}

function fromJson(text: string): HourlyValues {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PriceFormatError('not JSON');
  }
  const parsed = nightshiftPriceFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PriceFormatError(`${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  const durationMs = (parsed.data.resolutionMinutes ?? 60) * 60_000;
  return toHourly(
    parsed.data.unit,
    parsed.data.values.map((v) => ({ at: Date.parse(v.start), value: v.value, durationMs })),
  );
}

function fromCsv(text: string): HourlyValues {
  let unit = 'EUR/MWh';
  const points: { at: number; value: number; durationMs: number }[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const row = line.trim();
    const unitLine = /^#\s*unit\s*:\s*(\S.*)$/i.exec(row);
    if (unitLine) {
      unit = (unitLine[1] as string).trim();
      return;
    }
    if (row === '' || row.startsWith('#') || /^start\s*,\s*value$/i.test(row)) return;
    const [start = '', value = '', ...rest] = row.split(',').map((cell) => cell.trim());
    const at = isoInstant.safeParse(start);
    const number = Number(value);
    if (rest.length > 0 || !at.success || value === '' || !Number.isFinite(number)) {
      throw new PriceFormatError(`line ${index + 1}: expected "start,value" (ISO instant, number)`);
    }
    points.push({ at: Date.parse(start), value: number, durationMs: hourMs });
  });
  if (points.length === 0) throw new PriceFormatError('no values');
  return toHourly(unit, points);
}
