import type { HourUsageRow, ServerHourRow } from './accounting-store.ts';

const HOUR_S = 3600;
const DAY_MS = 86_400_000;

/** Documents finished per model in one UTC hour (either lane). */
export interface HourDocumentsRow {
  hour: number;
  model: string;
  documents: number;
}

/** An hour's price or carbon intensity, and its unit (`EUR/MWh`, `gCO2eq/kWh`, …). */
export interface HourPrice {
  value: number;
  unit: string;
}

/** What {@link nightShiftReport} reads. */
export interface NightShiftInput {
  /** The report's end; its 24 h and 7 d look back from here. */
  now: number;
  /** Per tenant, lane, model and server, for at least the last 7 days. */
  calls: readonly HourUsageRow[];
  /** Per server (busy seconds, idle and total energy). */
  servers: readonly ServerHourRow[];
  /** Documents per model and hour. */
  documents: readonly HourDocumentsRow[];
  /** Whether an hour (its start, epoch ms) is a peak hour (outside the off-peak windows). */
  isPeak: (hourMs: number) => boolean;
  /** The price of an hour, where a price source knows it. */
  priceAt?: (hourMs: number) => HourPrice | undefined;
  /** Model servers counted as the GPU capacity of a peak hour (the configured upstreams). */
  serverCount: number;
}

/** One tenant's use over a span. */
export interface TenantSpan {
  gpuHours: number;
  /** Null where no server of its calls reports energy. */
  energyKWh: number | null;
  /** Energy × the hour's price, in the price's numerator (`EUR`, `gCO2eq`); null without prices. */
  cost: number | null;
}

/** The "what the night shift did" figures (7 days back unless said). */
export interface NightShiftReport {
  object: 'night_shift_report';
  generatedAt: string;
  /** Peak hours and model servers over the last 7 days. */
  peak: {
    hours: number;
    /** Busy share of the servers in peak hours: all lanes, then per lane (0–1). */
    busyShare: { total: number; hot: number; cold: number };
    /** Batch work that ran off peak: GPU hours, and the busy share it would have added to peak hours. */
    movedOut: { coldGpuHours: number; peakBusyShareIfInPeak: number };
  };
  /** The unit of `cost` (a price's numerator), or null without a price source. */
  costUnit: string | null;
  tenants: { tenant: string; last24h: TenantSpan; last7d: TenantSpan }[];
  /** Energy per 1,000 cold documents per model (7 days); null where energy or documents are unknown. */
  models: {
    model: string;
    documents: number;
    coldEnergyWh: number | null;
    whPer1000Documents: number | null;
  }[];
  /** Energy spent with no call running (never charged to a tenant). */
  idleEnergyKWh: { last24h: number | null; last7d: number | null };
}

/**
 * The field report's own figure and its neighbours: how busy the GPUs were in peak hours, per
 * lane, and how much batch work ran outside them; GPU hours, energy and cost per tenant over 24 h
 * and 7 days; Wh per 1,000 documents per model. Pure: the caller reads the hours.
 *
 * @example
 * const report = nightShiftReport({ now: Date.now(), ...(await store.hours(from, to)), documents, isPeak, serverCount: 2 });
 */
