import type {
  AccountingStore,
  DocumentCounts,
  HourPrice,
  NightShiftReport,
} from '@nightshift/accounting';
import { nightShiftReport } from '@nightshift/accounting';
import { coverage, parseColdWindows } from '@nightshift/gpu';
import { localDateTime } from '@nightshift/zoned-time';

const DAY_MS = 86_400_000;
/** Peak hours when the windows do not say (`always`, `never`): the working day, local time. */
const defaultPeak = { fromHour: 8, toHour: 20 };

/** Where the "what the night shift did" report reads from. */
export interface NightShiftSource {
  accounting: Pick<AccountingStore, 'hours'>;
  documents: Pick<DocumentCounts, 'hours'>;
  /** `NIGHTSHIFT_COLD_WINDOWS`: peak hours are the hours outside them. */
  windowSpec: string;
  /** `NIGHTSHIFT_TZ`. */
  timeZone: string;
  /** The model servers (configured upstreams): the GPU capacity of an hour. */
  serverCount: number;
  /** Hourly prices (or carbon intensity) by hour start, where a price source is configured. */
  prices?: (fromMs: number, toMs: number) => Promise<ReadonlyMap<number, HourPrice>>;
}

/**
 * Reads the last 7 days of accounting, documents and prices and works out the report
 * (`nightShiftReport` of packages/accounting).
 *
 * @example
 * const report = await readNightShiftReport(source, Date.now());
 */
export async function readNightShiftReport(
  source: NightShiftSource,
  now: number,
): Promise<NightShiftReport> {
  const from = now - 7 * DAY_MS;
  const [hours, documents, prices] = await Promise.all([
    source.accounting.hours(from, now),
    source.documents.hours(from, now),
    source.prices?.(from, now),
  ]);
  return nightShiftReport({
    now,
    calls: hours.calls,
    servers: hours.servers,
    documents,
    isPeak: peakHours(source.windowSpec, source.timeZone),
    ...(prices ? { priceAt: (hour: number) => prices.get(hour) } : {}),
    serverCount: source.serverCount,
  });
}

/**
 * Whether an hour is a peak hour: outside the off-peak windows at the middle of the hour,
 * local time; with `always`/`never` (or a spec that cannot be read), 08:00–20:00.
 */
export function peakHours(windowSpec: string, timeZone: string): (hourMs: number) => boolean {
  let offPeak: boolean[] | null = null;
  try {
    const windows = parseColdWindows(windowSpec);
    if (windows.kind === 'ranges') offPeak = coverage(windows.ranges);
  } catch {
    offPeak = null;
  }
  return (hourMs) => {
    const local = localDateTime(hourMs + 1_800_000, timeZone);
    if (offPeak) return !offPeak[local.hour * 60 + local.minute];
    return local.hour >= defaultPeak.fromHour && local.hour < defaultPeak.toHour;
  };
}
