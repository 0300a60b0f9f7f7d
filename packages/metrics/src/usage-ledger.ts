import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';
import type { UsagePeriod, UsageReport } from './usage-schemas.ts';
import { WriteBehind } from './write-behind.ts';

/** Options of {@link UsageLedger}. */
export interface UsageLedgerOptions {
  /** A client connection. */
  redis: Redis;
  /** How long a day's figures are kept. Default 400 days (a year plus a month to compare). */
  retentionDays?: number;
  /** Where entries are written; default one that writes each at once (see {@link WriteBehind}). */
  writes?: WriteBehind;
}

/** One finished document (or gateway call), as the ledger counts it. */
export interface UsageEntry {
  /** `document` (default): a summarized document; `request`: one interactive call through the gateway. */
  kind?: 'document' | 'request';
  tenant: string;
  /** Model that answered; null when none did (the document failed before or in every model). */
  model: string | null;
  status: 'succeeded' | 'failed';
  promptTokens: number;
  completionTokens: number;
  /** When it finished; default now. Days are UTC. */
  at?: Date;
}

/** One model call's share of its server's busy time and energy, as the accounting measured it. */
export interface UsageCharge {
  tenant: string;
  model: string;
  gpuSeconds: number;
  /** Null when the call's server reports no energy. */
  energyWh: number | null;
  /** When the call ended; default now. Days are UTC. */
  at?: Date;
}

/** What {@link UsageLedger.report} covers: UTC days `from`..`to` inclusive (`YYYY-MM-DD`). */
export interface UsageQuery {
  tenant: string;
  from: string;
  to: string;
  granularity: 'day' | 'month';
}

const dayMs = 86_400_000;
/** Longest range one report may cover, so one request cannot ask Redis for years of days. */
export const maxUsageDays = 366;

/**
 * Usage per tenant and UTC day in Redis hashes (`{nightshift}:usage:<tenant>:<day>`), written
 * where documents finish and summed per day or month by `GET /v1/usage`.
 *
 * @example
 * const ledger = new UsageLedger({ redis });
 * await ledger.record({ tenant: 'acme', model: 'qwen3:32b', status: 'succeeded', promptTokens: 900, completionTokens: 120 });
 * const report = await ledger.report({ tenant: 'acme', from: '2025-01-01', to: '2025-01-31', granularity: 'day' });
 */
export class UsageLedger {
  readonly #redis: Redis;
  readonly #retentionSeconds: number;
  readonly #writes: WriteBehind;
  #day = '';
  #dayStartsAt = 0;
  #dayEndsAt = 0;

  constructor(options: UsageLedgerOptions) {
    this.#redis = options.redis;
    this.#retentionSeconds = (options.retentionDays ?? 400) * 86_400;
    this.#writes = options.writes ?? new WriteBehind({ redis: options.redis });
  }