export function nightShiftReport(input: NightShiftInput): NightShiftReport {
  const since7d = input.now - 7 * DAY_MS;
  const since24h = input.now - DAY_MS;
  const inWeek = (hour: number) => hour >= since7d - (since7d % 3_600_000) && hour <= input.now;
  const calls = input.calls.filter((r) => inWeek(r.hour));
  const peakHours = countPeakHours(input.now, since7d, input.isPeak);
  const capacity = Math.max(1, input.serverCount) * peakHours * HOUR_S;

  const peakSeconds = { hot: 0, cold: 0 };
  let coldOffPeak = 0;
  for (const row of calls) {
    if (input.isPeak(row.hour)) peakSeconds[row.lane] += row.gpuSeconds;
    else if (row.lane === 'cold') coldOffPeak += row.gpuSeconds;
  }
  const share = (seconds: number) => (capacity > 0 ? round(Math.min(1, seconds / capacity), 4) : 0);

  const units = new Set<string>();
  const tenants = new Map<string, { last24h: Acc; last7d: Acc }>();
  for (const row of calls) {
    let t = tenants.get(row.tenant);
    if (!t) {
      t = { last24h: newAcc(), last7d: newAcc() };
      tenants.set(row.tenant, t);
    }
    const price = input.priceAt?.(row.hour);
    if (price) units.add(price.unit);
    add(t.last7d, row, price);
    if (row.hour >= since24h - (since24h % 3_600_000)) add(t.last24h, row, price);
  }

  const models = new Map<string, { documents: number; energyWh: number | null }>();
  for (const d of input.documents) {
    if (!inWeek(d.hour)) continue;
    const m = models.get(d.model) ?? { documents: 0, energyWh: null };
    m.documents += d.documents;
    models.set(d.model, m);
  }
  for (const row of calls) {
    if (row.lane !== 'cold') continue;
    const m = models.get(row.model) ?? { documents: 0, energyWh: null };
    if (row.energyWh !== null) m.energyWh = (m.energyWh ?? 0) + row.energyWh;
    models.set(row.model, m);
  }

  const idle = { last24h: null as number | null, last7d: null as number | null };
  for (const s of input.servers) {
    if (!inWeek(s.hour) || s.idleEnergyWh === null) continue;
    idle.last7d = (idle.last7d ?? 0) + s.idleEnergyWh / 1000;
    if (s.hour >= since24h - (since24h % 3_600_000))
      idle.last24h = (idle.last24h ?? 0) + s.idleEnergyWh / 1000;
  }

  const unit = units.size === 1 ? costUnitOf([...units][0] as string) : null;
  return {
    object: 'night_shift_report',
    generatedAt: new Date(input.now).toISOString(),
    peak: {
      hours: peakHours,
      busyShare: {
        total: share(peakSeconds.hot + peakSeconds.cold),
        hot: share(peakSeconds.hot),
        cold: share(peakSeconds.cold),
      },
      movedOut: {
        coldGpuHours: significant(coldOffPeak / HOUR_S),
        peakBusyShareIfInPeak: share(peakSeconds.hot + peakSeconds.cold + coldOffPeak),
      },
    },
    costUnit: unit,
    tenants: [...tenants.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tenant, t]) => ({
        tenant,
        last24h: spanOf(t.last24h, unit !== null),
        last7d: spanOf(t.last7d, unit !== null),
      })),
    models: [...models.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, m]) => ({
        model,
        documents: m.documents,
        coldEnergyWh: m.energyWh === null ? null : significant(m.energyWh),
        whPer1000Documents:
          m.energyWh === null || m.documents === 0
            ? null
            : significant((m.energyWh / m.documents) * 1000),
      })),
    idleEnergyKWh: {
      last24h: idle.last24h === null ? null : significant(idle.last24h),
      last7d: idle.last7d === null ? null : significant(idle.last7d),
    },
  };
}

interface Acc {
  gpuSeconds: number;
  energyWh: number | null;
  cost: number;
  /** Energy in hours without a price: the cost then covers only part of it. */
  unpriced: boolean;
}

function newAcc(): Acc {
  return { gpuSeconds: 0, energyWh: null, cost: 0, unpriced: false };
}

function add(acc: Acc, row: HourUsageRow, price: HourPrice | undefined): void {
  acc.gpuSeconds += row.gpuSeconds;
  if (row.energyWh === null) return;
  acc.energyWh = (acc.energyWh ?? 0) + row.energyWh;
  if (price) acc.cost += (row.energyWh / 1000) * perKWh(price.unit) * price.value;
  else acc.unpriced = true;
}

function spanOf(acc: Acc, priced: boolean): TenantSpan {
  return {
    gpuHours: significant(acc.gpuSeconds / HOUR_S),
    energyKWh: acc.energyWh === null ? null : significant(acc.energyWh / 1000),
    cost: priced && acc.energyWh !== null ? significant(acc.cost) : null,
  };
}

/** Multiplier from a price per the unit's denominator to a price per kWh. */
function perKWh(unit: string): number {
  const per = unit.split('/')[1]?.trim().toLowerCase();
  if (per === 'mwh') return 1 / 1000;
  if (per === 'wh') return 1000;
  return 1;
}

/** `EUR/MWh` → `EUR`; `gCO2eq/kWh` → `gCO2eq`. */
function costUnitOf(unit: string): string {
  return unit.split('/')[0]?.trim() || unit;
}

function countPeakHours(now: number, since: number, isPeak: (hourMs: number) => boolean): number {
  let count = 0;
  for (let h = since - (since % 3_600_000); h < now; h += 3_600_000) if (isPeak(h)) count++;
  return count;
}

/** Four significant digits: an hour of a small GPU's night reads 0.0002 kWh, not 0. */
function significant(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(4));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
