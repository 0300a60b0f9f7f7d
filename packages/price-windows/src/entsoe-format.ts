import { z } from 'zod';
import { type HourlyValues, type TimedValue, toHourly } from './hourly-values.ts';
import { PriceFormatError } from './nightshift-format.ts';

/**
 * ENTSO-E Transparency Platform day-ahead prices (document type A44): a
 * `Publication_MarketDocument` of `TimeSeries`, each with `Period`s of a `timeInterval`, a
 * `resolution` (PT60M, PT15M, PT30M) and `Point`s (`position` from 1, `price.amount`). With curve
 * type A03 a position left out holds the previous point's price. No data for the asked interval
 * comes as an `Acknowledgement_MarketDocument` with a `Reason`.
 *
 * The document is flat and machine-written, so a few tag reads suffice; every extracted piece
 * goes through zod before it is used.
 */
const resolutionMinutes: Record<string, number> = { PT15M: 15, PT30M: 30, PT60M: 60, P1D: 1440 };

const instant = z
  .string()
  .transform((s) => Date.parse(s))
  .refine((ms) => !Number.isNaN(ms), 'an ISO-8601 instant');

const periodSchema = z.object({
  start: instant,
  end: instant,
  resolution: z.enum(Object.keys(resolutionMinutes) as [string, ...string[]]),
  points: z
    .array(z.object({ position: z.coerce.number().int().min(1), price: z.coerce.number() }))
    .min(1),
});

const seriesSchema = z.object({
  currency: z.string().min(1).default('EUR'),
  measure: z.string().min(1).default('MWH'),
  curveType: z.enum(['A01', 'A03']).default('A01'),
  classification: z.coerce.number().int().optional(),
  periods: z.array(periodSchema).min(1),
});

/**
 * Reads an A44 document into hourly prices (`EUR/MWh`; quarter-hours averaged into their hour).
 *
 * @example
 * parseEntsoePrices(await (await fetch(url)).text()).values[0]; // { start: 1765062000000, value: 85.12 }
 */
export function parseEntsoePrices(xml: string): HourlyValues {
  if (/<Acknowledgement_MarketDocument[\s>]/.test(xml)) {
    const reason = firstText(xml, 'text') ?? 'no reason given';
    throw new PriceFormatError(`ENTSO-E acknowledgement instead of prices: ${reason}`);
  }
  if (!/<Publication_MarketDocument[\s>]/.test(xml)) {
    throw new PriceFormatError('not a Publication_MarketDocument');
  }
  const docType = firstText(xml, 'type');
  if (docType !== undefined && docType !== 'A44') {
    throw new PriceFormatError(`document type ${docType}, expected A44 (day-ahead prices)`);
  }
  const points: TimedValue[] = [];
  let unit: string | undefined;
  const series = elements(xml, 'TimeSeries');
  if (series.length === 0) throw new PriceFormatError('no TimeSeries');
  series.forEach((body, index) => {
    const parsed = seriesSchema.safeParse({
      currency: firstText(body, 'currency_Unit.name'),
      measure: firstText(body, 'price_Measure_Unit.name'),
      curveType: firstText(body, 'curveType'),
      classification: firstText(body, 'classificationSequence_AttributeInstanceComponent.position'),
      periods: elements(body, 'Period').map((period) => {
        const interval = elements(period, 'timeInterval')[0] ?? '';
        return {
          start: firstText(interval, 'start'),
          end: firstText(interval, 'end'),
          resolution: firstText(period, 'resolution'),
          points: elements(period, 'Point').map((point) => ({
            position: firstText(point, 'position'),
            price: firstText(point, 'price.amount'),
          })),
        };
      }),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PriceFormatError(
        `TimeSeries ${index + 1}: ${issue?.path.join('.') || 'body'}: ${issue?.message}`,
      );
    }
    // Since the 15-minute market, a zone may publish a second sequence (another product) for the
    // same hours: the first one is the day-ahead auction's.
    if ((parsed.data.classification ?? 1) !== 1) return;
    unit ??= `${parsed.data.currency}/${parsed.data.measure === 'MWH' ? 'MWh' : parsed.data.measure}`;
    for (const period of parsed.data.periods) points.push(...periodPoints(period, parsed.data));
  });
  return toHourly(unit ?? 'EUR/MWh', points);
}

function periodPoints(
  period: z.infer<typeof periodSchema>,
  series: { curveType: 'A01' | 'A03' },
): TimedValue[] {
  const stepMs = (resolutionMinutes[period.resolution] as number) * 60_000;
  const slots = Math.round((period.end - period.start) / stepMs);
  if (slots <= 0) throw new PriceFormatError('Period ends before it starts');
  const byPosition = new Map(period.points.map((p) => [p.position, p.price]));
  const out: TimedValue[] = [];
  let held: number | undefined;
  for (let position = 1; position <= slots; position++) {
    const price = byPosition.get(position);
    if (price !== undefined) held = price;
    // A01 lists every position; a missing one there is a gap, not a repeat.
    const value = price ?? (series.curveType === 'A03' ? held : undefined);
    if (value === undefined) continue;
    out.push({ at: period.start + (position - 1) * stepMs, value, durationMs: stepMs });
  }
  return out;
}

/** The bodies of every `<name …>…</name>` in `xml` (not nested in itself). */
function elements(xml: string, name: string): string[] {
  const escaped = name.replace(/\./g, '\\.');
  const pattern = new RegExp(`<${escaped}(?:\\s[^>]*)?>([\\s\\S]*?)</${escaped}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] as string);
}

function firstText(xml: string, name: string): string | undefined {
  const body = elements(xml, name)[0];
  return body === undefined ? undefined : body.trim();
}
