import { z } from 'zod';
import { type HourlyValues, hourMs, toHourly } from './hourly-values.ts';
import { PriceFormatError } from './nightshift-format.ts';

const point = z.object({
  carbonIntensity: z.number().finite().nullable(),
  datetime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO-8601 instant'),
});

/**
 * Electricity Maps carbon intensity, v3: `/carbon-intensity/forecast` answers
 * `{ zone, forecast: [{ carbonIntensity, datetime }], updatedAt }`, `/carbon-intensity/history`
 * `{ zone, history: [{ carbonIntensity, datetime, … }] }` (both hourly by default, in
 * gCO2eq/kWh). Either list, or both, is read; a `null` intensity (an hour the service has no
 * estimate for) is left out.
 */
export const electricityMapsSchema = z
  .object({
    zone: z.string().min(1),
    forecast: z.array(point).optional(),
    history: z.array(point).optional(),
  })
  .refine((body) => body.forecast !== undefined || body.history !== undefined, {
    message: 'neither forecast nor history',
  });

/**
 * Reads an Electricity Maps carbon-intensity answer into hourly values in `gCO2eq/kWh`.
 *
 * @example
 * parseElectricityMaps('{"zone":"DE","forecast":[{"carbonIntensity":310,"datetime":"2026-12-07T00:00:00.000Z"}]}');
 */
export function parseElectricityMaps(body: string): HourlyValues {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PriceFormatError('not JSON');
  }
  const parsed = electricityMapsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PriceFormatError(`${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  const all = [...(parsed.data.history ?? []), ...(parsed.data.forecast ?? [])];
  const points = all
    .filter((p): p is { carbonIntensity: number; datetime: string } => p.carbonIntensity !== null)
    .map((p) => ({ at: Date.parse(p.datetime), value: p.carbonIntensity, durationMs: hourMs }));
  if (points.length === 0) throw new PriceFormatError('no carbon intensity values');
  return toHourly('gCO2eq/kWh', points);
}
