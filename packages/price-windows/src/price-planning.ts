import { type ColdWindows, coldWindowState } from '@nightshift/gpu';
import { isRedisUnreachable } from '@nightshift/redis';
import { hourMs, mergeHourly } from './hourly-values.ts';
import { planColdHours, type QueuedBatch } from './planner.ts';
import { describePriceSource, type PriceSourceSpec, readPriceSource } from './price-source.ts';
import type { PriceStore, StoredPlan } from './price-store.ts';

/** The cold lane's measured pace, or none yet. */
export interface MeasuredThroughput {
  /** Documents per second while the cold lane ran, all servers together; null: nothing measured. */
  documentsPerS: number | null;
}

/** Where log lines go (a pino logger fits). */
export interface PlanningLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Options of {@link PricePlanning}. */
export interface PricePlanningOptions {
  store: PriceStore;
  source: PriceSourceSpec;
  /** `NIGHTSHIFT_COLD_WINDOWS` as written and parsed: the hours cold work may ever run. */
  limits: { spec: string; windows: ColdWindows };
  timeZone: string;
  /** The open batches (unfinished, not cancelled), e.g. from `BatchStore.openBatches`. */
  queued: () => Promise<QueuedBatch[]>;
  /** What the cold lane did lately (e.g. `coldThroughput` over the activity series). */
  throughput: () => Promise<MeasuredThroughput>;
  /**
   * Documents per second per model, all its servers together, where measured (packages/accounting
   * `coldPaceByModel`). A batch of a model missing here is planned at `throughput`.
   */
  modelThroughput?: () => Promise<ReadonlyMap<string, number>>;
  /** This replica's name in the lease. */
  holder: string;
  log: PlanningLog;
  /** Hears each plan this replica makes (the at-risk gauge). */
  onPlan?: (plan: StoredPlan) => void | Promise<void>;
  /** How often a round runs. Default 60 s. */
  intervalMs?: number;
  /** Documents per second assumed before anything was measured. Default {@link defaultThroughput}. */
  defaultDocumentsPerS?: number;
  /** Let a source on a private address through: tests only. */
  allowPrivate?: boolean;
  now?: () => Date;
}

/**
 * Documents per second assumed until the cold lane has run: a small model server's pace on long
 * documents. Low on purpose: too slow a guess opens dearer hours, too fast a one misses
 * deadlines.
 */
export const defaultThroughput = 0.05;
/** Fetched values are refreshed after a day, or sooner when they cover less than this ahead. */
const refreshAfterMs = 24 * hourMs;
const minAheadMs = 12 * hourMs;
/** A failed fetch is tried again after this; a short-cover refresh at most this often too. */
const retryMs = 15 * 60_000;

/**
 * Keeps the price plan current: each round, the replica that holds the lease refreshes the
 * source's values when due (daily, at once when missing, sooner when they run short; a failure
 * keeps the last good values and is logged, never thrown), then plans the cold hours for the
 * queued batches and stores the plan, which every worker's cold lane and the API read.
 *
 * @example
 * const planning = new PricePlanning({ store, source, limits, timeZone, queued, throughput, holder, log });
 * planning.start();
 */
export class PricePlanning {
  readonly #o: PricePlanningOptions;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<StoredPlan | null> | undefined;
  /** When a fetch with no values to fall back on last failed here (ms). */
  #failedBare = Number.NEGATIVE_INFINITY;