  /**
   * Adds one finished document to its tenant's day. Increments made in one tick land in one
   * transaction; with a buffered writer they land with its next flush.
   */
  record(entry: UsageEntry): Promise<void> {
    const key = dayKey(entry.tenant, entry.at ? utcDay(entry.at) : this.#today());
    const writes = this.#writes;
    // All of them land together (one tick); the last one's promise stands for them all.
    const counted = entry.kind === 'request' ? 'requests' : 'documents';
    let written = writes.add(key, counted, 1);
    if (entry.status === 'failed')
      written = writes.add(key, counted === 'requests' ? 'failedRequests' : 'failed', 1);
    if (entry.model !== null) {
      // `field|model`: the field name never holds a `|`, so model names may (they hold `:`).
      writes.add(key, `${counted}|${entry.model}`, 1);
      writes.add(key, `promptTokens|${entry.model}`, entry.promptTokens);
      written = writes.add(key, `completionTokens|${entry.model}`, entry.completionTokens);
    }
    writes.expire(key, this.#retentionSeconds);
    return written;
  }

  /** Adds one call's GPU time and energy to its tenant's day (`gpuSeconds|model`, `energyWh|model`). */
  charge(charge: UsageCharge): Promise<void> {
    const key = dayKey(charge.tenant, charge.at ? utcDay(charge.at) : this.#today());
    const writes = this.#writes;
    let written = writes.add(key, `gpuSeconds|${charge.model}`, charge.gpuSeconds);
    if (charge.energyWh !== null)
      written = writes.add(key, `energyWh|${charge.model}`, charge.energyWh);
    writes.expire(key, this.#retentionSeconds);
    return written;
  }

  /** Today's UTC day, worked out again only when the clock leaves it (one per document else). */
  #today(): string {
    const now = Date.now();
    if (now < this.#dayStartsAt || now >= this.#dayEndsAt) {
      this.#dayStartsAt = now - (now % dayMs);
      this.#dayEndsAt = this.#dayStartsAt + dayMs;
      this.#day = utcDay(new Date(now));
    }
    return this.#day;
  }

  /** Every period of the range (empty ones with zeros), then the totals. */
  async report(query: UsageQuery): Promise<UsageReport> {
    const days = daysBetween(query.from, query.to);
    const pipeline = this.#redis.pipeline();
    for (const day of days) pipeline.hgetall(dayKey(query.tenant, day));
    const hashes = ((await pipeline.exec()) ?? []).map(([error, hash]) => {
      if (error) throw error;
      return hash as Record<string, string>;
    });
    const periods = new Map<string, UsagePeriod>();
    const total = emptyPeriod('total');
    days.forEach((day, i) => {
      const name = query.granularity === 'day' ? day : day.slice(0, 7);
      let period = periods.get(name);
      if (!period) {
        period = emptyPeriod(name);
        periods.set(name, period);
      }
      for (const target of [period, total]) addHash(target, hashes[i] ?? {});
    });
    for (const period of [...periods.values(), total]) roundMeasures(period);
    const { period: _, ...totals } = total;
    return {
      object: 'usage',
      tenant: query.tenant,
      from: query.from,
      to: query.to,
      granularity: query.granularity,
      data: [...periods.values()],
      totals,
    };
  }
}

function dayKey(tenant: string, day: string): string {
  return `${keyPrefix}:usage:${tenant}:${day}`;
}

/** `YYYY-MM-DD` of a moment in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** UTC days from..to inclusive; RangeError when reversed or longer than {@link maxUsageDays}. */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new RangeError('dates must be YYYY-MM-DD');
  if (end < start) throw new RangeError('`to` is before `from`');
  const count = (end - start) / dayMs + 1;
  if (count > maxUsageDays) throw new RangeError(`at most ${maxUsageDays} days per report`);
  return Array.from({ length: count }, (_, i) => utcDay(new Date(start + i * dayMs)));
}

/** Float sums read back as ms and mWh: the counters' sums carry float noise below that. */
function roundMeasures(period: UsagePeriod): void {
  for (const row of [period, ...period.models]) {
    row.gpuSeconds = Math.round(row.gpuSeconds * 1000) / 1000;
    if (row.energyWh !== null) row.energyWh = Math.round(row.energyWh * 1000) / 1000;
  }
}

function emptyPeriod(period: string): UsagePeriod {
  return {
    period,
    documents: 0,
    failedDocuments: 0,
    requests: 0,
    failedRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    gpuSeconds: 0,
    energyWh: null,
    models: [],
  };
}

function addHash(period: UsagePeriod, hash: Record<string, string>): void {
  for (const [field, raw] of Object.entries(hash)) {
    const value = Number(raw);
    if (field === 'documents') period.documents += value;
    else if (field === 'failed') period.failedDocuments += value;
    else if (field === 'requests') period.requests += value;
    else if (field === 'failedRequests') period.failedRequests += value;
    else {
      const split = field.indexOf('|');
      const name = field.slice(0, split) as
        | 'documents'
        | 'requests'
        | 'promptTokens'
        | 'completionTokens'
        | 'gpuSeconds'
        | 'energyWh';
      const model = field.slice(split + 1);
      let row = period.models.find((m) => m.model === model);
      if (!row) {
        row = {
          model,
          documents: 0,
          requests: 0,
          promptTokens: 0,
          completionTokens: 0,
          gpuSeconds: 0,
          energyWh: null,
        };
        period.models.push(row);
        period.models.sort((a, b) => a.model.localeCompare(b.model));
      }
      if (name === 'energyWh') {
        row.energyWh = (row.energyWh ?? 0) + value;
        period.energyWh = (period.energyWh ?? 0) + value;
      } else {
        row[name] += value;
        if (name !== 'documents' && name !== 'requests') period[name] += value;
      }
    }
  }
}
