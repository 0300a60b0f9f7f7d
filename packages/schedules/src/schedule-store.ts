import { newScheduleId } from '@nightshift/core';
import { luaScript } from '@nightshift/redis';
import type { Redis } from 'ioredis';
import { scheduleKeys } from './schedule-keys.ts';
import {
  type CreateScheduleBody,
  createScheduleBody,
  type Schedule,
  type ScheduleRun,
  type UpdateScheduleBody,
  updateScheduleBody,
} from './schedule-schemas.ts';

/** Options of {@link ScheduleStore}. */
export interface ScheduleStoreOptions {
  /** A client connection (commands only; never used for SUBSCRIBE). */
  redis: Redis;
  /** Zone of schedules created without one (`NIGHTSHIFT_TZ`). Default `UTC`. */
  defaultTimezone?: string;
  /** Runs kept per schedule (oldest dropped). Default 500. */
  runsKept?: number;
  /**
   * Schedules one tenant may have (`NIGHTSHIFT_MAX_SCHEDULES_PER_TENANT`); `create` beyond it
   * throws {@link ScheduleLimitError}. Default: no limit (schedulers only read).
   */
  maxSchedulesPerTenant?: number;
}

/** Thrown by `ScheduleStore.create` when the tenant already has its most schedules; nothing was written. */
export class ScheduleLimitError extends Error {
  override readonly name = 'ScheduleLimitError';

  constructor(
    readonly tenant: string,
    readonly limit: number,
  ) {
    super(`tenant '${tenant}' already has ${limit} schedules, its most`);
  }
}

// Counts and writes in one step, so two creates racing for the last slot cannot both pass.
const createScript = luaScript(new URL('./lua/create-schedule.lua', import.meta.url));
const compareAndSet = luaScript(new URL('./lua/compare-and-set.lua', import.meta.url));

/** A schedule with the tenant that owns it. */
export interface StoredSchedule {
  tenant: string;
  schedule: Schedule;
}

/**
 * Schedules per tenant in Redis, their run log, and the change signal schedulers follow:
 * every write bumps a version counter and publishes the schedule id.
 *
 * @example
 * const schedules = new ScheduleStore({ redis, defaultTimezone: 'Europe/Berlin' });
 * const s = await schedules.create('acme', { name: 'nightly', cron: '0 1 * * *', source });
 * await schedules.update('acme', s.id, { enabled: false });
 */
export class ScheduleStore {
  readonly #redis: Redis;
  readonly #defaultTimezone: string;
  readonly #runsKept: number;
  readonly #maxPerTenant: number | undefined;

  constructor(options: ScheduleStoreOptions) {
    this.#redis = options.redis;
    this.#defaultTimezone = options.defaultTimezone ?? 'UTC';
    this.#runsKept = options.runsKept ?? 500;
    this.#maxPerTenant = options.maxSchedulesPerTenant;
  }

