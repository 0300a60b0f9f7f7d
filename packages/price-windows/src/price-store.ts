import { keyPrefix } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type HourlyValues, hourlyValuesSchema, hourMs } from './hourly-values.ts';

/**
 * The Redis keys of price-aware windows. Every replica reads the same values and plan; one
 * replica at a time (the lease) fetches and plans.
 */
export const priceKeys = {
  /** The source's hourly values, with when they were fetched; expires a day after the last hour. */
  values: `${keyPrefix}:price:values`,
  /**
   * Hash: every hour's value as last fetched (`<hour ms>` → value, `unit`), kept 8 days after
   * the hour: the accounting prices the energy of past hours with it.
   */
  history: `${keyPrefix}:price:history`,
  /** The current plan (JSON of {@link storedPlanSchema}); expires when it is too old to trust. */
  plan: `${keyPrefix}:price:plan`,
  /** Who fetches and plans now: `SET NX PX`, renewed by its holder each round. */
  lease: `${keyPrefix}:price:lease`,
} as const;

export const cachedValuesSchema = hourlyValuesSchema.extend({
  /** When these values were fetched (ms). */
  fetchedAt: z.number().int(),
  /** The source as shown in logs (no secrets). */
  source: z.string(),
  /** The last fetch's failure, kept beside the last good values; null after a good one. */
  lastError: z.string().nullable().default(null),
  /** When the last failed fetch was tried (ms): the next try waits a while. */
  failedAt: z.number().int().nullable().default(null),
});
/** The cached values of the price source. */
export type CachedValues = z.infer<typeof cachedValuesSchema>;

const plannedHourSchema = z.object({
  start: z.number().int(),
  price: z.number().nullable(),
  open: z.boolean(),
  reason: z.enum(['needed', 'cheapest', 'skipped', 'limit']),
  batchId: z.string().optional(),
  due: z.number().optional(),
  usable: z.number(),
});

/** A plan as stored and as the API reads it. */
export const storedPlanSchema = z.object({
  computedAt: z.number().int(),
  unit: z.string(),
  source: z.string(),
  /** The fixed windows that limit it (`NIGHTSHIFT_COLD_WINDOWS`). */
  limits: z.string(),
  timeZone: z.string(),
  /**
   * Documents per second the plan assumed for the cold lane, and whether it was measured; per
   * model where GPU accounting measured the model's own pace (its batches are planned at that).
   */
  throughput: z.object({
    documentsPerS: z.number(),
    measured: z.boolean(),
    models: z.record(z.string(), z.number()).optional(),
  }),
  threshold: z.number().nullable(),
  hours: z.array(plannedHourSchema),
  atRisk: z.array(
    z.object({
      batchId: z.string(),
      model: z.string(),
      deadline: z.number(),
      remaining: z.number().int(),
      shortDocuments: z.number().int(),
    }),
  ),
});
/** A plan as stored; see {@link storedPlanSchema}. */
export type StoredPlan = z.infer<typeof storedPlanSchema>;

const leaseScript = luaScript(new URL('./lua/take-price-lease.lua', import.meta.url));

/**
 * Reads and writes the cached values and the plan. A value that does not parse reads as none
 * (a newer replica's shape, a hand edit): the next round writes a good one.
 *
 * @example
 * const store = new PriceStore({ redis });
 * const plan = await store.plan();
 */
/** How long past hours' values are kept: the night shift report looks back 7 days. */
const historyMs = 8 * 86_400_000;

export class PriceStore {
  readonly #redis: Redis;

  constructor(options: { redis: Redis }) {
    this.#redis = options.redis;
  }

  async values(): Promise<CachedValues | null> {
    return parsed(cachedValuesSchema, await this.#redis.get(priceKeys.values));
  }

  /** Keeps `values` until a day after their last hour (at least an hour from now). */
  async saveValues(values: CachedValues, now: number): Promise<void> {
    const last = values.values.at(-1)?.start ?? now;
    const ttlMs = Math.max(3_600_000, last + 25 * 3_600_000 - now);
    await this.#redis.set(priceKeys.values, JSON.stringify(values), 'PX', ttlMs);
    await this.#keepHistory(values, now);
  }

  /** Writes the values into the history and forgets hours older than {@link historyMs}. */
  async #keepHistory(values: CachedValues, now: number): Promise<void> {
    if (values.values.length === 0) return;
    const fields: (string | number)[] = ['unit', values.unit];
    for (const v of values.values) fields.push(String(v.start), v.value);
    const known = await this.#redis.hkeys(priceKeys.history);
    const old = known.filter((f) => f !== 'unit' && Number(f) < now - historyMs);
    const tx = this.#redis.multi().hset(priceKeys.history, ...fields);
    if (old.length > 0) tx.hdel(priceKeys.history, ...old);
    await tx.pexpire(priceKeys.history, historyMs + 2 * 86_400_000).exec();
  }

  /**
   * The values of the hours from `fromMs` to `toMs` as last fetched, by hour start: what the
   * accounting prices past energy with.
   */
  async history(
    fromMs: number,
    toMs: number,
  ): Promise<Map<number, { value: number; unit: string }>> {
    const all = await this.#redis.hgetall(priceKeys.history);
    const unit = all.unit;
    const out = new Map<number, { value: number; unit: string }>();
    if (!unit) return out;
    for (const [field, raw] of Object.entries(all)) {
      const hour = Number(field);
      if (field === 'unit' || hour < fromMs - hourMs || hour > toMs) continue;
      out.set(hour, { value: Number(raw), unit });
    }
    return out;
  }

  async plan(): Promise<StoredPlan | null> {
    return parsed(storedPlanSchema, await this.#redis.get(priceKeys.plan));
  }

  async savePlan(plan: StoredPlan, ttlMs: number): Promise<void> {
    await this.#redis.set(priceKeys.plan, JSON.stringify(plan), 'PX', ttlMs);
  }

  /** Takes or renews the lease for `holder`; true when `holder` holds it now. */
  async lease(holder: string, ttlMs: number): Promise<boolean> {
    return (await leaseScript.run(this.#redis, [priceKeys.lease], [holder, ttlMs])) === 1;
  }
}

function parsed<T>(schema: z.ZodType<T>, raw: string | null): T | null {
  if (raw === null) return null;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** The values as the planner reads them. */
export type { HourlyValues };