  constructor(options: PricePlanningOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Runs a round every `intervalMs` (the first one now, unless `now` is false). */
  start(options: { now?: boolean } = {}): void {
    // Redis away: the connections' outage log says so once; the next round tries again.
    const tick = () =>
      void this.round().catch((error: Error) => {
        if (!isRedisUnreachable(error)) {
          this.#o.log.warn({ err: error.message }, 'price plan round failed');
        }
      });
    if (options.now ?? true) tick();
    this.#timer = setInterval(tick, this.#o.intervalMs ?? 60_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#round?.catch(() => {});
  }

  /** One round (skipped, answering null, while another replica holds the lease). */
  round(): Promise<StoredPlan | null> {
    this.#round ??= this.#roundOnce().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #roundOnce(): Promise<StoredPlan | null> {
    const o = this.#o;
    const intervalMs = o.intervalMs ?? 60_000;
    if (!(await o.store.lease(o.holder, intervalMs * 3))) return null;
    const now = this.#now().getTime();
    const values = await this.#refreshed(now);
    if (!values || values.values.length === 0) return null;

    const [batches, measured, byModel] = await Promise.all([
      o.queued(),
      o.throughput(),
      o.modelThroughput?.() ?? new Map<string, number>(),
    ]);
    const documentsPerS = measured.documentsPerS ?? o.defaultDocumentsPerS ?? defaultThroughput;
    const models: Record<string, number> = {};
    for (const { model } of batches) {
      const pace = byModel.get(model);
      if (pace !== undefined && pace > 0) models[model] = pace;
    }
    const limits = o.limits.windows;
    const plan = planColdHours({
      now,
      prices: values.values,
      allowed: (start) => allowedShare(limits, start, o.timeZone),
      batches,
      throughput: (model) => models[model] ?? documentsPerS,
    });
    const stored: StoredPlan = {
      computedAt: now,
      unit: values.unit,
      source: values.source,
      limits: o.limits.spec,
      timeZone: o.timeZone,
      throughput: {
        documentsPerS,
        measured: measured.documentsPerS !== null,
        ...(Object.keys(models).length > 0 ? { models } : {}),
      },
      threshold: plan.threshold,
      hours: plan.hours,
      atRisk: plan.atRisk,
    };
    // Trusted for a few rounds: a plan nobody renews (every worker gone) lapses, and the
    // lanes fall back to the fixed windows.
    await o.store.savePlan(stored, Math.max(intervalMs * 5, 5 * 60_000));
    for (const risk of plan.atRisk) {
      o.log.warn(
        { batchId: risk.batchId, deadline: new Date(risk.deadline), short: risk.shortDocuments },
        'price plan: batch will miss its window (too few allowed hours before its deadline)',
      );
    }
    await o.onPlan?.(stored);
    return stored;
  }

  /** The cached values, fetched first when due; a failed fetch leaves the last good ones. */
  async #refreshed(now: number) {
    const o = this.#o;
    const cached = await o.store.values();
    const lastHourEnd = (cached?.values.at(-1)?.start ?? 0) + hourMs;
    const stale = !cached || now - cached.fetchedAt >= refreshAfterMs;
    const short = cached !== null && lastHourEnd - now < minAheadMs;
    const lastTry = Math.max(cached?.fetchedAt ?? 0, cached?.failedAt ?? 0);
    if (!(stale || short) || (cached && now - lastTry < retryMs)) return cached;
    if (!cached && now - this.#failedBare < retryMs) return null;

    const source = describePriceSource(o.source);
    try {
      const fresh = await readPriceSource(o.source, {
        now: new Date(now),
        ...(o.allowPrivate ? { allowPrivate: true } : {}),
      });
      if (fresh.values.length === 0) throw new Error('no values');
      const merged = mergeHourly(cached, fresh, now - 24 * hourMs);
      const values = { ...merged, fetchedAt: now, source, lastError: null, failedAt: null };
      await o.store.saveValues(values, now);
      o.log.info(
        { source, hours: fresh.values.length, unit: fresh.unit },
        'price source refreshed',
      );
      return values;
    } catch (error) {
      const reason = (error as Error).message;
      o.log.warn(
        { source, err: reason, keeping: cached?.values.length ?? 0 },
        'price source not refreshed; keeping the last good values',
      );
      if (cached) await o.store.saveValues({ ...cached, lastError: reason, failedAt: now }, now);
      else this.#failedBare = now;
      return cached;
    }
  }
}

/** Share of the hour from `start` that the fixed windows allow (their transitions inside it counted). */
export function allowedShare(windows: ColdWindows, start: number, timeZone: string): number {
  if (windows.kind === 'always') return 1;
  if (windows.kind === 'never') return 0;
  const end = start + hourMs;
  let open = 0;
  let t = start;
  while (t < end) {
    const state = coldWindowState(windows, new Date(t), timeZone);
    const until = Math.min(end, Math.max(t + 1, state.nextTransition?.getTime() ?? end));
    if (state.open) open += until - t;
    t = until;
  }
  return open / hourMs;
}