  /**
   * Validates (throws ZodError naming fields) and stores a new schedule; throws
   * {@link ScheduleLimitError} when the tenant already has `maxSchedulesPerTenant`.
   */
  async create(tenant: string, body: CreateScheduleBody, now = new Date()): Promise<Schedule> {
    const input = createScheduleBody.parse(body);
    const at = now.toISOString();
    const schedule: Schedule = {
      id: newScheduleId(now.getTime()),
      object: 'schedule',
      name: input.name,
      cron: input.cron,
      timezone: input.timezone ?? this.#defaultTimezone,
      source: input.source,
      batch: input.batch,
      enabled: input.enabled,
      catchUp: input.catchUp,
      createdAt: at,
      updatedAt: at,
      armedAt: at,
    };
    const written = await createScript.run(
      this.#redis,
      [scheduleKeys.record(schedule.id), scheduleKeys.tenant(tenant), scheduleKeys.all],
      [String(this.#maxPerTenant ?? -1), schedule.id, JSON.stringify({ tenant, schedule })],
    );
    if (written !== 1) throw new ScheduleLimitError(tenant, this.#maxPerTenant ?? 0);
    await this.#changed(schedule.id);
    return schedule;
  }

  /** Any tenant's schedule (for schedulers). */
  async get(id: string): Promise<StoredSchedule | null> {
    const raw = await this.#redis.get(scheduleKeys.record(id));
    return raw ? (JSON.parse(raw) as StoredSchedule) : null;
  }

  /** The schedule if this tenant owns it, else null. */
  async getForTenant(tenant: string, id: string): Promise<Schedule | null> {
    const stored = await this.get(id);
    return stored && stored.tenant === tenant ? stored.schedule : null;
  }

  /** A tenant's schedules, oldest first, `limit` after the id `after`. */
  async list(
    tenant: string,
    { limit, after }: { limit: number; after?: string | undefined },
  ): Promise<{ data: Schedule[]; hasMore: boolean }> {
    const min = after ? `(${after}` : '-';
    const ids = (await this.#redis.call(
      'ZRANGE',
      scheduleKeys.tenant(tenant),
      min,
      '+',
      'BYLEX',
      'LIMIT',
      '0',
      String(limit + 1),
    )) as string[];
    const page = await Promise.all(ids.slice(0, limit).map((id) => this.getForTenant(tenant, id)));
    return { data: page.filter((s): s is Schedule => s !== null), hasMore: ids.length > limit };
  }

  /** Every schedule id (for schedulers). */
  async ids(): Promise<string[]> {
    return this.#redis.smembers(scheduleKeys.all);
  }

  /**
   * Applies a partial change (throws ZodError naming fields). Changing cron, zone or turning a
   * schedule on re-arms it: fires before that moment never count as missed.
   */
  async update(
    tenant: string,
    id: string,
    body: UpdateScheduleBody,
    now = new Date(),
  ): Promise<Schedule | null> {
    const patch = updateScheduleBody.parse(body);
    const key = scheduleKeys.record(id);
    // Compare-and-set: a concurrent edit of the same schedule retries instead of losing one.
    for (let attempt = 0; attempt < 10; attempt++) {
      const raw = await this.#redis.get(key);
      const current = raw ? (JSON.parse(raw) as StoredSchedule) : null;
      if (!current || current.tenant !== tenant) return null;
      const before = current.schedule;
      const next: Schedule = { ...before, ...patch, updatedAt: now.toISOString() };
      const rearmed =
        next.cron !== before.cron ||
        next.timezone !== before.timezone ||
        (next.enabled && !before.enabled);
      if (rearmed) next.armedAt = now.toISOString();
      const swapped = await compareAndSet.run(
        this.#redis,
        [key],
        [raw as string, JSON.stringify({ tenant, schedule: next })],
      );
      if (swapped === 1) {
        await this.#changed(id);
        return next;
      }
    }
    throw new Error(`schedule ${id} is being changed too often to update`);
  }

  /** Deletes a schedule with its run log and taken-file record; false if the tenant has none. */
  async delete(tenant: string, id: string): Promise<boolean> {
    if (!(await this.getForTenant(tenant, id))) return false;
    await this.#redis
      .multi()
      .del(scheduleKeys.record(id), scheduleKeys.runs(id), scheduleKeys.taken(id))
      .zrem(scheduleKeys.tenant(tenant), id)
      .srem(scheduleKeys.all, id)
      .zrem(scheduleKeys.lastFire, id)
      .exec();
    await this.#changed(id);
    return true;
  }

  /** The change counter; schedulers resync when it moved. */
  async version(): Promise<number> {
    return Number((await this.#redis.get(scheduleKeys.version)) ?? 0);
  }

  /** Appends a run to the log (kept newest `runsKept`) and moves the last-fire mark forward. */
  async recordRun(run: ScheduleRun): Promise<void> {
    const fireMs = Date.parse(run.fireTime);
    await this.#redis
      .multi()
      .zadd(scheduleKeys.runs(run.scheduleId), fireMs, JSON.stringify(run))
      .zremrangebyrank(scheduleKeys.runs(run.scheduleId), 0, -this.#runsKept - 1)
      .zadd(scheduleKeys.lastFire, 'GT', fireMs, run.scheduleId)
      .exec();
  }

  /** Runs newest first. */
  async runs(id: string, limit = 50): Promise<ScheduleRun[]> {
    const raw = await this.#redis.zrevrange(scheduleKeys.runs(id), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as ScheduleRun);
  }

  /** The latest fire time handled for a schedule, or null. */
  async lastFireAt(id: string): Promise<Date | null> {
    const score = await this.#redis.zscore(scheduleKeys.lastFire, id);
    return score === null ? null : new Date(Number(score));
  }

  async #changed(id: string): Promise<void> {
    await this.#redis.incr(scheduleKeys.version);
    await this.#redis.publish(scheduleKeys.changes, id);
  }
}
