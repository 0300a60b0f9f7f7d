import { keyPrefix } from '@nightshift/core';
import type { Redis } from 'ioredis';
import { type WorkerStatus, workerStatusSchema } from './worker-status.ts';

const statusKey = (id: string) => `${keyPrefix}:worker:${id}`;
const membersKey = `${keyPrefix}:workers`;

/** Options of {@link FleetRegistry}. */
export interface FleetRegistryOptions {
  redis: Redis;
  /** A worker not heard from for this long is gone. Default 10 s. */
  staleAfterMs?: number;
}

/**
 * Where workers announce themselves and readers (the API, the dashboard, metrics) find them.
 * Each status expires on its own, so a killed worker disappears without cleanup.
 *
 * @example
 * await registry.publish(status);       // worker, every few hundred ms
 * const workers = await registry.list(); // API
 */
export class FleetRegistry {
  readonly #redis: Redis;
  readonly #staleAfterMs: number;

  constructor(options: FleetRegistryOptions) {
    this.#redis = options.redis;
    this.#staleAfterMs = options.staleAfterMs ?? 10_000;
  }

  async publish(status: WorkerStatus): Promise<void> {
    await this.#redis
      .multi()
      .set(statusKey(status.id), JSON.stringify(status), 'PX', this.#staleAfterMs)
      .zadd(membersKey, Date.now(), status.id)
      .exec();
  }

  async remove(id: string): Promise<void> {
    await this.#redis.multi().del(statusKey(id)).zrem(membersKey, id).exec();
  }

  /**
   * Live workers, by id. A stored status that does not match {@link workerStatusSchema} (not
   * JSON, a field missing or of the wrong type) is left out, so one bad entry cannot break the
   * readers that rely on the shape: hot-lane admission, `GET /v1/workers`, the dashboard.
   */
  async list(): Promise<WorkerStatus[]> {
    await this.#redis.zremrangebyscore(membersKey, 0, Date.now() - this.#staleAfterMs);
    const ids = await this.#redis.zrange(membersKey, 0, -1);
    if (ids.length === 0) return [];
    const raw = await this.#redis.mget(ids.map(statusKey));
    return raw.flatMap((value) => (value === null ? [] : validStatus(value)));
  }
}

/**
 * The stored object itself when it matches the schema, not zod's copy: readers get exactly what
 * the worker published (same keys, same order), so `GET /v1/workers` stays byte for byte the same.
 */
function validStatus(value: string): WorkerStatus[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  return workerStatusSchema.safeParse(parsed).success ? [parsed as WorkerStatus] : [];
}
